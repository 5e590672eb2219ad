import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../../log/logger.js';
import type { ConnectorAdmin } from '../../protocol/admin.js';
import type { IndexProtocolStore } from '../../protocol/index-store.js';
import type { SetupResult, SetupSettings } from './settings.js';

/** What every setup step shares; steps record their outcome in `result`. */
export interface SetupContext {
  client: Client;
  settings: SetupSettings;
  /** The API store extends the index one, so both backends fit here. */
  store: IndexProtocolStore;
  /** The cluster has the Connector API: writes go through its endpoints. */
  api: boolean;
  /** Connector writes, through the API when there is one. */
  admin: ConnectorAdmin;
  /** Security is on and ELASTIC_PASSWORD authenticates: API key, kibana_system, Kibana. */
  secured: boolean;
  log: Logger;
  result: SetupResult;
}
