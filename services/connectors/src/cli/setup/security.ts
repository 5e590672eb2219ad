import { statusOf } from '../../protocol/index-store.js';
import type { SetupContext } from './context.js';

/**
 * API keys and the kibana_system user exist only where security is on. A
 * superuser password alone does not say so: a `.env` made for compose also
 * reaches `connectors setup` on the native cluster, which has security off.
 */
export async function securityEnabled({ client, settings, log }: Pick<SetupContext, 'client' | 'settings' | 'log'>): Promise<boolean> {
  if (!settings.ELASTIC_PASSWORD) return false;
  try {
    await client.security.authenticate();
    return true;
  } catch (err) {
    // No security endpoints (400/404/405): security is off. A 401 is a wrong password and stops setup.
    if (![400, 404, 405].includes(statusOf(err) ?? 0)) throw err;
    log.info('setup: security is off on this cluster: no API key and no kibana_system password to set (ELASTIC_PASSWORD is not used)');
    return false;
  }
}
