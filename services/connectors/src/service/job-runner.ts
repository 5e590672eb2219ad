import os from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import { withContext, type Logger } from '../log/logger.js';
import { errorMessage } from '../log/redact.js';
import { lockErrorField, lockField, rulesEnabled } from '../protocol/documents.js';
import { statusOf } from '../protocol/index-store.js';
import type { JobStats, ProtocolStore } from '../protocol/store.js';
import { DEFAULT_PIPELINE, type BasicRule, type ConnectorDoc, type ConnectorRecord, type JobProgress, type JobRecord, type JobStatus, type SyncJobDoc } from '../protocol/types.js';
import { configurationValues, validateConfiguration } from '../sources/configuration.js';
import type { SourceRegistry } from '../sources/registry.js';
import { ChainBroken, type DataSource, type ReadProgress, type SyncNotice } from '../sources/types.js';
import { runFullSync, type SyncProgress, type SyncResult } from '../sync/full-sync.js';
import { validateBasicRules } from '../sync/filtering-validation.js';
import { runIncrementalSync } from '../sync/incremental-sync.js';
import { IDLE_JOB_MESSAGE, ORPHAN_JOB_MESSAGE } from './cleanup.js';
import { jobDuration, jobsFinished, jobsRunning, replicationLagSeconds } from './metrics.js';

export const WORKER_HOSTNAME = os.hostname();

export interface JobRunnerOptions {
  store: ProtocolStore;
  /** Client for the content index (may carry the connector's own API key). */
  contentClient: Client;
  sources: SourceRegistry;
  log: Logger;
  /** Job heartbeat and stats cadence. */
  reportIntervalMs?: number;
  /** How often the job and connector documents are re-read to notice cancellation. */
  checkIntervalMs?: number;
  maxItemErrors?: number;
  /** Documents failing in a row past this end the job. */
  maxConsecutiveItemErrors?: number;
  /** Flush thresholds and concurrency of a full sync's bulk requests (config defaults when absent). */
  bulk?: { flushBytes: number; flushCount: number; concurrency: number };
  /** How long an incremental job streams changes before it completes, and how long it waits for one (config defaults). */
  incremental: { maxDurationMs: number; idleMs: number };
}

/** Why a running job stopped early. */
type StopReason = { kind: 'shutdown' } | { kind: 'canceled' } | { kind: 'error'; message: string };

class JobStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(reason.kind === 'error' ? reason.message : reason.kind);
  }
}

export type StartOutcome = 'started' | 'busy' | 'lost';

/**
 * Runs one sync job from claim to the final documents (reference D.4–D.6).
 * `start` takes the connector lock and claims the job; `done` settles when the
 * job has reached a final (or suspended) state on both documents.
 */
export class JobRunner {
  private readonly abort = new AbortController();
  /** A streaming incremental job completes early when a full sync of its connector waits. */
  private readonly wrapUp = new AbortController();
  private progress: SyncProgress = { indexed: 0, deleted: 0, indexedBytes: 0, excluded: 0, failed: 0, dropped: 0, read: 0 };
  done: Promise<void> = Promise.resolve();
  readonly log: Logger;
  /** The connector's cursor when the job started: the chain a completed job may replace. */
  private startCursor: unknown;

  constructor(
    readonly job: JobRecord,
    private readonly opts: JobRunnerOptions,
  ) {
    this.log = withContext(opts.log, { job: { id: job.id, type: job.doc.job_type }, connector: { id: job.doc.connector.id } });
  }

  get id(): string {
    return this.job.id;
  }

  /** Shutdown: the job is suspended so any replica can resume it. */
  suspend(): void {
    this.stop({ kind: 'shutdown' });
  }

  private stop(reason: StopReason): void {
    if (!this.abort.signal.aborted) this.abort.abort(new JobStopped(reason));
  }

  async start(): Promise<StartOutcome> {
    const { store } = this.opts;
    const connectorId = this.job.doc.connector.id;
    const field = lockField(this.job.doc.job_type);
    const errorField = lockErrorField(this.job.doc.job_type);
    if (this.abort.signal.aborted) return 'busy';

    // 1. The connector lock: the real mutual exclusion between replicas (D.4 step 4).
    let before: ConnectorRecord | null = null;
    let locked = false;
    for (let attempt = 0; attempt < 3 && !locked; attempt++) {
      const connector = await store.getConnector(connectorId);
      if (!connector) {
        await this.failUnclaimed(`Connector ${connectorId} not found (deleted?)`);
        return 'lost';
      }
      if (connector.doc[field] === 'in_progress') return 'busy';
      before = connector;
      locked = await store.updateConnector(connectorId, { status: 'connected', error: null, [field]: 'in_progress', [errorField]: null }, connector);
    }
    if (!locked || !before) return 'busy';
    // Whatever stops the claim, the connector gets back what it showed before the lock.
    const previous = before.doc;
    const unlock = () =>
      store.updateConnector(connectorId, { status: previous.status, error: previous.error ?? null, [field]: previous[field] ?? null, [errorField]: previous[errorField] ?? null });

    // 2. Claim the job itself; it may have been canceled or taken meanwhile.
    try {
      const fresh = await store.getJob(this.job.id);
      const claimable = fresh && (fresh.doc.status === 'pending' || fresh.doc.status === 'suspended') && !this.abort.signal.aborted;
      const cursor = this.job.doc.job_type === 'incremental' ? previous.sync_cursor : undefined;
      if (!claimable || !(await store.claimJob(fresh, WORKER_HOSTNAME, cursor))) {
        await unlock();
        return 'lost';
      }
    } catch (err) {
      await unlock().catch((e: unknown) => this.log.error({ err: e }, `could not release the connector lock: ${errorMessage(e)}`));
      throw err;
    }
    this.log.info(`claimed ${this.job.doc.job_type} sync job ${this.job.id} (${this.job.doc.trigger_method})`);
    this.done = this.run();
    return 'started';
  }

  /** A job whose connector vanished before it could be claimed. */
  private async failUnclaimed(message: string): Promise<void> {
    const at = new Date().toISOString();
    await this.opts.store.updateJob(this.job.id, { status: 'error', error: message, completed_at: at, last_seen: at }, this.job);
    this.log.warn(message);
  }

  private async run(): Promise<void> {
    const { store } = this.opts;
    const started = Date.now();
    jobsRunning.inc();
    const snapshot = this.job.doc.connector;
    const reporter = setInterval(() => this.report(), this.opts.reportIntervalMs ?? 2_000);
    const watcher = setInterval(() => void this.watch(), this.opts.checkIntervalMs ?? 1000);
    let outcome: Outcome;
    let source: DataSource | undefined;
    try {
      const connector = await store.getConnector(snapshot.id);
      if (!connector) throw new JobStopped({ kind: 'error', message: `Connector ${snapshot.id} not found (deleted?)` });
      this.startCursor = connector.doc.sync_cursor;
      const factory = this.opts.sources.get(snapshot.service_type);
      if (!factory) throw new JobStopped({ kind: 'error', message: `Unknown service type "${snapshot.service_type}": this service does not provide it` });
      if (this.job.doc.job_type === 'incremental' && !connector.doc.features?.incremental_sync?.enabled) {
        throw new JobStopped({ kind: 'error', message: 'Incremental sync is not enabled for this connector' });
      }
      if (this.job.doc.job_type === 'access_control') {
        throw new JobStopped({ kind: 'error', message: `The ${factory.displayName} source does not support document-level security` });
      }

      const problems = validateConfiguration(snapshot.configuration, Object.keys(factory.configurationSchema()));
      if (problems.length) throw new JobStopped({ kind: 'error', message: `Invalid configuration: ${problems.join('; ')}` });
      source = factory.create(configurationValues(snapshot.configuration), this.log);
      if (this.job.doc.job_type === 'incremental' && !source.capture) {
        throw new JobStopped({ kind: 'error', message: `The ${factory.displayName} source does not support incremental sync` });
      }
      await source.ping();
      await source.validate();

      const enabled = rulesEnabled(connector.doc.features);
      const filtering = snapshot.filtering;
      if ((enabled.basic || enabled.advanced) && filtering && filtering.validation?.state !== 'valid') {
        throw new JobStopped({ kind: 'error', message: `Sync rules are ${filtering.validation?.state ?? 'unvalidated'}; fix them in the connector before syncing` });
      }
      const advanced = filtering?.advanced_snippet?.value;
      const hasAdvanced = enabled.advanced && advanced != null && !(typeof advanced === 'object' && Object.keys(advanced).length === 0);
      // As Elastic's service: the job's own rules are validated again, not only their stored state
      // (a rule naming a table dropped since, a hand-edited document).
      const ruleProblems = [
        ...(enabled.basic && filtering ? validateBasicRules(filtering.rules ?? []) : []),
        ...(hasAdvanced ? await source.validateAdvancedRules(advanced) : []),
      ].map((e) => `${e.ids.map((id) => (id === 'advanced_snippet' ? 'advanced rules' : `rule "${id}"`)).join(', ')}: ${e.messages.join('; ')}`);
      if (ruleProblems.length) throw new JobStopped({ kind: 'error', message: `Invalid sync rules: ${ruleProblems.join('; ')}` });
      const plan: SyncPlan = {
        connector,
        source,
        ...(enabled.basic && filtering ? { basicRules: filtering.rules } : {}),
        ...(hasAdvanced ? { advancedRules: advanced } : {}),
      };
      const result = this.job.doc.job_type === 'incremental' ? await this.incremental(plan) : await this.full(plan, await this.chainFor(plan));
      this.progress = { ...result };
      const metadata: Record<string, unknown> = {};
      if (result.notices.length) metadata.notices = result.notices;
      if (result.excluded) metadata.excluded_by_sync_rules = result.excluded;
      if (result.dropped) metadata.dropped_by_pipeline = result.dropped;
      if (result.failed) metadata.failed_documents = { count: result.failed, samples: result.itemErrors.map((e) => ({ id: e.id, type: e.type, reason: e.reason })) };
      // A completed job carries no error (Elastic's rule): failed documents are in metadata and the log.
      outcome = {
        status: 'completed',
        error: null,
        totalDocuments: result.totalDocuments,
        metadata,
        ...('cursor' in result ? { cursor: result.cursor ?? null } : {}),
      };
    } catch (err) {
      const reason = this.abort.signal.aborted ? (this.abort.signal.reason as JobStopped).reason : err instanceof JobStopped ? err.reason : undefined;
      if (reason?.kind === 'shutdown') outcome = { status: 'suspended', error: null };
      else if (reason?.kind === 'canceled') outcome = { status: 'canceled', error: null };
      else {
        const message = reason?.kind === 'error' ? reason.message : errorMessage(err);
        this.log.error({ err }, `sync job failed: ${message}`);
        outcome = { status: 'error', error: message };
      }
    } finally {
      clearInterval(reporter);
      clearInterval(watcher);
      await this.reporting;
    }
    // Counted before the document says so: whoever sees the job ended finds the metrics agreeing.
    const labels = { job_type: this.job.doc.job_type, status: outcome.status };
    jobsRunning.dec();
    jobsFinished.inc(labels);
    jobDuration.observe(labels, (Date.now() - started) / 1000);
    try {
      const cursorWritten = await this.finish(outcome);
      if (outcome.status === 'completed' && outcome.cursor !== undefined) {
        // The connector points to the new chain: the old one goes. If it does not (the job was
        // ended by someone else meanwhile), the new chain is the one nobody will read.
        if (cursorWritten) await this.retireChain(source, this.startCursor, outcome.cursor);
        else await this.retireChain(source, outcome.cursor, this.startCursor);
      }
    } finally {
      await source?.close().catch(() => undefined);
    }
  }

  private fullSyncOptions(plan: SyncPlan) {
    const snapshot = this.job.doc.connector;
    return {
      client: this.opts.contentClient,
      index: snapshot.index_name,
      source: plan.source,
      log: this.log,
      signal: this.abort.signal,
      ...(plan.basicRules ? { basicRules: plan.basicRules } : {}),
      ...(plan.advancedRules !== undefined ? { advancedRules: plan.advancedRules } : {}),
      // A connector without pipeline settings gets the service default (A.2).
      pipeline: snapshot.pipeline ?? DEFAULT_PIPELINE,
      ...(this.opts.maxItemErrors !== undefined ? { maxItemErrors: this.opts.maxItemErrors } : {}),
      ...(this.opts.maxConsecutiveItemErrors !== undefined ? { maxConsecutiveItemErrors: this.opts.maxConsecutiveItemErrors } : {}),
      ...(this.opts.bulk ? { bulk: this.opts.bulk } : {}),
      onProgress: (p: SyncProgress) => {
        this.progress = { ...p };
      },
    };
  }

  /**
   * Whether this full sync starts a change-capture chain: only while the
   * incremental schedule is on (otherwise a slot would keep WAL for nobody).
   * A blocked chain is said on the job and clears the cursor.
   */
  private async chainFor(plan: SyncPlan): Promise<{ start: boolean; notice?: SyncNotice }> {
    const doc = plan.connector.doc;
    const capture = plan.source.capture;
    if (!capture || !doc.scheduling?.incremental?.enabled) return { start: false };
    const blocker = await capture.blocker({ advancedRules: plan.advancedRules, connectorId: plan.connector.id });
    if (!blocker) return { start: true };
    this.log.warn(`change capture unavailable: ${blocker}`);
    return { start: false, notice: { kind: 'change_capture_unavailable', message: `Incremental sync unavailable: ${blocker}` } };
  }

  private async full(plan: SyncPlan, chain: { start: boolean; notice?: SyncNotice }): Promise<SyncResult> {
    const previous = plan.connector.doc.sync_cursor;
    const result = await runFullSync({
      ...this.fullSyncOptions(plan),
      ...(chain.start ? { startChain: { connectorId: plan.connector.id, previous } } : {}),
    });
    if (chain.notice) result.notices.unshift(chain.notice);
    if (!chain.start) return previous == null ? result : { ...result, cursor: null };
    return result;
  }

  /** Continues the chain; a chain that cannot continue is repaired by a full sync that starts a new one. */
  private async incremental(plan: SyncPlan): Promise<SyncResult> {
    const capture = plan.source.capture;
    if (!capture) throw new JobStopped({ kind: 'error', message: 'This source does not support incremental sync' });
    const blocker = await capture.blocker({ advancedRules: plan.advancedRules, connectorId: plan.connector.id });
    if (blocker) throw new JobStopped({ kind: 'error', message: `Incremental sync unavailable: ${blocker}` });
    const { database, schema } = configurationValues(this.job.doc.connector.configuration) as { database?: string; schema?: string };
    try {
      return await runIncrementalSync({
        ...this.fullSyncOptions(plan),
        capture,
        cursor: plan.connector.doc.sync_cursor,
        origin: { database: String(database ?? ''), schema: String(schema ?? '') },
        maxDurationMs: this.opts.incremental.maxDurationMs,
        idleMs: this.opts.incremental.idleMs,
        wrapUp: this.wrapUp.signal,
        onApplied: (at) => replicationLagSeconds.set({ connector: plan.connector.id }, Math.max(0, (Date.now() - at.getTime()) / 1000)),
      });
    } catch (err) {
      if (!(err instanceof ChainBroken)) throw err;
      const message = `Change capture restarted with a full sync: ${err.message}`;
      this.log.warn(message);
      const result = await this.full(plan, { start: true });
      result.notices.unshift({ kind: 'change_capture_restarted', message });
      return result;
    }
  }

  /** Drops the chain `retired` holds, except what `kept` still uses. */
  private async retireChain(source: DataSource | undefined, retired: unknown, kept: unknown): Promise<void> {
    if (!source?.capture || retired == null) return;
    try {
      await source.capture.dropChain(retired, kept);
    } catch (err) {
      this.log.warn({ err }, `could not drop the previous change-capture chain: ${errorMessage(err)}; the next full sync drops it`);
    }
  }

  private stats(): JobStats {
    const source = this.progress.source;
    return {
      indexed_document_count: this.progress.indexed,
      indexed_document_volume: Math.round(this.progress.indexedBytes / 1_048_576),
      deleted_document_count: this.progress.deleted,
      // For progress displays (CLI, status page): where the read is and how much there is to read.
      ...(source ? { metadata: { progress: jobProgress(source, this.progress.read) } } : {}),
    };
  }

  /** The report in flight, awaited before the final write so it cannot land after it. */
  private reporting: Promise<void> | null = null;

  private report(): void {
    // One report at a time: while Elasticsearch is slow, ticks are skipped, not queued.
    if (this.reporting) return;
    this.reporting = this.opts.store
      .updateJobStats(this.job.id, this.stats())
      .catch((err: unknown) => this.log.warn({ err }, `could not report job progress: ${errorMessage(err)}`))
      .finally(() => {
        this.reporting = null;
      });
  }

  /** Notices cancellation, deletion and take-over within one check interval (D.5). */
  private async watch(): Promise<void> {
    if (this.abort.signal.aborted) return;
    try {
      const [job, connector] = await Promise.all([this.opts.store.getJob(this.job.id), this.opts.store.getConnector(this.job.doc.connector.id)]);
      if (!job) this.stop({ kind: 'error', message: 'The sync job document was deleted while the job ran' });
      else if (!connector) this.stop({ kind: 'error', message: `Connector ${this.job.doc.connector.id} was deleted while the job ran` });
      else if (job.doc.status === 'canceled' || cancelRequested(job.doc)) this.stop({ kind: 'canceled' });
      else if (job.doc.status !== 'in_progress') this.stop({ kind: 'error', message: `The job is no longer running (status ${job.doc.status})` });
      else if (this.job.doc.job_type === 'incremental' && !this.wrapUp.signal.aborted) {
        const waiting = await this.opts.store.listRunnableJobs([this.job.doc.connector.id], ['full']);
        if (waiting.length > 0) {
          this.log.info('a full sync waits: the incremental job completes at the next transaction boundary');
          this.wrapUp.abort();
        }
      }
    } catch (err) {
      this.log.warn({ err }, `could not check the job's status: ${errorMessage(err)}`);
    }
  }

  /**
   * Final writes on the job and the connector (D.6), retried: they must not be
   * lost. Returns whether the connector got the outcome's cursor.
   */
  private async finish(outcome: Outcome): Promise<boolean> {
    const { store } = this.opts;
    const connectorId = this.job.doc.connector.id;
    const field = lockField(this.job.doc.job_type);
    const errorField = lockErrorField(this.job.doc.job_type);

    let job = await retry(() => store.getJob(this.job.id), this.log, 'job document (read)');
    if (job && isFinal(job.doc.status)) {
      // Someone else ended it (idle-job cleanup, an operator): their outcome stands.
      this.log.warn({ job: { id: this.job.id, status: job.doc.status } }, `sync job was already ${job.doc.status}: keeping that outcome`);
      await this.releaseLockAfter(job);
      return false;
    }
    // A cancel requested while the service was stopping wins over suspending.
    if (job && outcome.status === 'suspended' && cancelRequested(job.doc)) {
      outcome = { status: 'canceled', error: null };
    }

    const at = new Date().toISOString();
    const terminal = outcome.status !== 'suspended';
    const connectorFields: Partial<ConnectorDoc> = {
      last_synced: at,
      status: outcome.status === 'error' ? 'error' : 'connected',
      error: outcome.status === 'error' ? (outcome.error ?? 'unknown error') : null,
      [field]: outcome.status,
      [errorField]: outcome.error,
      ...(terminal ? { last_indexed_document_count: this.progress.indexed, last_deleted_document_count: this.progress.deleted } : {}),
      ...(outcome.status === 'completed' && outcome.cursor !== undefined ? { sync_cursor: outcome.cursor } : {}),
    };
    if (!job) {
      // The job document was deleted under us: the connector still gets the outcome (D.6).
      Object.assign(connectorFields, { status: 'error', error: "Couldn't find the job", [field]: 'error', [errorField]: outcome.error ?? "Couldn't find the job" });
    }

    // The connector first: once the job reads as finished, its connector already
    // shows the outcome (and the lock is free) for whoever looks next.
    const connector = await retry(() => store.getConnector(connectorId), this.log, 'connector document (read)');
    if (connector) await retry(() => store.updateConnector(connectorId, connectorFields), this.log, 'connector document');
    const cursorWritten = connector !== null && 'sync_cursor' in connectorFields;

    const jobFields: Partial<SyncJobDoc> = {
      status: outcome.status,
      error: outcome.error,
      last_seen: at,
      ...this.stats(),
      ...(outcome.totalDocuments !== undefined ? { total_document_count: outcome.totalDocuments } : {}),
      ...(outcome.metadata && Object.keys(outcome.metadata).length ? { metadata: outcome.metadata } : {}),
      ...(terminal ? { completed_at: at } : {}),
      ...(outcome.status === 'canceled' ? { canceled_at: at } : {}),
    };
    // Guarded by the version just read: a concurrent cancel is re-read, not overwritten.
    for (let attempt = 0; job && attempt < 5; attempt++) {
      const current: JobRecord = job;
      if (await retry(() => store.updateJob(this.job.id, jobFields, current), this.log, 'job document').catch(missingIsNull)) break;
      job = await retry(() => store.getJob(this.job.id), this.log, 'job document (read)');
      if (job && isFinal(job.doc.status)) break;
      if (job && outcome.status === 'suspended' && cancelRequested(job.doc)) {
        Object.assign(jobFields, { status: 'canceled', completed_at: at, canceled_at: at });
      }
    }
    if (connector && jobFields.status !== outcome.status) {
      // The cancel arrived after the connector was written: it follows the job.
      await retry(() => store.updateConnector(connectorId, { [field]: jobFields.status }), this.log, 'connector document');
    }
    this.log.info(
      { job: { id: this.job.id, status: jobFields.status }, stats: jobFields },
      `sync job ${String(jobFields.status)}: ${this.progress.indexed} indexed, ${this.progress.deleted} deleted${outcome.error ? ` — ${outcome.error}` : ''}`,
    );
    return cursorWritten;
  }

  /**
   * The job was ended by someone else. Cleanup releases the lock itself, but an
   * operator's `_error` does not: mirror the job's outcome onto the connector
   * unless another job of it is running by now. (Nobody else frees a lock held
   * by a job that is no longer active before cleanup's stale-lock pass, which
   * waits the idle threshold twice, so the lock seen here is still ours.)
   */
  private async releaseLockAfter(job: JobRecord): Promise<void> {
    // Cleanup released the lock when it ended the job; what holds it now is another job's.
    if (job.doc.error === IDLE_JOB_MESSAGE || job.doc.error === ORPHAN_JOB_MESSAGE) return;
    const { store } = this.opts;
    const field = lockField(this.job.doc.job_type);
    const errorField = lockErrorField(this.job.doc.job_type);
    const connector = await retry(() => store.getConnector(this.job.doc.connector.id), this.log, 'connector document (read)');
    if (!connector || connector.doc[field] !== 'in_progress') return;
    const others = await store.listJobsByStatus(['in_progress', 'canceling'], { connectorIds: [connector.id] });
    if (others.some((j) => j.id !== this.job.id && lockField(j.doc.job_type) === field)) return;
    await store.updateConnector(
      connector.id,
      { [field]: job.doc.status, [errorField]: job.doc.error ?? null, ...(job.doc.status === 'error' ? { status: 'error', error: job.doc.error ?? null } : {}), last_synced: new Date().toISOString() },
      connector,
    );
  }
}

type Outcome = {
  status: JobStatus;
  error: string | null;
  totalDocuments?: number;
  metadata?: Record<string, unknown>;
  /** The connector's new `sync_cursor` (null clears it), written when the job completes. */
  cursor?: unknown;
};

/** What a sync of this job reads and applies. */
interface SyncPlan {
  connector: ConnectorRecord;
  source: DataSource;
  basicRules?: BasicRule[];
  advancedRules?: unknown;
}

/**
 * A cancel was asked for. `_claim` sets in_progress without looking, so a cancel
 * that raced the claim shows only by its timestamp.
 */
const cancelRequested = (doc: SyncJobDoc) => doc.status === 'canceling' || doc.cancelation_requested_at != null;

const isFinal = (status: JobStatus) => status === 'completed' || status === 'error' || status === 'canceled';

/** A job deleted between the read and the write: nothing left to write. */
function missingIsNull(err: unknown): boolean {
  if (statusOf(err) === 404) return true;
  throw err;
}

/** Retries transient failures; a missing document (404) is final. */
async function retry<T>(fn: () => Promise<T>, log: Logger, what: string): Promise<T> {
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 8 || statusOf(err) === 404) throw err;
      log.warn({ err }, `writing the ${what} failed (attempt ${attempt}): ${errorMessage(err)}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

function jobProgress(p: ReadProgress, rowsRead: number): JobProgress {
  return { table: p.table, tables_done: p.tablesDone, tables_total: p.tablesTotal, rows_read: rowsRead, ...(p.estimatedRows !== undefined ? { estimated_rows: p.estimatedRows } : {}) };
}
