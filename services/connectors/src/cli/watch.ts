import { SingleBar } from 'cli-progress';
import type { ProtocolStore } from '../protocol/store.js';
import { jobSummary, type JobProgressView, type JobSummary } from '../protocol/job-view.js';
import { sleep } from '../util/sleep.js';
import { CliError, EXIT } from './exit.js';
import { duration } from './output.js';
import { groupDigits } from './status.js';

const TERMINAL = new Set(['completed', 'error', 'canceled']);
/** How long reads of the job may keep failing before the watch gives up (the job itself goes on). */
const READ_FAILURES_FOR_MS = 60_000;

/**
 * Rates from successive readings of a job. The job document changes only when
 * the service reports (every 2 s): readings in between repeat the last one and
 * are skipped, and a count that stops moving for 5 s brings the rate to 0.
 */
export class RateMeter {
  private last: { at: number; indexed: number; read: number } | undefined;
  indexedPerSecond = 0;
  readPerSecond = 0;

  observe(at: number, indexed: number, read: number): void {
    const prev = this.last;
    if (!prev) {
      this.last = { at, indexed, read };
      return;
    }
    if (indexed === prev.indexed && read === prev.read) {
      if (at - prev.at > 5_000) {
        // Stalled: the rate is 0, and the stall does not count against the next movement.
        this.indexedPerSecond = this.readPerSecond = 0;
        this.last = { ...prev, at };
      }
      return;
    }
    const s = (at - prev.at) / 1000;
    const smooth = (old: number, now: number) => (old === 0 ? now : old * 0.5 + now * 0.5);
    this.indexedPerSecond = smooth(this.indexedPerSecond, Math.max(0, indexed - prev.indexed) / s);
    this.readPerSecond = smooth(this.readPerSecond, Math.max(0, read - prev.read) / s);
    this.last = { at, indexed, read };
  }

  /** Seconds left by the source's row estimate, when there is one and rows are moving. */
  etaSeconds(p: JobProgressView | null): number | undefined {
    if (!p?.estimated_rows || p.rows_read === undefined || this.readPerSecond <= 0) return undefined;
    return Math.max(0, p.estimated_rows - p.rows_read) / this.readPerSecond;
  }
}

/** One plain progress line, for logs and pipes. */
export function progressLine(v: JobSummary, meter: RateMeter): string {
  const parts = [`job ${v.id}: ${v.status}`, `${groupDigits(v.indexed_document_count)} indexed`];
  if (meter.indexedPerSecond > 0) parts.push(`${groupDigits(Math.round(meter.indexedPerSecond))}/s`);
  const p = v.progress;
  if (p) {
    if (p.table) parts.push(`table ${tableText(p)}`);
    if (p.estimated_rows && p.rows_read !== undefined) parts.push(`~${Math.min(100, Math.floor((100 * p.rows_read) / p.estimated_rows))}%`);
    const eta = meter.etaSeconds(p);
    if (eta !== undefined) parts.push(`ETA ${duration(eta * 1000)}`);
  }
  return parts.join(', ');
}

/** "orders (3/6)": the table being read, and where it is in the list. */
function tableText(p: JobProgressView): string {
  return p.tables_done !== undefined && p.tables_total ? `${p.table} (${p.tables_done + 1}/${p.tables_total})` : (p.table ?? '');
}

/** How the job ended, in one line: outcome, time, counts, error. */
export function summaryLine(v: JobSummary): string {
  const took = v.started_at && v.completed_at ? ` in ${duration(Date.parse(v.completed_at) - Date.parse(v.started_at))}` : '';
  const counts = `${groupDigits(v.indexed_document_count)} indexed, ${groupDigits(v.deleted_document_count)} deleted`;
  return `${v.job_type} sync ${v.status}${took}: ${counts}${v.error ? `; error: ${v.error}` : ''}`;
}

export interface WatchOptions {
  /** A live bar (a terminal) or a plain line per change (anything else). */
  tty: boolean;
  /** Where progress goes; results go to stdout. */
  stream: NodeJS.WriteStream;
  pollMs?: number;
  /** Plain lines at most this often. */
  lineEveryMs?: number;
}

/** Follows a job to its end, showing progress on `options.stream`; resolves with the final job. */
export async function watchJob(store: ProtocolStore, jobId: string, options: WatchOptions): Promise<JobSummary> {
  const meter = new RateMeter();
  const bar = options.tty ? new LiveBar(options.stream) : undefined;
  let lastState = '';
  let lastLineAt = 0;
  try {
    let lastRead = Date.now();
    for (;;) {
      let job;
      try {
        job = await store.getJob(jobId);
        lastRead = Date.now();
      } catch (err) {
        // The job runs on whatever happens to this watcher: a cluster that blinks is waited for, a while.
        if (Date.now() - lastRead > READ_FAILURES_FOR_MS) throw err;
        await sleep(options.pollMs ?? 1_000);
        continue;
      }
      if (!job) throw new CliError(`sync job "${jobId}" not found`, EXIT.failed);
      const v = jobSummary(jobId, job.doc);
      meter.observe(Date.now(), v.indexed_document_count, v.progress?.rows_read ?? v.indexed_document_count);
      if (TERMINAL.has(v.status)) return v;
      if (bar) bar.update(v, meter);
      else {
        // A line when the job moved, and not more often than lineEveryMs.
        const state = `${v.status}|${v.indexed_document_count}|${v.progress?.table ?? ''}`;
        if (state !== lastState && Date.now() - lastLineAt >= (options.lineEveryMs ?? 2_000)) {
          options.stream.write(`${progressLine(v, meter)}\n`);
          lastState = state;
          lastLineAt = Date.now();
        }
      }
      await sleep(options.pollMs ?? 1_000);
    }
  } finally {
    bar?.stop();
  }
}

/** The terminal's bar: a percentage when the source estimated the rows, a running count otherwise. */
class LiveBar {
  private bar: SingleBar | undefined;
  private withTotal = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(v: JobSummary, meter: RateMeter): void {
    const p = v.progress;
    const total = p?.estimated_rows ?? 0;
    const eta = meter.etaSeconds(p);
    const payload = {
      rate: groupDigits(Math.round(meter.indexedPerSecond)),
      table: p?.table ? tableText(p) : v.status,
      etaText: eta === undefined ? '-' : duration(eta * 1000),
      indexed: groupDigits(v.indexed_document_count),
    };
    // The estimate arrives with the first report of a running read: the bar starts over with a percentage.
    if (this.bar && total && !this.withTotal) {
      this.bar.stop();
      this.bar = undefined;
    }
    if (!this.bar) {
      this.withTotal = total > 0;
      const format = total
        ? '{bar} {percentage}% | {indexed} indexed | {rate}/s | ETA {etaText} | {table}'
        : '{indexed} indexed | {rate}/s | {table}';
      this.bar = new SingleBar({ format, stream: this.stream, hideCursor: true, clearOnComplete: true, barsize: 24, etaBuffer: 1 });
      this.bar.start(Math.max(total, 1), 0, payload);
    }
    if (total) this.bar.setTotal(Math.max(total, p?.rows_read ?? 0, 1));
    this.bar.update(p?.rows_read ?? v.indexed_document_count, payload);
  }

  stop(): void {
    this.bar?.stop();
  }
}
