import type { Client } from '@elastic/elasticsearch';
import type { ProtocolMode } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import { ApiProtocolStore } from './api-store.js';
import { IndexProtocolStore, statusOf } from './index-store.js';
import type { ProtocolStore } from './store.js';

/**
 * Whether this cluster has the Connector API. Without x-pack, `GET _connector`
 * is read as an index name and fails with 400 (404/405 on some versions); a 403
 * still proves the endpoint exists. Anything else (a 5xx, a timeout) says
 * nothing about the API, so it is thrown rather than guessed.
 */
export async function hasConnectorApi(client: Client): Promise<boolean> {
  try {
    await client.connector.list({ size: 0 });
    return true;
  } catch (err) {
    const status = statusOf(err);
    if (status === 403) return true;
    if (status === 400 || status === 404 || status === 405) return false;
    throw err;
  }
}

export async function createProtocolStore(client: Client, mode: ProtocolMode, log: Logger): Promise<ProtocolStore> {
  let chosen: 'api' | 'index';
  if (mode === 'auto') {
    chosen = (await hasConnectorApi(client)) ? 'api' : 'index';
    log.info({ protocol: chosen }, `protocol backend: ${chosen} (auto-detected)`);
  } else {
    chosen = mode;
    log.info({ protocol: chosen }, `protocol backend: ${chosen} (configured)`);
  }
  return chosen === 'api' ? new ApiProtocolStore(client) : new IndexProtocolStore(client);
}
