import type { Client } from '@elastic/elasticsearch';
import { statusOf } from '../protocol/index-store.js';
import { JOBS_ALIAS } from '../protocol/indices.js';
import { cancelJob } from '../protocol/jobs.js';
import type { ProtocolStore } from '../protocol/store.js';
import { JOB_STATUSES, type ConnectorDoc, type JobStatus, type JobType, type SyncJobDoc } from '../protocol/types.js';
import { defaultSources } from '../sources/index.js';
import { withCluster, withStore } from './cluster.js';
import { CliError, EXIT, notFound } from './exit.js';
import { emit, table, type OutputOptions } from './output.js';
import { groupDigits, when } from './status.js';
import { jobView, summaryLine, watchJob, type JobView } from './watch.js';

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
  if (!connector || connector.doc.deleted) throw notFound(id);
  const reason = unsupportedReason(id, connector.doc, type);
  if (reason) throw new CliError(reason, EXIT.usage);
  return store.createJob(id, type, 'on_demand');
}

/** 0 when the job completed; 1 when it failed or was canceled. */
const exitFor = (v: JobView) => (v.status === 'completed' ? EXIT.ok : EXIT.failed);

/** Follows a job to its end: progress on stderr (a bar on a terminal), the summary or JSON on stdout. */
async function follow(store: ProtocolStore, jobId: string, options: OutputOptions): Promise<void> {
  const done = await watchJob(store, jobId, { tty: !!process.stderr.isTTY && !options.json, stream: process.stderr });
  emit(options, done, () => summaryLine(done));
  process.exitCode = exitFor(done);
}

export async function syncStartCommand(id: string, options: OutputOptions & { type: SyncType; wait?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const jobId = await queueSync(store, id, options.type);
    if (!options.wait) {
      emit(options, { id: jobId, connector_id: id, job_type: options.type, status: 'pending' }, () => `queued ${options.type} sync job ${jobId} for connector ${id}`);
      return;
    }
    if (!options.json) console.log(`queued ${options.type} sync job ${jobId} for connector ${id}; waiting for a service to run it (Ctrl-C stops waiting, not the job)`);
    await follow(store, jobId, options);
  });
}

export async function syncWatchCommand(jobId: string, options: OutputOptions): Promise<void> {
  await withStore((store) => follow(store, jobId, options));
}

export async function syncCancelCommand(jobId: string, options: OutputOptions): Promise<void> {
  const outcome = await withStore((store) => cancelJob(store, jobId));
  if (outcome.kind === 'not_found') throw new CliError(`sync job "${jobId}" not found`, EXIT.failed);
  if (outcome.kind === 'finished') throw new CliError(`sync job ${jobId} already ended (${outcome.status}); nothing to cancel`, EXIT.failed);
  const said = outcome.kind === 'requested' ? 'cancel requested: the service running it stops it within seconds' : 'canceled (no service had started it)';
  emit(options, { id: jobId, outcome: outcome.kind, status: outcome.job.doc.status }, () => `sync job ${jobId}: ${said}`);
}

/** Newest first, across connectors or for one, optionally of some statuses. */
async function listJobs(client: Client, filter: { connectorId?: string; statuses?: JobStatus[]; size: number }): Promise<JobView[]> {
  const must = [
    ...(filter.connectorId ? [{ term: { 'connector.id': filter.connectorId } }] : []),
    ...(filter.statuses?.length ? [{ terms: { status: filter.statuses } }] : []),
  ];
  try {
    const res = await client.search<SyncJobDoc>({ index: JOBS_ALIAS, query: { bool: { filter: must } }, sort: [{ created_at: 'desc' }], size: filter.size });
    return res.hits.hits.filter((h) => h._source).map((h) => jobView(h._id!, h._source!));
  } catch (err) {
    if (statusOf(err) === 404) return [];
    throw err;
  }
}

export async function syncListCommand(options: OutputOptions & { connector?: string; status?: string[]; limit: string }): Promise<void> {
  const size = Number(options.limit);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new CliError(`--limit must be a whole number from 1 to 1000 (got "${options.limit}")`, EXIT.usage);
  const statuses = options.status ?? [];
  const unknown = statuses.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (unknown.length) throw new CliError(`unknown status ${unknown.join(', ')} (statuses: ${JOB_STATUSES.join(', ')})`, EXIT.usage);
  const jobs = await withCluster(({ client }) => listJobs(client, { ...(options.connector ? { connectorId: options.connector } : {}), statuses: statuses as JobStatus[], size }));
  emit(options, jobs, () =>
    jobs.length
      ? table(
          ['JOB', 'CONNECTOR', 'TYPE', 'STATUS', 'INDEXED', 'DELETED', 'CREATED', 'ERROR'],
          jobs.map((j) => [j.id, j.connector_id, j.job_type, j.status, groupDigits(j.indexed_document_count), groupDigits(j.deleted_document_count), j.created_at ? when(j.created_at) : '-', j.error ?? '']),
        )
      : 'no sync jobs',
  );
}
