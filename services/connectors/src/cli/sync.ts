import { jobSummary, type JobSummary } from '../protocol/job-view.js';
import { cancelJob, searchJobs } from '../protocol/jobs.js';
import type { ProtocolStore } from '../protocol/store.js';
import { JOB_STATUSES, type JobStatus } from '../protocol/types.js';
import { OnDemandRefused, queueOnDemandJob } from '../service/on-demand.js';
import { defaultSources } from '../sources/index.js';
import { withCluster, withStore } from './cluster.js';
import { CliError, EXIT } from './exit.js';
import { emit, table, type OutputOptions } from './output.js';
import { groupDigits, when } from './status.js';
import { summaryLine, watchJob } from './watch.js';

export const SYNC_TYPES = ['full', 'incremental'] as const;
export type SyncType = (typeof SYNC_TYPES)[number];

/** Checks the connector exists and can run the job before a job document is written; a job of the type already waiting is returned as such. */
export async function queueSync(store: ProtocolStore, id: string, type: SyncType): Promise<{ jobId: string; queued: boolean }> {
  try {
    return { jobId: await queueOnDemandJob(store, defaultSources(), id, type), queued: true };
  } catch (err) {
    if (!(err instanceof OnDemandRefused)) throw err;
    if (err.refusal.kind === 'already_waiting') return { jobId: err.refusal.jobId, queued: false };
    throw new CliError(err.message, err.refusal.kind === 'unsupported' ? EXIT.usage : EXIT.failed);
  }
}

/** 0 when the job completed; 1 when it failed or was canceled. */
const exitFor = (v: JobSummary) => (v.status === 'completed' ? EXIT.ok : EXIT.failed);

/** Follows a job to its end: progress on stderr (a bar on a terminal), the summary or JSON on stdout. */
async function follow(store: ProtocolStore, jobId: string, options: OutputOptions): Promise<void> {
  const done = await watchJob(store, jobId, { tty: !!process.stderr.isTTY && !options.json, stream: process.stderr });
  emit(options, done, () => summaryLine(done));
  process.exitCode = exitFor(done);
}

export async function syncStartCommand(id: string, options: OutputOptions & { type: SyncType; wait?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const { jobId, queued } = await queueSync(store, id, options.type);
    const what = queued ? `queued ${options.type} sync job ${jobId} for connector ${id}` : `a ${options.type} sync of ${id} is already waiting to start: job ${jobId}`;
    if (!options.wait) {
      // Asked for a sync, and one will run: done, whichever job it is.
      emit(options, { id: jobId, connector_id: id, job_type: options.type, status: 'pending', queued }, () => (queued ? what : `${what}; follow it with: connectors sync watch ${jobId}`));
      return;
    }
    if (!options.json) console.log(`${what}; waiting for a service to run it (Ctrl-C stops waiting, not the job)`);
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

export async function syncListCommand(options: OutputOptions & { connector?: string; status?: string[]; limit: string }): Promise<void> {
  const size = Number(options.limit);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new CliError(`--limit must be a whole number from 1 to 1000 (got "${options.limit}")`, EXIT.usage);
  const statuses = options.status ?? [];
  const unknown = statuses.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (unknown.length) throw new CliError(`unknown status ${unknown.join(', ')} (statuses: ${JOB_STATUSES.join(', ')})`, EXIT.usage);
  const jobs = (await withCluster(({ client }) => searchJobs(client, { ...(options.connector ? { connectorId: options.connector } : {}), statuses: statuses as JobStatus[], size }))).map((j) => jobSummary(j.id, j.doc));
  emit(options, jobs, () =>
    jobs.length
      ? table(
          ['JOB', 'CONNECTOR', 'TYPE', 'STATUS', 'INDEXED', 'DELETED', 'CREATED', 'ERROR'],
          jobs.map((j) => [j.id, j.connector_id ?? '-', j.job_type, j.status, groupDigits(j.indexed_document_count), groupDigits(j.deleted_document_count), j.created_at ? when(j.created_at) : '-', j.error ?? '']),
        )
      : 'no sync jobs',
  );
}
