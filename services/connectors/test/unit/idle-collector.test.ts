import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleCollector } from '../../src/service/memory.js';

describe('IdleCollector', () => {
  const g = globalThis as { gc?: () => void };
  const original = g.gc;
  /** gc() calls: each idle collection is two (a plain one, then a compacting one). */
  let collections = 0;

  beforeEach(() => {
    vi.useFakeTimers();
    collections = 0;
    g.gc = () => void collections++;
  });
  afterEach(() => {
    vi.useRealTimers();
    g.gc = original;
  });

  it('collects once the last job has ended and the process stayed idle', () => {
    const c = new IdleCollector(() => false, undefined, 1_000, 10_000);
    c.jobEnded();
    c.jobEnded();
    vi.advanceTimersByTime(999);
    expect(collections).toBe(0);
    vi.advanceTimersByTime(1);
    expect(collections).toBe(2);
  });

  it('does not collect while a job runs', () => {
    let busy = true;
    const c = new IdleCollector(() => busy, undefined, 1_000, 10_000);
    c.jobEnded();
    vi.advanceTimersByTime(5_000);
    expect(collections).toBe(0);
    busy = false;
    c.jobEnded();
    vi.advanceTimersByTime(1_000);
    expect(collections).toBe(2);
  });

  it('collects at most once per interval when short jobs keep ending', () => {
    const c = new IdleCollector(() => false, undefined, 1_000, 10_000);
    for (let s = 0; s < 30; s++) {
      c.jobEnded();
      vi.advanceTimersByTime(1_000);
    }
    // t=1 s, then every 10 s: 1, 11, 21 (and the one due at 31 s is pending).
    expect(collections).toBe(6);
  });

  it('does nothing without --expose-gc', () => {
    g.gc = undefined;
    const c = new IdleCollector(() => false, undefined, 1_000, 10_000);
    c.jobEnded();
    vi.advanceTimersByTime(60_000);
    expect(collections).toBe(0);
  });

  it('stop() cancels a pending collection', () => {
    const c = new IdleCollector(() => false, undefined, 1_000, 10_000);
    c.jobEnded();
    c.stop();
    vi.advanceTimersByTime(5_000);
    expect(collections).toBe(0);
  });
});
