import type { SetupContext } from './context.js';

/** A first full sync, unless the connector has synced or has a sync queued: re-runs add none. */
export async function queueFirstSync({ settings, store, log, result }: SetupContext): Promise<void> {
  if (!settings.SETUP_FIRST_SYNC) return;
  const id = settings.CONNECTOR_ID;
  const connector = (await store.getConnector(id))!.doc;
  const queued = await store.listRunnableJobs([id], ['full', 'incremental']);
  if (connector.last_synced || queued.length) return;
  result.firstSyncJobId = await store.createJob(id, 'full', 'on_demand');
  log.info(`setup: first full sync queued (job ${result.firstSyncJobId})`);
}
