import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../../log/logger.js';
import { registerSecret } from '../../log/redact.js';
import { ConnectorAdmin } from '../../protocol/admin.js';
import { ApiProtocolStore } from '../../protocol/api-store.js';
import { hasConnectorApi } from '../../protocol/detect.js';
import { IndexProtocolStore } from '../../protocol/index-store.js';
import type { DataSourceFactory } from '../../sources/types.js';
import { ensureApiKey } from './api-key.js';
import { configureConnector } from './configuration.js';
import { ensureConnector } from './connector.js';
import type { SetupContext } from './context.js';
import { ensureDataView } from './data-view.js';
import { queueFirstSync } from './first-sync.js';
import { setKibanaPassword } from './kibana-password.js';
import { securityEnabled } from './security.js';
import { writeOutputFile } from './output-file.js';
import type { SetupResult, SetupSettings } from './settings.js';

export { writeEnvFile } from './output-file.js';
export { DEFAULT_ROLE_FILE, loadConnectorRole, type RoleDescriptors } from './role.js';
export { setupSettingsSchema, type SetupResult, type SetupSettings } from './settings.js';

/**
 * Registers the demo connector, idempotently: re-running converges (a new API
 * key replaces the old ones; an existing connector is updated, never reset).
 */
export async function runSetup(client: Client, settings: SetupSettings, source: DataSourceFactory, log: Logger): Promise<SetupResult> {
  [settings.ELASTIC_PASSWORD, settings.KIBANA_PASSWORD, settings.CONNECTOR_PG_PASSWORD].forEach(registerSecret);
  const api = await hasConnectorApi(client);
  log.info(`setup: using the ${api ? 'Connector API' : 'connector indices directly (no Connector API on this cluster)'}`);
  const store = api ? new ApiProtocolStore(client) : new IndexProtocolStore(client);
  const ctx: SetupContext = {
    client,
    settings,
    store,
    api,
    admin: new ConnectorAdmin(client, store, api),
    secured: await securityEnabled({ client, settings, log }),
    log,
    result: { backend: api ? 'api' : 'index', connectorId: settings.CONNECTOR_ID, created: false },
  };

  await setKibanaPassword(ctx);
  await ensureConnector(ctx);
  const connector = await configureConnector(ctx, source);
  const apiKey = await ensureApiKey(ctx, connector.api_key_id);
  await queueFirstSync(ctx);
  await ensureDataView(ctx);
  writeOutputFile(ctx, apiKey);
  return ctx.result;
}
