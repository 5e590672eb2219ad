import { describe, expect, it } from 'vitest';
import { FIRST_PAGE_ROWS, MAX_PAGE_ROWS, PageSizer } from '../../src/sources/postgresql/paging.js';

const row = (bytes: number) => ['1', 'x'.repeat(Math.max(0, bytes - 3))];
const page = (rows: number, bytes: number) => Array.from({ length: rows }, () => row(bytes));

describe('page size by bytes', () => {
  it('starts small, then reads about fetch_bytes per page from the rows measured', () => {
    const sizer = new PageSizer({ fetchSize: 50, fetchBytes: 1_000_000 });
    expect(sizer.next()).toBe(FIRST_PAGE_ROWS);
    sizer.observe(page(FIRST_PAGE_ROWS, 10_000));
    // 10 kB rows: their text is nearly all they hold.
    expect(sizer.next()).toBeGreaterThanOrEqual(98);
    expect(sizer.next()).toBeLessThanOrEqual(100);
  });

  it('counts what narrow rows hold in memory, not only their text', () => {
    // 256 KiB of 23-character rows would be 11 000 rows by their text; in the heap each also
    // costs an array and a string per value, so a page holds about 2 000.
    const sizer = new PageSizer({ fetchSize: 50, fetchBytes: 256 * 1024 });
    sizer.observe(Array.from({ length: 8 }, () => ['1000000', '500', 'row 1000000']));
    expect(sizer.next()).toBeGreaterThan(1500);
    expect(sizer.next()).toBeLessThan(2500);
  });

  it('reads narrow rows by the thousands, never more than the cap', () => {
    const sizer = new PageSizer({ fetchSize: 50, fetchBytes: 4_000_000 });
    sizer.observe(page(8, 20));
    expect(sizer.next()).toBe(MAX_PAGE_ROWS);
  });

  it('holds a single 1 MB row at a time when the budget is smaller', () => {
    const sizer = new PageSizer({ fetchSize: 50, fetchBytes: 512 * 1024 });
    sizer.observe(page(8, 1_048_576));
    expect(sizer.next()).toBe(1);
  });

  it('follows the rows as they get wider or narrower', () => {
    const sizer = new PageSizer({ fetchSize: 50, fetchBytes: 100_000 });
    sizer.observe(page(100, 100));
    const narrow = sizer.next();
    sizer.observe(page(100, 10_000));
    expect(sizer.next()).toBeLessThan(narrow);
  });

  it('treats a fetch_size other than the default 50 as the most rows of a page', () => {
    const sizer = new PageSizer({ fetchSize: 200, fetchBytes: 4_000_000 });
    sizer.observe(page(8, 20));
    expect(sizer.next()).toBe(200);
    const tiny = new PageSizer({ fetchSize: 3, fetchBytes: 4_000_000 });
    expect(tiny.next()).toBe(3);
  });
});
