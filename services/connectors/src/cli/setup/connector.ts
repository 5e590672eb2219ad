import type { SetupContext } from './context.js';

/**
 * The connector document, created only when absent: PUT would reset an
 * existing one. A changed CONNECTOR_INDEX_NAME applies on a re-run.
 */
export async function ensureConnector(ctx: SetupContext): Promise<void> {
  const { settings, store, admin, log, result } = ctx;
  // With the API, Elasticsearch's own templates shape the indices; reads go through the aliases either way.
  await store.ensureIndices();
  const existing = await admin.find(settings.CONNECTOR_ID);
  if (!existing) {
    await admin.create(settings.CONNECTOR_ID, { name: settings.CONNECTOR_NAME, index_name: settings.CONNECTOR_INDEX_NAME, service_type: settings.CONNECTOR_SERVICE_TYPE });
    result.created = true;
  }
  log.info(`setup: connector ${settings.CONNECTOR_ID} ${result.created ? 'created' : 'already exists'}`);
  if (existing && existing.index_name !== settings.CONNECTOR_INDEX_NAME) await moveToIndex(ctx, existing.index_name ?? null);
}

/** The old index is left as it is: it may still be wanted. */
async function moveToIndex({ admin, settings, log }: SetupContext, previous: string | null): Promise<void> {
  const { CONNECTOR_ID: id, CONNECTOR_INDEX_NAME: index } = settings;
  await admin.setIndexName(id, index);
  log.info(`setup: connector ${id} now writes to ${index} (was ${previous ?? 'unset'}; that index is kept)`);
}
