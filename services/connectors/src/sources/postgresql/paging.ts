import { DEFAULTS } from './schema.js';
import type { PgSettings } from './settings.js';

/** The most rows one query returns, however narrow they are. */
export const MAX_PAGE_ROWS = 10_000;
/** Heap bytes around a row's values (its arrays and message), and around each value (a string): V8's, roughly. */
const ROW_OVERHEAD = 64;
const CELL_OVERHEAD = 16;
/** Rows of a table's first query, before its rows' width is known. */
export const FIRST_PAGE_ROWS = 8;

/**
 * Rows per query, sized by bytes: about `fetch_bytes` of memory per page
 * from the rows read so far, so a narrow table costs a round trip per
 * thousands of rows and a table of 1 MB rows holds a few of them at a time.
 * `fetch_size` left at Elastic's default (50) leaves the count to the bytes;
 * any other value is the most rows a page holds.
 */
export class PageSizer {
  private bytes = 0;
  private rowsSeen = 0;
  private readonly cap: number;

  constructor(private readonly settings: Pick<PgSettings, 'fetchSize' | 'fetchBytes'>) {
    this.cap = settings.fetchSize === DEFAULTS.fetchSize ? MAX_PAGE_ROWS : settings.fetchSize;
  }

  /** Rows to ask for in the next query. */
  next(): number {
    if (this.rowsSeen === 0) return Math.min(this.cap, FIRST_PAGE_ROWS);
    const width = Math.max(1, this.bytes / this.rowsSeen);
    return Math.max(1, Math.min(this.cap, Math.floor(this.settings.fetchBytes / width)));
  }

  /**
   * Measures a page just read: what its rows hold in memory, text plus the
   * objects around it (an array per row, a string per value). Counting text
   * alone let a page of 10 000 narrow rows take 1.3 MiB of heap, and two pages
   * in flight outgrew the young generation: most of the sync's CPU went to
   * copying them from one collection to the next.
   */
  observe(rows: readonly (readonly (string | null)[])[]): void {
    for (const row of rows) {
      let width = ROW_OVERHEAD;
      for (const cell of row) width += cell === null ? CELL_OVERHEAD : CELL_OVERHEAD + cell.length;
      this.bytes += width;
    }
    this.rowsSeen += rows.length;
  }
}
