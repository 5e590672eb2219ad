import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/util/sleep.js';

describe('sleep', () => {
  // A 60 s wait that did not return at once would hit the 5 s test timeout.
  it('returns at once for a signal that is already aborted (a loop pass that ends after shutdown began)', async () => {
    const c = new AbortController();
    c.abort(new Error('stopping'));
    await expect(sleep(60_000, c.signal)).resolves.toBeUndefined();
    await expect(sleep(60_000, c.signal, { rejectOnAbort: true })).rejects.toThrow('stopping');
  });

  it('wakes when the signal aborts, and leaves no listener behind when the time runs out', async () => {
    const c = new AbortController();
    const waiting = sleep(60_000, c.signal);
    c.abort();
    await expect(waiting).resolves.toBeUndefined();

    const long = new AbortController();
    let listeners = 0;
    const add = long.signal.addEventListener.bind(long.signal);
    const remove = long.signal.removeEventListener.bind(long.signal);
    long.signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
    long.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
    for (let i = 0; i < 5; i++) await sleep(1, long.signal);
    expect(listeners).toBe(0);
  });
});
