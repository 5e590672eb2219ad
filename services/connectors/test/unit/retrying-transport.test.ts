import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { backoffMs, isRetryable, retryingTransport } from '../../src/es/retrying-transport.js';
import { recordingClient, type Recorded } from '../helpers/recording-client.js';

const policy = { retries: 4, baseDelayMs: 1, maxDelayMs: 5 };
const failure = (status: number) => ({ status, body: { error: { type: 'x', reason: `status ${status}` }, status } });

/** A cluster that answers with the given statuses in turn, then 200. */
function flaky(statuses: number[]) {
  let i = 0;
  return recordingClient(
    (_r: Recorded) => {
      const status = statuses[i++];
      return status ? failure(status) : { body: { _index: 'i', _id: '1', found: true, _source: {}, result: 'updated' } };
    },
    { Transport: retryingTransport(policy), maxRetries: 0 },
  );
}

describe('retrying transport', () => {
  it('retries a read through 429, 503 and 502 until it succeeds', async () => {
    const { client, calls } = flaky([429, 503, 502]);
    await expect(client.get({ index: 'i', id: '1' })).resolves.toMatchObject({ found: true });
    expect(calls).toHaveLength(4);
  });

  it('retries a write the cluster rejected (429) but not one a gateway may have half-done (502)', async () => {
    const rejected = flaky([429]);
    await rejected.client.update({ index: 'i', id: '1', doc: { a: 1 } });
    expect(rejected.calls).toHaveLength(2);

    const gateway = flaky([502]);
    await expect(gateway.client.update({ index: 'i', id: '1', doc: { a: 1 } })).rejects.toMatchObject({ statusCode: 502 });
    expect(gateway.calls).toHaveLength(1);
  });

  it('a per-request maxRetries overrides the budget (preflight waits on its own)', async () => {
    const { client, calls } = flaky([503, 503]);
    await expect(client.get({ index: 'i', id: '1' }, { maxRetries: 0 })).rejects.toMatchObject({ statusCode: 503 });
    expect(calls).toHaveLength(1);
  });

  it('gives up after its budget and throws the last error', async () => {
    const { client, calls } = flaky([429, 429, 429, 429, 429, 429]);
    await expect(client.get({ index: 'i', id: '1' })).rejects.toMatchObject({ statusCode: 429 });
    expect(calls).toHaveLength(policy.retries + 1);
  });

  it('never retries a request error (a 4xx other than 429)', async () => {
    const { client, calls } = flaky([409]);
    await expect(client.update({ index: 'i', id: '1', doc: {}, if_seq_no: 1, if_primary_term: 1 })).rejects.toMatchObject({ statusCode: 409 });
    expect(calls).toHaveLength(1);
  });

  it('classifies timeouts by method: reads and searches again, writes (bulk too: it may still run, out of order) not', () => {
    const timeout = new errors.TimeoutError('timed out');
    expect(isRetryable(timeout, 'GET', '/i/_doc/1')).toBe(true);
    expect(isRetryable(timeout, 'POST', '/i/_search')).toBe(true);
    expect(isRetryable(timeout, 'POST', '/i/_bulk')).toBe(false);
    expect(isRetryable(timeout, 'POST', '/i/_doc')).toBe(false);
    expect(isRetryable(timeout, 'POST', '/i/_update/1')).toBe(false);
  });

  it('repeats a write after a connection error only when it never left (refused), or for _bulk', () => {
    expect(isRetryable(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'), 'POST', '/i/_doc')).toBe(true);
    expect(isRetryable(new errors.ConnectionError('other side closed'), 'POST', '/i/_doc')).toBe(false);
    expect(isRetryable(new errors.ConnectionError('other side closed'), 'POST', '/i/_update/1')).toBe(false);
    expect(isRetryable(new errors.ConnectionError('other side closed'), 'POST', '/i/_bulk')).toBe(true);
    expect(isRetryable(new errors.ConnectionError('other side closed'), 'GET', '/i/_doc/1')).toBe(true);
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { retries: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** attempt);
      const d = backoffMs(attempt, p);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
  });
});
