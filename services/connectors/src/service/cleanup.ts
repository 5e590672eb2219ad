import type { Logger } from '../log/logger.js';
import { lockErrorField, lockField, malformedJob } from '../protocol/documents.js';
import type { ProtocolStore } from '../protocol/store.js';
import type { ConnectorRecord, JobRecord } from '../protocol/types.js';

export const IDLE_JOB_MESSAGE = 'The job has not seen any update for some time.';
export const ORPHAN_JOB_MESSAGE = 'The connector of this job no longer exists.';
export const STALE_LOCK_MESSAGE = 'The sync was interrupted before it started; the connector was unlocked.';

export interface CleanupResult {
  orphaned: number;
  idle: number;
  unlocked: number;
  malformed: number;
}

/**
 * Ends jobs nobody runs any more (reference D.7) and releases connector locks
 * they held. Also frees a lock held without any running job (a process killed
 * between locking and claiming), once it has been seen on two passes.
 */
export class Cleanup {
  /** connector id → when a lock without a running job was first seen. */
  private readonly lockSeen = new Map<string, number>();

  constructor(
    private readonly store: ProtocolStore,
    private readonly log: Logger,
    private readonly idleThresholdMs: number,
    /** Jobs this process runs right now: never idle, whatever their last_seen says. */
    private readonly runningHere: () => Set<string>,
  ) {}

  async run(served: ConnectorRecord[]): Promise<CleanupResult> {
    const result: CleanupResult = { orphaned: 0, idle: 0, unlocked: 0, malformed: 0 };
    const active = await this.store.listJobsByStatus(['in_progress', 'canceling']);
    const waiting = await this.store.listJobsByStatus(['pending', 'suspended']);
    const mine = this.runningHere();

    // Waiting jobs too: no worker would ever take one whose connector is gone.
    const orphans = [...active, ...waiting].filter((j) => !mine.has(j.id) && typeof j.doc.connector?.id === 'string');
    if (orphans.length) {
      // Soft-deleted connectors count as gone here (H.4).
      const live = await this.store.listConnectors({ ids: [...new Set(orphans.map((j) => j.doc.connector.id))], serviceTypes: [] });
      const liveIds = new Set(live.map((c) => c.id));
      for (const job of orphans.filter((j) => !liveIds.has(j.doc.connector.id))) {
        // The search sees refreshed documents only: a real-time read confirms a connector just created is not mistaken for gone.
        const connector = await this.store.getConnector(job.doc.connector.id);
        if (connector) continue;
        if (await this.fail(job, ORPHAN_JOB_MESSAGE)) result.orphaned++;
      }
    }

    const servedIds = new Set(served.map((c) => c.id));
    for (const job of waiting) {
      // A job naming no connector is nobody's to run: ended by whoever sees it.
      const problem = typeof job.doc.connector?.id !== 'string' || servedIds.has(job.doc.connector.id) ? malformedJob(job.doc) : undefined;
      if (problem && (await this.fail(job, `Malformed sync job: ${problem}`))) result.malformed++;
    }

    const cutoff = Date.now() - this.idleThresholdMs;
    for (const job of active) {
      if (mine.has(job.id) || !servedIds.has(job.doc.connector.id)) continue;
      const seen = job.doc.last_seen ? Date.parse(job.doc.last_seen) : 0;
      if (seen > cutoff) continue;
      if (await this.fail(job, IDLE_JOB_MESSAGE)) {
        result.idle++;
        await this.release(job);
      }
    }

    // Locks with no running job behind them.
    const stillActive = new Set((await this.store.listJobsByStatus(['in_progress', 'canceling'])).map((j) => j.doc.connector.id));
    for (const connector of served) {
      if (connector.doc.last_sync_status !== 'in_progress' || stillActive.has(connector.id)) {
        this.lockSeen.delete(connector.id);
        continue;
      }
      const first = this.lockSeen.get(connector.id);
      if (first === undefined) {
        this.lockSeen.set(connector.id, Date.now());
        continue;
      }
      if (Date.now() - first < this.idleThresholdMs) continue;
      const fresh = await this.store.getConnector(connector.id);
      if (fresh?.doc.last_sync_status !== 'in_progress') continue;
      if (await this.store.updateConnector(connector.id, { last_sync_status: 'error', last_sync_error: STALE_LOCK_MESSAGE }, fresh)) {
        this.log.warn({ connector: { id: connector.id } }, STALE_LOCK_MESSAGE);
        this.lockSeen.delete(connector.id);
        result.unlocked++;
      }
    }
    return result;
  }

  /** Guarded by the version read, so a job that just reported progress is left alone. */
  private async fail(job: JobRecord, message: string): Promise<boolean> {
    const at = new Date().toISOString();
    const ok = await this.store.updateJob(job.id, { status: 'error', error: message, completed_at: at, last_seen: at }, job);
    if (ok) this.log.warn({ job: { id: job.id }, connector: { id: job.doc.connector.id } }, `job ${job.id} marked error: ${message}`);
    return ok;
  }

  /** The connector side of a job's end (D.6 step 4), releasing the lock. */
  private async release(job: JobRecord): Promise<void> {
    const field = lockField(job.doc.job_type);
    const connector = await this.store.getConnector(job.doc.connector.id);
    if (!connector || connector.doc[field] !== 'in_progress') return;
    await this.store.updateConnector(connector.id, {
      [field]: 'error',
      [lockErrorField(job.doc.job_type)]: IDLE_JOB_MESSAGE,
      status: 'error',
      error: IDLE_JOB_MESSAGE,
      last_synced: new Date().toISOString(),
      last_indexed_document_count: job.doc.indexed_document_count,
      last_deleted_document_count: job.doc.deleted_document_count,
    });
  }
}
