import type { Client } from '@elastic/elasticsearch';
import type { ProtocolMode } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import { ApiProtocolStore } from './api-store.js';
import { IndexProtocolStore, statusOf } from './index-store.js';
import type { ProtocolStore } from './store.js';

/**
 * Whether this cluster has the Connector API. Without x-pack, `GET _connector`
 * is read as an index name and fails with 400; a 403 still proves the endpoint exists.
 */
export async function hasConnectorApi(client: Client): Promise<boolean> {
  try {
    await client.connector.list({ size: 0 });
    return true;
  } catch (err) {
    return statusOf(err) === 403;
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
