import type { Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import { JOBS_ALIAS } from './indices.js';
import type { ProtocolStore } from './store.js';
import type { JobRecord, JobStatus, SyncJobDoc } from './types.js';

/** States in which a job still has a future: it waits, runs or is being stopped. */
export const UNFINISHED_JOB_STATUSES: JobStatus[] = ['pending', 'in_progress', 'canceling', 'suspended'];

/**
 * The newest `size` jobs of each connector, whatever their state, in one
 * request. The store has no such read; both backends keep jobs behind this
 * alias, so it is read directly (as `connectors status` does). A missing jobs
 * index means no jobs yet.
 */
export async function recentJobs(client: Client, connectorIds: string[], size: number): Promise<Map<string, JobRecord[]>> {
  const out = new Map<string, JobRecord[]>(connectorIds.map((id) => [id, []]));
  if (!connectorIds.length) return out;
  const searches: estypes.MsearchRequestItem[] = connectorIds.flatMap((id) => [
    { index: JOBS_ALIAS, expand_wildcards: 'all', ignore_unavailable: true },
    { query: { term: { 'connector.id': id } }, sort: [{ created_at: 'desc' }], size, seq_no_primary_term: true },
  ]);
  const res = await client.msearch<SyncJobDoc>({ searches });
  res.responses.forEach((r, i) => {
    const id = connectorIds[i]!;
    if ('error' in r) {
      if (r.status === 404) return;
      throw new Error(`reading the jobs of ${id}: ${r.error.type}: ${r.error.reason ?? ''}`);
    }
    out.set(
      id,
      r.hits.hits
        .filter((h) => h._source !== undefined)
        .map((h) => ({ id: h._id!, doc: h._source!, seqNo: h._seq_no ?? 0, primaryTerm: h._primary_term ?? 0 })),
    );
  });
  return out;
}

/** Jobs newest first, of one connector or all, optionally in some states. A missing jobs index means none. */
export async function searchJobs(client: Client, filter: { connectorId?: string; statuses?: JobStatus[]; size: number }): Promise<JobRecord[]> {
  const must = [
    ...(filter.connectorId ? [{ term: { 'connector.id': filter.connectorId } }] : []),
    ...(filter.statuses?.length ? [{ terms: { status: filter.statuses } }] : []),
  ];
  const res = await client.search<SyncJobDoc>({ index: JOBS_ALIAS, query: { bool: { filter: must } }, sort: [{ created_at: 'desc' }], size: filter.size, ignore_unavailable: true, seq_no_primary_term: true });
  return res.hits.hits.filter((h) => h._source).map((h) => ({ id: h._id!, doc: h._source!, seqNo: h._seq_no ?? 0, primaryTerm: h._primary_term ?? 0 }));
}

export type CancelOutcome =
  /** A running job was asked to stop; its worker ends it `canceled` within a second or so. */
  | { kind: 'requested'; job: JobRecord }
  /** A job no worker held (pending, suspended) was ended `canceled` at once. */
  | { kind: 'canceled'; job: JobRecord }
  | { kind: 'not_found' }
  | { kind: 'finished'; status: JobStatus };

/**
 * What `_cancel` does, for either backend: a running job goes to `canceling`
 * with `cancelation_requested_at`, and the worker running it ends it. A job no
 * worker holds has nobody to do that, so it is ended `canceled` here; the
 * timestamp also makes a worker that claims it in the same instant cancel it.
 * Each write is guarded by the version read, and retried when the job moved on
 * (a progress report) in between.
 */
export async function cancelJob(store: ProtocolStore, jobId: string, now = () => new Date().toISOString()): Promise<CancelOutcome> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const job = await store.getJob(jobId);
    if (!job) return { kind: 'not_found' };
    const status = job.doc.status;
    const at = now();
    let fields: Partial<SyncJobDoc>;
    let kind: 'requested' | 'canceled';
    if (status === 'in_progress') {
      fields = { status: 'canceling', cancelation_requested_at: at };
      kind = 'requested';
    } else if (status === 'canceling') {
      return { kind: 'requested', job };
    } else if (status === 'pending' || status === 'suspended') {
      fields = { status: 'canceled', cancelation_requested_at: at, canceled_at: at, completed_at: at, last_seen: at };
      kind = 'canceled';
    } else {
      return { kind: 'finished', status };
    }
    if (await store.updateJob(jobId, fields, job)) {
      if (status === 'suspended') await settleSuspendedConnector(store, job.doc.connector.id);
      return { kind, job: { ...job, doc: { ...job.doc, ...fields } } };
    }
  }
  throw new Error(`job ${jobId} kept changing while its cancellation was being written`);
}

/**
 * A suspended job leaves `last_sync_status: suspended` on its connector until
 * it resumes; canceled instead, it would never change again. Guarded: a sync
 * that started meanwhile keeps its own status.
 */
async function settleSuspendedConnector(store: ProtocolStore, connectorId: string): Promise<void> {
  const connector = await store.getConnector(connectorId);
  if (connector?.doc.last_sync_status !== 'suspended') return;
  await store.updateConnector(connectorId, { last_sync_status: 'canceled' }, connector);
}
