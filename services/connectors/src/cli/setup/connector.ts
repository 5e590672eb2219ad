import { newConnectorDoc } from '../../protocol/documents.js';
import { statusOf } from '../../protocol/index-store.js';
import type { ConnectorDoc } from '../../protocol/types.js';
import type { SetupContext } from './context.js';

/**
 * The connector document, created only when absent: PUT would reset an
 * existing one. A changed CONNECTOR_INDEX_NAME applies on a re-run.
 */
export async function ensureConnector(ctx: SetupContext): Promise<void> {
  const { settings, store, log, result } = ctx;
  // With the API, Elasticsearch's own templates shape the indices; reads go through the aliases either way.
  await store.ensureIndices();
  const existing = await findConnector(ctx);
  if (!existing) {
    await createConnector(ctx);
    result.created = true;
  }
  log.info(`setup: connector ${settings.CONNECTOR_ID} ${result.created ? 'created' : 'already exists'}`);
  if (existing && existing.index_name !== settings.CONNECTOR_INDEX_NAME) await moveToIndex(ctx, existing.index_name ?? null);
}

/** The live connector; a soft-deleted one counts as absent. */
async function findConnector({ client, settings, store, api }: SetupContext): Promise<ConnectorDoc | undefined> {
  const id = settings.CONNECTOR_ID;
  if (!api) return (await store.getConnector(id))?.doc;
  try {
    const doc = (await client.connector.get({ connector_id: id, include_deleted: true } as never)) as unknown as ConnectorDoc;
    return doc.deleted ? undefined : doc;
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
    return undefined;
  }
}

async function createConnector({ client, settings, store, api }: SetupContext): Promise<void> {
  const fields = { name: settings.CONNECTOR_NAME, index_name: settings.CONNECTOR_INDEX_NAME, service_type: settings.CONNECTOR_SERVICE_TYPE };
  if (api) await client.connector.put({ connector_id: settings.CONNECTOR_ID, ...fields, is_native: false });
  else await store.putConnector(settings.CONNECTOR_ID, newConnectorDoc(fields));
}

/** The old index is left as it is: it may still be wanted. */
async function moveToIndex({ client, settings, store, api, log }: SetupContext, previous: string | null): Promise<void> {
  const { CONNECTOR_ID: id, CONNECTOR_INDEX_NAME: index } = settings;
  if (api) await client.connector.updateIndexName({ connector_id: id, index_name: index });
  else await store.updateConnector(id, { index_name: index });
  log.info(`setup: connector ${id} now writes to ${index} (was ${previous ?? 'unset'}; that index is kept)`);
}
