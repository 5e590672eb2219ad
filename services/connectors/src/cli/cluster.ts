import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { loadConfig, secretsOf } from '../config/load.js';
import { createEsClient } from '../es/client.js';
import { clusterInfo } from '../es/preflight.js';
import { createLogger, type Logger } from '../log/logger.js';
import { errorMessage, registerSecret } from '../log/redact.js';
import { createProtocolStore } from '../protocol/detect.js';
import type { ProtocolStore } from '../protocol/store.js';
import { sleep } from '../util/sleep.js';
import { CliError, EXIT } from './exit.js';

/** Nothing answered at all (refused, unresolvable, timed out): as opposed to an answer we did not like. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError;
}

/** The one line shown when the cluster cannot be reached; other errors pass through unchanged. */
export function unreachableAs(err: unknown, url: string): unknown {
  if (!isUnreachable(err)) return err;
  const cause = errorMessage(err).replace(/\.$/, '');
  return new CliError(
    `cannot reach Elasticsearch at ${errorMessage(url)}: ${cause}. Is it running? (make services-up, or set ELASTICSEARCH_URL)`,
    EXIT.unreachable,
  );
}

/**
 * Until the cluster answers, or `maxWaitMs` (0: one attempt). Unlike the
 * service's `waitForElasticsearch`, the last error is rethrown as it is, so a
 * cluster that is not there can be told from one that refused us.
 */
export async function reachCluster(client: Client, log: Logger, maxWaitMs: number): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      await clusterInfo(client);
      return;
    } catch (err) {
      if (!isUnreachable(err) || Date.now() + delay > deadline) throw err;
      log.warn(`waiting for Elasticsearch: ${errorMessage(err)}`);
      await sleep(delay);
    }
  }
}

/**
 * Runs `fn` with the service's own settings and store. Interactive commands do
 * not wait for a cluster that is down: one attempt, then exit 3 at once.
 */
export async function withStore<T>(fn: (store: ProtocolStore, client: Client) => Promise<T>): Promise<T> {
  const config = loadConfig();
  secretsOf(config).forEach(registerSecret);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const client = createEsClient(config.elasticsearch);
  try {
    await reachCluster(client, log, 0);
    return await fn(await createProtocolStore(client, config.protocol, log), client);
  } catch (err) {
    throw unreachableAs(err, config.elasticsearch.url);
  } finally {
    await client.close();
  }
}
