/**
 * Gives a finished sync's memory back once the process is idle.
 *
 * V8 keeps a grown old space long after the garbage in it is dead (in
 * `make bench`, ~45 MiB more resident memory ten seconds after a 110 k-row
 * sync). A connector service spends most of its life idle, so when the last
 * job ends it runs one full collection (`--expose-gc`, set in every start
 * command). Without the flag this does nothing.
 *
 * A plain full collection frees the dead objects but keeps the half-empty
 * pages they were spread over (after a 2.2 M-row sync: 22 MiB live in a
 * 51 MiB heap), so a second one compacts every page. The plain one goes
 * first: it releases the empty pages, so moving the survivors never raises
 * the process's peak memory. Compaction is switched on for that one
 * collection only; during a sync V8 keeps choosing its own.
 */
import v8 from 'node:v8';
import type { Logger } from '../log/logger.js';

const heapMiB = () => Math.round(process.memoryUsage().heapTotal / 1_048_576);

export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  private lastRun = 0;

  constructor(
    private readonly busy: () => boolean,
    private readonly log?: Logger,
    private readonly settleMs = 1_000,
    /** Bounds the cost when short incremental jobs end every few seconds. */
    private readonly minIntervalMs = 10_000,
  ) {}

  /** Call when a job ends: collects after `settleMs` if no job runs by then. */
  jobEnded(): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc || this.timer) return;
    const wait = Math.max(this.settleMs, this.lastRun + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.busy()) return;
      this.lastRun = Date.now();
      const before = heapMiB();
      gc();
      v8.setFlagsFromString('--compact-on-every-full-gc');
      try {
        gc();
      } finally {
        v8.setFlagsFromString('--no-compact-on-every-full-gc');
      }
      this.log?.debug({ heap_mib: { before, after: heapMiB() } }, 'idle: collected the finished jobs\' memory');
    }, wait);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
