import type { Client } from '@elastic/elasticsearch';
import { expect } from 'vitest';
import type { ProtocolStore } from '../../src/protocol/store.js';
import type { JobStatus, SyncJobDoc } from '../../src/protocol/types.js';
import { eventually } from './eventually.js';
import { indexVersusSource } from './index-equality.js';

export const terminal = (j?: SyncJobDoc) => !!j && ['completed', 'error', 'canceled'].includes(j.status);

/** A job outcome a fault scenario accepts; `error` must match the job's error when given. */
export interface Allowed {
  status: JobStatus;
  error?: RegExp;
}

/** One connector a fault suite breaks things under: where its documents go and what they must equal. */
export interface FaultTarget {
  client: Client;
  store: ProtocolStore;
  connectorId: string;
  index: string;
  /** Source values of a read of the same rows, for the index-versus-source comparison. */
  values: () => Record<string, unknown>;
  /** Lines printed after the suite: each scenario's outcome and differences. */
  report: string[];
  /** Recent logs of whatever should act, appended to a timeout message. */
  context?: () => string | Promise<string>;
}

/**
 * The steps every fault scenario shares, native or compose: start a sync, wait
 * until it is under way, and afterwards settle it — the faulted job's outcome,
 * a repair sync unless it completed, and the index equal to the source.
 */
export class FaultRun {
  constructor(readonly t: FaultTarget) {}

  async job(id: string): Promise<SyncJobDoc | undefined> {
    return (await this.t.store.getJob(id))?.doc;
  }

  /** Index operations on the content index before the latest `startSync`. */
  private indexedBefore = 0;

  async startSync(): Promise<string> {
    this.indexedBefore = await this.indexOperations();
    return this.t.store.createJob(this.t.connectorId, 'full', 'on_demand');
  }

  /** Index operations the content index has taken so far (0 before it exists): seen at once, unlike the job's stats. */
  private async indexOperations(): Promise<number> {
    const stats = await this.t.client.indices.stats({ index: this.t.index, metric: 'indexing' }).catch(() => undefined);
    return stats?._all.primaries?.indexing?.index_total ?? 0;
  }

  /**
   * Resolves once the job (started by `startSync`) has indexed `documents`;
   * fails at once if it ends first (the fault would land on nothing). Watches
   * the index itself, not only the job: a job reports its counts every 2 s,
   * and a sync may take hardly longer.
   */
  async whenIndexed(jobId: string, documents: number, timeoutMs = 120_000): Promise<void> {
    let ended: SyncJobDoc | undefined;
    await eventually(`${documents} documents of job ${jobId}`, async () => {
      const j = await this.job(jobId);
      if (terminal(j)) ended = j;
      const indexed = Math.max(j?.indexed_document_count ?? 0, (await this.indexOperations()) - this.indexedBefore);
      return indexed >= documents && !ended ? true : undefined;
    }, { timeoutMs, everyMs: 50, giveUpIf: () => !!ended, context: this.t.context });
  }

  async finished(jobId: string, timeoutMs = 300_000): Promise<SyncJobDoc> {
    return eventually(`job ${jobId} to end`, async () => {
      const j = await this.job(jobId);
      return terminal(j) ? j : undefined;
    }, { timeoutMs, context: this.t.context });
  }

  /** The faulted job ended one of the `allowed` ways; then, repaired if need be, the index equals the source. */
  async settle(name: string, jobId: string, allowed: Allowed[]): Promise<SyncJobDoc> {
    const { report } = this.t;
    const first = await this.finished(jobId);
    report.push(`${name}: ${first.status}${first.error ? ` (${first.error})` : ''} at ${first.indexed_document_count} documents`);
    const match = allowed.find((a) => a.status === first.status);
    expect(match, `${name}: ${first.status} ${first.error ?? ''}`).toBeDefined();
    if (match?.error) expect(first.error).toMatch(match.error);
    if (first.status !== 'completed') {
      const repaired = await this.finished(await this.startSync());
      report.push(`  then a repair sync: ${repaired.status}, ${repaired.indexed_document_count} indexed, ${repaired.deleted_document_count} deleted`);
      expect(repaired.error ?? null).toBeNull();
      expect(repaired.status).toBe('completed');
    }
    const differences = await indexVersusSource(this.t.client, this.t.index, this.t.values());
    report.push(`  index versus source: ${differences.length} differences`);
    expect(differences.slice(0, 10)).toEqual([]);
    return first;
  }
}
