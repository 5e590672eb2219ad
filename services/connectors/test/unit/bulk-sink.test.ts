import { describe, expect, it } from 'vitest';
import { BulkSink, type ItemFailure } from '../../src/es/bulk-sink.js';
import { retryingTransport } from '../../src/es/retrying-transport.js';
import { LazyBulkSerializer } from '../../src/es/serializer.js';
import { recordingClient, type Recorded } from '../helpers/recording-client.js';

type Item = Record<string, { status: number; result?: string; error?: { type: string; reason: string } }>;

/** A bulk endpoint that answers each action line with what `answer` says. */
function bulkCluster(answer: (action: Record<string, Record<string, unknown>>, call: number) => Item | 'reject-429', retries = 4) {
  let call = 0;
  // The transport the service's clients use (createEsClient), with short delays.
  const options = { Transport: retryingTransport({ retries, baseDelayMs: 1, maxDelayMs: 2 }), maxRetries: 0, Serializer: LazyBulkSerializer };
  const { client, calls } = recordingClient((r: Recorded) => {
    call++;
    const lines = r.body as Record<string, unknown>[];
    const actions = lines.filter((l) => 'index' in l || 'delete' in l) as Record<string, Record<string, unknown>>[];
    const items = actions.map((a) => answer(a, call));
    if (items.includes('reject-429')) return { status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'queue full' }, status: 429 } };
    // As Elasticsearch sets it: true when any item failed (a 404 delete is not a failure).
    const failed = items.some((item) => Object.values(item as Record<string, { status: number }>).some((r) => r.status >= 300 && r.status !== 404));
    return { body: { errors: failed, items } };
  }, options);
  return { client, calls };
}

describe('LazyBulkSerializer', () => {
  const serializer = new LazyBulkSerializer();
  const items = [{ index: { result: 'created', status: 201 } }, { index: { result: 'updated', status: 200 } }];

  it('leaves the items of an all-succeeded bulk response unparsed until read, then gives what parsing gives', () => {
    const json = JSON.stringify({ errors: false, items });
    const res = serializer.deserialize<{ errors: boolean; items: unknown }>(json);
    expect(res.errors).toBe(false);
    expect(Object.getOwnPropertyDescriptor(res, 'items')?.get).toBeTypeOf('function');
    expect(res.items).toEqual(items);
    expect(res.items).toBe(res.items);
  });

  it('parses everything else at once, with the transport’s own rules', () => {
    const failed = { errors: true, items: [{ index: { status: 400, error: { type: 't', reason: 'r' } } }] };
    expect(serializer.deserialize(JSON.stringify(failed))).toEqual(failed);
    expect(Object.getOwnPropertyDescriptor(serializer.deserialize(JSON.stringify(failed)), 'items')?.value).toEqual(failed.items);
    expect(serializer.deserialize('{"count":3}')).toEqual({ count: 3 });
    // With the transport's prototype-poisoning protection on, lazily read items are refused too.
    const strict = new LazyBulkSerializer({ enablePrototypePoisoningProtection: true });
    expect(() => strict.deserialize('{"__proto__":{"x":1}}')).toThrow();
    const lazy = strict.deserialize<{ items: unknown }>('{"errors":false,"items":[{"__proto__":{"x":1}}]}');
    expect(() => lazy.items).toThrow();
  });
});

describe('bulk sink', () => {
  it('counts documents and their bytes when every item succeeded, without reading the items', async () => {
    const { client } = bulkCluster(() => ({ index: { status: 201, result: 'created' } }));
    const sink = new BulkSink(client, { index: 'content', flushCount: 3 });
    const bodies = Array.from({ length: 10 }, (_, i) => ({ name: `Grüße ${i}` }));
    for (const [i, body] of bodies.entries()) await sink.index(`d${i}`, body);
    await sink.flush();
    expect(sink.stats).toMatchObject({ indexed: 10, failed: 0, dropped: 0 });
    expect(sink.stats.indexedBytes).toBe(bodies.reduce((sum, b) => sum + Buffer.byteLength(JSON.stringify(b)), 0));
  });

  it('counts documents an ingest pipeline dropped (noop) apart from indexed ones', async () => {
    const { client } = bulkCluster((a) => {
      const id = a.index!._id as string;
      return { index: id === 'drop-me' ? { status: 200, result: 'noop' } : { status: 201, result: 'created' } };
    });
    const sink = new BulkSink(client, { index: 'content', pipeline: 'drops-some' });
    await sink.index('keep', { a: 1 });
    await sink.index('drop-me', { a: 2 });
    await sink.flush();
    expect(sink.stats).toMatchObject({ indexed: 1, dropped: 1, failed: 0 });
  });

  it('measures indexed volume as the UTF-8 bytes of the JSON bodies acknowledged (indexed_document_volume)', async () => {
    const { client } = bulkCluster((a) => {
      const id = a.index!._id as string;
      return { index: id === 'bad' ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'x' } } : { status: 201, result: 'created' } };
    });
    const sink = new BulkSink(client, { index: 'content' });
    const bodies = { a: { name: 'Grüße', n: 1 }, b: { tags: ['x', 'ÿ'], nested: { deep: null } } };
    for (const [id, body] of Object.entries(bodies)) await sink.index(id, body);
    await sink.index('bad', { name: 'not counted' });
    await sink.flush();
    const expected = Object.values(bodies).reduce((sum, body) => sum + Buffer.byteLength(JSON.stringify(body), 'utf8'), 0);
    expect(sink.stats.indexedBytes).toBe(expected);
    expect(sink.stats.indexed).toBe(2);
  });

  it('deletes an exact version in its own index; a 409 means rewritten meanwhile, so kept and not an error', async () => {
    const failures: ItemFailure[] = [];
    const { client, calls } = bulkCluster((a) => ({ delete: a.delete!._id === 'moved' ? { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'conflict' } } : { status: 200, result: 'deleted' } }));
    const sink = new BulkSink(client, { index: 'alias', onItemError: (f) => failures.push(f) });
    await sink.deleteVersion({ index: 'content-old', id: 'gone', seqNo: 7, primaryTerm: 2 });
    await sink.deleteVersion({ index: 'content-new', id: 'moved', seqNo: 3, primaryTerm: 1 });
    await sink.flush();
    expect(sink.stats).toMatchObject({ deleted: 1, kept: 1, failed: 0 });
    expect(failures).toEqual([]);
    expect((calls[0]!.body as unknown[])[0]).toEqual({ delete: { _index: 'content-old', _id: 'gone', if_seq_no: 7, if_primary_term: 2 } });
  });

  it('a conflict on an unconditional delete is still an error', async () => {
    const failures: ItemFailure[] = [];
    const { client } = bulkCluster(() => ({ delete: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'conflict' } } }));
    const sink = new BulkSink(client, { index: 'content', onItemError: (f) => failures.push(f) });
    await sink.delete('x');
    await sink.flush();
    expect(sink.stats.failed).toBe(1);
    expect(failures[0]).toMatchObject({ id: 'x', op: 'delete', status: 409 });
  });

  it('retries a whole request the cluster rejected with 429, then succeeds', async () => {
    const { client, calls } = bulkCluster((a, call) => (call < 3 ? 'reject-429' : { index: { status: 201, result: 'created' } }));
    const sink = new BulkSink(client, { index: 'content', retryDelayMs: 1 });
    await sink.index('a', { a: 1 });
    await sink.flush();
    expect(calls.filter((c) => c.path.startsWith('/content/_bulk'))).toHaveLength(3);
    expect(sink.stats).toMatchObject({ indexed: 1, failed: 0 });
  });

  it('gives up on 429 after its retries and says so', async () => {
    const { client, calls } = bulkCluster(() => 'reject-429', 2);
    const sink = new BulkSink(client, { index: 'content', retryDelayMs: 1 });
    await sink.index('a', { a: 1 });
    await expect(sink.flush()).rejects.toMatchObject({ statusCode: 429 });
    expect(calls).toHaveLength(3);
  });

  it('flushes by bytes, not characters: multi-byte text fills the buffer sooner', async () => {
    const { client, calls } = bulkCluster(() => ({ index: { status: 201, result: 'created' } }));
    // 60 characters, 180 bytes in UTF-8: over the 150-byte limit on its own.
    const sink = new BulkSink(client, { index: 'content', flushBytes: 150, flushCount: 1000 });
    await sink.index('euro', { text: '€'.repeat(60) });
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(1);
    await sink.flush();
  });

  it('sends every document intact across reused bodies: unicode, a document larger than a batch, retried items', async () => {
    const sent = new Map<string, unknown>();
    let call = 0;
    const { client, calls } = bulkCluster((a, n) => {
      const id = (a.index ?? a.delete)!._id as string;
      // The first request's "r" documents are refused once with 429, then accepted.
      if (n === 1 && id.startsWith('r')) return { index: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'busy' } } };
      call = n;
      return { index: { status: 201, result: 'created' } };
    });
    const sink = new BulkSink(client, { index: 'content', flushBytes: 1024, flushCount: 50, concurrency: 2, retryDelayMs: 1 });
    const docs: [string, Record<string, unknown>][] = [
      ['r1', { text: 'Grüße 😀 ' + 'x'.repeat(100) }],
      ['r2', { text: '€'.repeat(200) }],
      ['big', { text: 'ÿ'.repeat(5000) }],
      ...Array.from({ length: 120 }, (_, i) => [`d${i}`, { n: i, text: `doc ${i} ✓` }] as [string, Record<string, unknown>]),
    ];
    for (const [id, doc] of docs) await sink.index(id, doc);
    await sink.flush();
    for (const c of calls) {
      const lines = c.body as Record<string, unknown>[];
      for (let i = 0; i < lines.length; i += 2) sent.set((lines[i] as { index: { _id: string } }).index._id, lines[i + 1]);
      expect(c.path).toContain('filter_path=');
    }
    expect(call).toBeGreaterThan(3);
    expect(sent.size).toBe(docs.length);
    for (const [id, doc] of docs) expect(sent.get(id), id).toEqual(doc);
    expect(sink.stats).toMatchObject({ indexed: docs.length, failed: 0 });
    const expectedBytes = docs.reduce((sum, [, d]) => sum + Buffer.byteLength(JSON.stringify(d)), 0);
    expect(sink.stats.indexedBytes).toBe(expectedBytes);
  });

  it('sends a batch that is not full after the flush interval, so a slow source still shows progress', async () => {
    const { client, calls } = bulkCluster(() => ({ index: { status: 201, result: 'created' } }));
    const sink = new BulkSink(client, { index: 'content', flushBytes: 1_048_576, flushCount: 10_000, flushIntervalMs: 50 });
    await sink.index('a', { a: 1 });
    await sink.index('b', { b: 2 });
    expect(calls).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(calls).toHaveLength(1);
    expect(sink.stats.indexed).toBe(2);
    await sink.index('c', { c: 3 });
    await sink.flush();
    expect(calls).toHaveLength(2);
    expect(sink.stats.indexed).toBe(3);
  });
});
