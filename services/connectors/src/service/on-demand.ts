import type { ProtocolStore } from '../protocol/store.js';
import type { ConnectorDoc, JobType } from '../protocol/types.js';
import type { SourceRegistry } from '../sources/registry.js';

/** Why an on-demand sync was not queued. */
export type OnDemandRefusal =
  | { kind: 'not_found' }
  /** The connector or its source cannot run this type of job. */
  | { kind: 'unsupported' }
  /** One of the same type waits to start already: a second would only run the same sync again. */
  | { kind: 'already_waiting'; jobId: string };

export class OnDemandRefused extends Error {
  override name = 'OnDemandRefused';
  constructor(
    readonly refusal: OnDemandRefusal,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why the service would fail a job of this type, or null. Refused before the
 * job is written, the user learns it now instead of from a job that errors later.
 */
export function unsupportedReason(id: string, doc: ConnectorDoc, type: JobType, sources: SourceRegistry): string | null {
  if (type !== 'incremental') return null;
  if (!doc.features?.incremental_sync?.enabled) {
    // The service turns the feature off when the database cannot support it, and says why on the connector.
    const why = doc.error ? ` — ${doc.error}` : '';
    return `connector ${id} does not support incremental sync (features.incremental_sync.enabled is false${why}); use --type full`;
  }
  // The document can claim more than the source does (features edited by hand).
  const source = sources.get(doc.service_type);
  if (source && !source.features().incremental_sync?.enabled) {
    return `connector ${id} does not support incremental sync (the ${source.displayName} source has none); use --type full`;
  }
  return null;
}

/**
 * An on-demand sync, as Kibana's Sync button asks for one: what the CLI's
 * `sync start` and the status page's buttons both do. Throws `OnDemandRefused`.
 */
export async function queueOnDemandJob(store: ProtocolStore, sources: SourceRegistry, connectorId: string, type: JobType): Promise<string> {
  const connector = await store.getConnector(connectorId);
  if (!connector || connector.doc.deleted) throw new OnDemandRefused({ kind: 'not_found' }, `connector "${connectorId}" not found`);
  const reason = unsupportedReason(connectorId, connector.doc, type, sources);
  if (reason) throw new OnDemandRefused({ kind: 'unsupported' }, reason);
  const same = (await store.listJobsByStatus(['pending'], { connectorIds: [connectorId] })).find((j) => j.doc.job_type === type);
  if (same) throw new OnDemandRefused({ kind: 'already_waiting', jobId: same.id }, `a ${type} sync of "${connectorId}" is already waiting to start (job ${same.id})`);
  return store.createJob(connectorId, type, 'on_demand');
}
