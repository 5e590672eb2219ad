/** Progress of a long COPY on stderr: at most one line per interval. */

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export class TableProgress {
  private readonly started = performance.now();
  private lastReport = this.started;

  constructor(
    private readonly table: string,
    private readonly total: number,
    private readonly log: (line: string) => void,
    private readonly intervalMs = 1000,
  ) {}

  update(rows: number): void {
    const now = performance.now();
    if (now - this.lastReport < this.intervalMs || rows >= this.total) return;
    this.lastReport = now;
    const rate = rows / ((now - this.started) / 1000);
    const pct = Math.floor((rows / this.total) * 100);
    this.log(`${this.table}: ${fmt(rows)}/${fmt(this.total)} rows (${pct}%, ${fmt(rate)} rows/s)`);
  }

  done(rows: number): { rows: number; seconds: number } {
    const seconds = (performance.now() - this.started) / 1000;
    this.log(`${this.table}: ${fmt(rows)} rows in ${seconds.toFixed(2)}s (${fmt(rows / Math.max(seconds, 1e-6))} rows/s)`);
    return { rows, seconds };
  }
}
