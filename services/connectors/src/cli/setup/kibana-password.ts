import type { SetupContext } from './context.js';

/** Kibana logs in as kibana_system; only secured clusters have it. */
export async function setKibanaPassword({ client, settings, secured, log }: SetupContext): Promise<void> {
  if (!settings.KIBANA_PASSWORD || !secured) return;
  await client.security.changePassword({ username: 'kibana_system', password: settings.KIBANA_PASSWORD, refresh: 'true' as never });
  log.info('setup: kibana_system password set');
}
