import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { loadConfig, secretsOf } from '../config/load.js';
import { createEsClient } from '../es/client.js';
import { PreflightError, unreachableReason, waitForElasticsearch } from '../es/preflight.js';
import { createLogger } from '../log/logger.js';
import { errorMessage, registerSecret } from '../log/redact.js';
import { createProtocolStore } from '../protocol/detect.js';
import { ConnectorAdmin } from '../protocol/admin.js';
import { ApiProtocolStore } from '../protocol/api-store.js';
import type { IndexProtocolStore } from '../protocol/index-store.js';
import type { ProtocolStore } from '../protocol/store.js';
import { CliError, EXIT } from './exit.js';

/**
 * The CLI's line and exit code for a cluster that cannot be used: preflight's
 * own classification (one for the service and the CLI), exit 3 when nothing
 * answered. A connection lost later in a command counts as unreachable too.
 */
export function asCliError(err: unknown, url: string): unknown {
  if (err instanceof PreflightError) {
    return new CliError([err.message, err.hint].filter(Boolean).join('. '), err.problem === 'unreachable' ? EXIT.unreachable : EXIT.failed);
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) {
    return new CliError(`cannot reach Elasticsearch at ${errorMessage(url)} (${unreachableReason(err)}). Start it (make services-up) or set ELASTICSEARCH_URL`, EXIT.unreachable);
  }
  return err;
}

/** What a command works with: the store, the client, and connector writes through the right backend. */
export interface Cluster {
  store: ProtocolStore;
  client: Client;
  admin: ConnectorAdmin;
}

/**
 * Runs `fn` with the service's own settings and store. Interactive commands do
 * not wait for a cluster that is down: one attempt, then exit 3 at once.
 */
export async function withCluster<T>(fn: (cluster: Cluster) => Promise<T>): Promise<T> {
  const config = loadConfig();
  secretsOf(config).forEach(registerSecret);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const client = createEsClient(config.elasticsearch);
  try {
    await waitForElasticsearch(client, log, 0);
    const store = await createProtocolStore(client, config.protocol, log);
    // Both stores are index stores underneath (the API one extends it).
    const admin = new ConnectorAdmin(client, store as IndexProtocolStore, store instanceof ApiProtocolStore);
    return await fn({ store, client, admin });
  } catch (err) {
    throw asCliError(err, config.elasticsearch.url);
  } finally {
    await client.close();
  }
}

export function withStore<T>(fn: (store: ProtocolStore, client: Client) => Promise<T>): Promise<T> {
  return withCluster(({ store, client }) => fn(store, client));
}
