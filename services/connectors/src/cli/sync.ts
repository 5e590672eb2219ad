import type { ConnectorDoc, JobType } from '../protocol/types.js';
import type { ProtocolStore } from '../protocol/store.js';
import { defaultSources } from '../sources/index.js';
import { withStore } from './cluster.js';
import { CliError, EXIT, notFound } from './exit.js';

export const SYNC_TYPES = ['full', 'incremental'] as const;
export type SyncType = (typeof SYNC_TYPES)[number];

/**
 * Why the service would fail a job of this type, or null. Refused here, the
 * user learns it now instead of from a job that errors later.
 */
export function unsupportedReason(id: string, doc: ConnectorDoc, type: JobType): string | null {
  if (type !== 'incremental') return null;
  if (!doc.features?.incremental_sync?.enabled) {
    // The service turns the feature off when the database cannot support it, and says why on the connector.
    const why = doc.error ? ` — ${doc.error}` : '';
    return `connector ${id} does not support incremental sync (features.incremental_sync.enabled is false${why}); use --type full`;
  }
  // The document can claim more than the source does (features edited by hand).
  const source = defaultSources().get(doc.service_type);
  if (source && !source.features().incremental_sync?.enabled) {
    return `connector ${id} does not support incremental sync (the ${source.displayName} source has none); use --type full`;
  }
  return null;
}

/** Checks the connector exists and can run the job before a job document is written. */
export async function queueSync(store: ProtocolStore, id: string, type: SyncType): Promise<string> {
  const connector = await store.getConnector(id);
  if (!connector) throw notFound(id);
  const reason = unsupportedReason(id, connector.doc, type);
  if (reason) throw new CliError(reason, EXIT.usage);
  return store.createJob(id, type, 'on_demand');
}

export async function syncCommand(id: string, options: { type: SyncType }): Promise<void> {
  const jobId = await withStore((store) => queueSync(store, id, options.type));
  console.log(`queued ${options.type} sync job ${jobId} for connector ${id}`);
}
