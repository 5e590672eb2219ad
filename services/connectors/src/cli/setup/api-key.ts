import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import { parse as parseDotenv } from 'dotenv';
import { registerSecret } from '../../log/redact.js';
import { statusOf } from '../../protocol/index-store.js';
import type { SetupContext } from './context.js';
import { loadConnectorRole, roleFingerprint } from './role.js';
import type { SetupSettings } from './settings.js';

interface ApiKey {
  id: string;
  encoded: string;
}

/**
 * The service's API key (secured clusters only). Every `docker compose up`
 * re-runs setup, so the key the running service uses is kept while it is still
 * valid for this connector and index; otherwise a new one replaces all older
 * ones. Returns the encoded key for the output file.
 */
export async function ensureApiKey(ctx: SetupContext, currentKeyId: string | null | undefined): Promise<string | undefined> {
  const { client, settings, store, api, secured, log, result } = ctx;
  if (!secured) return undefined;
  const id = settings.CONNECTOR_ID;
  const name = `pg-es-connectors-${id}`;
  const kept = settings.SETUP_ROTATE_API_KEY ? undefined : await reusableApiKey(client, settings, name);
  if (kept) {
    registerSecret(kept.encoded);
    log.info(`setup: API key ${kept.id} of the service is still valid: kept (SETUP_ROTATE_API_KEY=true replaces it)`);
  }
  const key = kept ?? (await replaceApiKey(ctx, name));
  result.apiKeyId = key.id;
  if (currentKeyId !== key.id) {
    if (api) await client.connector.updateApiKeyId({ connector_id: id, api_key_id: key.id });
    else await store.updateConnector(id, { api_key_id: key.id });
  }
  return key.encoded;
}

/** A new key, then every other active key of the same name revoked. */
async function replaceApiKey({ client, settings, log }: SetupContext, name: string): Promise<ApiKey> {
  const index = settings.CONNECTOR_INDEX_NAME;
  const role = loadConnectorRole(settings.SETUP_ROLE_FILE, index);
  const created = await client.security.createApiKey({
    name,
    role_descriptors: role as never,
    metadata: { application: 'pg-es-connectors', connector_id: settings.CONNECTOR_ID, index_name: index, role: roleFingerprint(role) },
  });
  registerSecret(created.encoded);
  const old = await client.security.getApiKey({ name, active_only: true } as never);
  const stale = (old.api_keys ?? []).filter((k) => k.id !== created.id).map((k) => k.id);
  if (stale.length) await client.security.invalidateApiKey({ ids: stale });
  log.info(`setup: API key ${created.id} created for the service${stale.length ? `, ${stale.length} older revoked (restart the service if it is running)` : ''}`);
  return { id: created.id, encoded: created.encoded };
}

/**
 * The key an earlier run handed the service (SETUP_OUTPUT_FILE), if Elasticsearch
 * still accepts it and it was made for this connector, index and role file
 * (a narrower role in a new release must not leave the old, broader key in use).
 */
export async function reusableApiKey(client: Client, settings: SetupSettings, name: string): Promise<ApiKey | undefined> {
  if (!settings.SETUP_OUTPUT_FILE || !existsSync(settings.SETUP_OUTPUT_FILE)) return undefined;
  const encoded = parseDotenv(readFileSync(settings.SETUP_OUTPUT_FILE)).ELASTICSEARCH_API_KEY;
  if (!encoded) return undefined;
  const id = Buffer.from(encoded, 'base64').toString('utf8').split(':')[0];
  if (!id) return undefined;
  try {
    const found = (await client.security.getApiKey({ id })).api_keys?.[0];
    const metadata = (found?.metadata ?? {}) as Record<string, unknown>;
    if (!found || found.invalidated || found.name !== name || metadata.index_name !== settings.CONNECTOR_INDEX_NAME) return undefined;
    if (metadata.role !== roleFingerprint(loadConnectorRole(settings.SETUP_ROLE_FILE, settings.CONNECTOR_INDEX_NAME))) return undefined;
    if (found.expiration && found.expiration <= Date.now()) return undefined;
    // The secret itself must still authenticate, not just the id exist.
    await client.security.authenticate({}, { headers: { authorization: `ApiKey ${encoded}` } });
    return { id, encoded };
  } catch (err) {
    const status = statusOf(err);
    if (status === 401 || status === 403 || status === 404) return undefined;
    throw err;
  }
}
