import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { errorMessage, registerSecret } from '../log/redact.js';
import { newConnectorDoc } from '../protocol/documents.js';
import { ApiProtocolStore } from '../protocol/api-store.js';
import { hasConnectorApi } from '../protocol/detect.js';
import { IndexProtocolStore, statusOf } from '../protocol/index-store.js';
import type { Configuration, ConnectorDoc } from '../protocol/types.js';
import { mergeSchema } from '../sources/configuration.js';
import type { DataSourceFactory } from '../sources/types.js';

/** Everything `connectors setup` reads, from the environment. */
export const setupSettingsSchema = z.object({
  ELASTICSEARCH_URL: z.string().url({ message: 'must be a URL' }).default('http://localhost:9200'),
  /** The superuser password: only setup uses it, never the service. */
  ELASTIC_PASSWORD: z.string().optional(),
  ELASTIC_USERNAME: z.string().default('elastic'),
  KIBANA_URL: z.string().url({ message: 'must be a URL' }).optional(),
  KIBANA_PASSWORD: z.string().optional(),
  KIBANA_WAIT: z.coerce.number().positive().default(600),
  DATA_VIEW_ID: z.string().default('pg-es-connectors-demo'),
  CONNECTOR_ID: z.string().min(1).default('postgres-demo'),
  CONNECTOR_NAME: z.string().default('PostgreSQL demo'),
  CONNECTOR_INDEX_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be a valid index name (lower case, no spaces, not starting with - _ +)' })
    .default('postgres-demo'),
  CONNECTOR_SERVICE_TYPE: z.string().default('postgresql'),
  CONNECTOR_PG_HOST: z.string().default('127.0.0.1'),
  CONNECTOR_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
  CONNECTOR_PG_USERNAME: z.string().default('connector_reader'),
  CONNECTOR_PG_PASSWORD: z.string().default(''),
  CONNECTOR_PG_DATABASE: z.string().default('demo'),
  CONNECTOR_PG_SCHEMA: z.string().default('public'),
  CONNECTOR_PG_TABLES: z.string().default('*'),
  /** Quartz cron of the daily full sync. */
  CONNECTOR_FULL_SCHEDULE: z.string().default('0 0 3 * * ?'),
  SETUP_FIRST_SYNC: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  SETUP_OUTPUT_FILE: z.string().optional(),
  /** Replace the service's API key even when the one it has is still valid. */
  SETUP_ROTATE_API_KEY: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
});
export type SetupSettings = z.output<typeof setupSettingsSchema>;

export interface SetupResult {
  backend: 'api' | 'index';
  connectorId: string;
  created: boolean;
  apiKeyId?: string;
  firstSyncJobId?: string;
  dataView?: 'created' | 'skipped';
  outputFile?: string;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Privileges the service needs and no more (reference C.1). */
export function connectorRoleDescriptor(indexName: string) {
  return {
    pg_es_connector: {
      cluster: ['monitor', 'manage_connector', 'read_pipeline'],
      indices: [
        { names: ['.elastic-connectors*'], privileges: ['all'], allow_restricted_indices: false },
        { names: [indexName, `.search-acl-filter-${indexName}`], privileges: ['all'], allow_restricted_indices: false },
      ],
    },
  };
}

/**
 * Registers the demo connector, idempotently: re-running converges (a new API
 * key replaces the old ones; an existing connector is updated, never reset).
 */
export async function runSetup(
  client: Client,
  settings: SetupSettings,
  source: DataSourceFactory,
  log: Logger,
): Promise<SetupResult> {
  registerSecret(settings.ELASTIC_PASSWORD);
  registerSecret(settings.KIBANA_PASSWORD);
  registerSecret(settings.CONNECTOR_PG_PASSWORD);
  const api = await hasConnectorApi(client);
  const backend = api ? 'api' : 'index';
  log.info(`setup: using the ${api ? 'Connector API' : 'connector indices directly (no Connector API on this cluster)'}`);
  const id = settings.CONNECTOR_ID;
  const result: SetupResult = { backend, connectorId: id, created: false };

  // 1. kibana_system password (secured clusters only).
  if (settings.KIBANA_PASSWORD && settings.ELASTIC_PASSWORD) {
    await client.security.changePassword({ username: 'kibana_system', password: settings.KIBANA_PASSWORD, refresh: 'true' as never });
    log.info('setup: kibana_system password set');
  }

  // 2. The connector document: created only when absent (PUT would reset it).
  // Reads go through the aliases either way; with the API, Elasticsearch's own
  // templates shape the indices.
  const store = api ? new ApiProtocolStore(client) : new IndexProtocolStore(client);
  await store.ensureIndices();
  let existing: ConnectorDoc | undefined;
  if (api) {
    try {
      const got = await client.connector.get({ connector_id: id, include_deleted: true } as never);
      existing = got as unknown as ConnectorDoc;
      if (existing.deleted) existing = undefined;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    if (!existing) {
      await client.connector.put({
        connector_id: id,
        index_name: settings.CONNECTOR_INDEX_NAME,
        name: settings.CONNECTOR_NAME,
        service_type: settings.CONNECTOR_SERVICE_TYPE,
        is_native: false,
      });
      result.created = true;
    }
  } else {
    existing = (await store.getConnector(id))?.doc;
    if (!existing) {
      await (store as IndexProtocolStore).putConnector(
        id,
        newConnectorDoc({ name: settings.CONNECTOR_NAME, index_name: settings.CONNECTOR_INDEX_NAME, service_type: settings.CONNECTOR_SERVICE_TYPE }),
      );
      result.created = true;
    }
  }
  log.info(`setup: connector ${id} ${result.created ? 'created' : 'already exists'}`);
  if (existing && existing.index_name !== settings.CONNECTOR_INDEX_NAME) {
    // A changed CONNECTOR_INDEX_NAME applies on re-run; the old index is left as it is.
    if (api) await client.connector.updateIndexName({ connector_id: id, index_name: settings.CONNECTOR_INDEX_NAME });
    else await store.updateConnector(id, { index_name: settings.CONNECTOR_INDEX_NAME });
    log.info(`setup: connector ${id} now writes to ${settings.CONNECTOR_INDEX_NAME} (was ${existing.index_name ?? 'unset'}; that index is kept)`);
  }

  // 3. Configuration: the source's schema with our values. Written here rather
  // than waiting for the service, which starts only after setup.
  const current = (await store.getConnector(id))!.doc;
  const { configuration } = mergeSchema(current.configuration ?? {}, source.configurationSchema());
  const values: Record<string, unknown> = {
    host: settings.CONNECTOR_PG_HOST,
    port: settings.CONNECTOR_PG_PORT,
    username: settings.CONNECTOR_PG_USERNAME,
    password: settings.CONNECTOR_PG_PASSWORD,
    database: settings.CONNECTOR_PG_DATABASE,
    schema: settings.CONNECTOR_PG_SCHEMA,
    tables: settings.CONNECTOR_PG_TABLES,
  };
  for (const [key, value] of Object.entries(values)) if (configuration[key]) configuration[key].value = value;
  const scheduling = {
    ...current.scheduling,
    full: { enabled: true, interval: settings.CONNECTOR_FULL_SCHEDULE },
  };
  if (api) {
    await client.connector.updateConfiguration({ connector_id: id, configuration: configuration as never });
    await client.connector.updateScheduling({ connector_id: id, scheduling: { full: scheduling.full } });
    await client.connector.updateFeatures({ connector_id: id, features: source.features() as never });
  } else {
    await store.updateConnector(id, { configuration, scheduling, features: source.features(), status: 'configured', error: null });
  }
  log.info(`setup: configuration, features and schedule (${settings.CONNECTOR_FULL_SCHEDULE}) set`);

  // 4. The service's API key. A re-run (every `docker compose up` re-runs setup)
  // keeps the key the running service already uses while it is still valid for
  // this connector and index; otherwise a new one replaces every older one.
  let apiKey: string | undefined;
  if (settings.ELASTIC_PASSWORD) {
    const name = `pg-es-connectors-${id}`;
    const kept = settings.SETUP_ROTATE_API_KEY ? undefined : await reusableApiKey(client, settings, name);
    if (kept) {
      apiKey = kept.encoded;
      result.apiKeyId = kept.id;
      registerSecret(apiKey);
      log.info(`setup: API key ${kept.id} of the service is still valid: kept (SETUP_ROTATE_API_KEY=true replaces it)`);
    } else {
      const created = await client.security.createApiKey({
        name,
        role_descriptors: connectorRoleDescriptor(settings.CONNECTOR_INDEX_NAME) as never,
        metadata: { application: 'pg-es-connectors', connector_id: id, index_name: settings.CONNECTOR_INDEX_NAME },
      });
      apiKey = created.encoded;
      registerSecret(apiKey);
      const old = await client.security.getApiKey({ name, active_only: true } as never);
      const stale = (old.api_keys ?? []).filter((k) => k.id !== created.id).map((k) => k.id);
      if (stale.length) await client.security.invalidateApiKey({ ids: stale });
      result.apiKeyId = created.id;
      log.info(`setup: API key ${created.id} created for the service${stale.length ? `, ${stale.length} older revoked (restart the service if it is running)` : ''}`);
    }
    if (current.api_key_id !== result.apiKeyId) {
      if (api) await client.connector.updateApiKeyId({ connector_id: id, api_key_id: result.apiKeyId });
      else await store.updateConnector(id, { api_key_id: result.apiKeyId });
    }
  }

  // 5. First full sync, unless the connector has synced or has a sync queued.
  if (settings.SETUP_FIRST_SYNC) {
    const after = (await store.getConnector(id))!.doc;
    const queued = await store.listRunnableJobs([id], ['full', 'incremental']);
    if (!after.last_synced && !queued.length) {
      result.firstSyncJobId = await store.createJob(id, 'full', 'on_demand');
      log.info(`setup: first full sync queued (job ${result.firstSyncJobId})`);
    }
  }

  // 6. Kibana data view with a fixed id (Kibana only).
  if (settings.KIBANA_URL && settings.ELASTIC_PASSWORD) {
    await createDataView(settings, log);
    result.dataView = 'created';
  } else result.dataView = 'skipped';

  // 7. Hand the connector id (and key) to the service.
  if (settings.SETUP_OUTPUT_FILE) {
    writeEnvFile(settings.SETUP_OUTPUT_FILE, {
      CONNECTOR_IDS: id,
      ...(apiKey ? { ELASTICSEARCH_API_KEY: apiKey } : {}),
    });
    result.outputFile = settings.SETUP_OUTPUT_FILE;
    log.info(`setup: service settings written to ${settings.SETUP_OUTPUT_FILE}`);
  }
  return result;
}

/**
 * The key an earlier run handed the service (SETUP_OUTPUT_FILE), if Elasticsearch
 * still accepts it and it was made for this connector and index.
 */
async function reusableApiKey(client: Client, settings: SetupSettings, name: string): Promise<{ id: string; encoded: string } | undefined> {
  if (!settings.SETUP_OUTPUT_FILE || !existsSync(settings.SETUP_OUTPUT_FILE)) return undefined;
  const encoded = parseDotenv(readFileSync(settings.SETUP_OUTPUT_FILE)).ELASTICSEARCH_API_KEY;
  if (!encoded) return undefined;
  const id = Buffer.from(encoded, 'base64').toString('utf8').split(':')[0];
  if (!id) return undefined;
  try {
    const found = (await client.security.getApiKey({ id })).api_keys?.[0];
    const metadata = (found?.metadata ?? {}) as Record<string, unknown>;
    if (!found || found.invalidated || found.name !== name || metadata.index_name !== settings.CONNECTOR_INDEX_NAME) return undefined;
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

/** Atomic write, readable by the owner only: it may hold an API key. */
export function writeEnvFile(file: string, values: Record<string, string>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const text = Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  // 'wx': created fresh, so the mode applies (an existing file would keep its own).
  writeFileSync(tmp, `# Written by \`connectors setup\`\n${text}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

async function createDataView(settings: SetupSettings, log: Logger): Promise<void> {
  const base = settings.KIBANA_URL!.replace(/\/$/, '');
  const auth = `Basic ${Buffer.from(`${settings.ELASTIC_USERNAME}:${settings.ELASTIC_PASSWORD}`).toString('base64')}`;
  const deadline = Date.now() + settings.KIBANA_WAIT * 1000;
  log.info(`setup: waiting for Kibana at ${base}`);
  for (;;) {
    try {
      const res = await fetch(`${base}/api/status`, { headers: { authorization: auth } });
      if (res.ok) {
        const body = (await res.json()) as { status?: { overall?: { level?: string } } };
        if (body.status?.overall?.level === 'available') break;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`Kibana at ${base} was not available within ${settings.KIBANA_WAIT} s`);
    await wait(5000);
  }
  const res = await fetch(`${base}/api/data_views/data_view`, {
    method: 'POST',
    headers: { authorization: auth, 'kbn-xsrf': 'pg-es-connectors', 'content-type': 'application/json' },
    body: JSON.stringify({
      override: true,
      data_view: {
        id: settings.DATA_VIEW_ID,
        name: settings.CONNECTOR_NAME,
        title: settings.CONNECTOR_INDEX_NAME,
        // No time field: Discover would otherwise hide rows outside its time range.
        allowNoIndex: true,
      },
    }),
  });
  if (!res.ok) throw new Error(`Kibana refused the data view: ${res.status} ${errorMessage(await res.text())}`);
  log.info(`setup: Kibana data view ${settings.DATA_VIEW_ID} ready`);
}

/** Merged configuration with values, exported for tests. */
export function configurationWithValues(schema: Configuration, values: Record<string, unknown>): Configuration {
  const out = structuredClone(schema);
  for (const [k, v] of Object.entries(values)) if (out[k]) out[k].value = v;
  return out;
}
