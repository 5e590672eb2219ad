import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import type { DataSource, SourceDocument } from '../../src/sources/types.js';
import { runFullSync } from '../../src/sync/full-sync.js';
import { serviceSettings } from '../helpers/services.js';

/** A source that yields the documents it is given: the sync stage is what is under test. */
function listSource(docs: SourceDocument[]): DataSource {
  return {
    async ping() {},
    async validate() {},
    async validateAdvancedRules() {
      return [];
    },
    async contentMappings() {
      return undefined;
    },
    async *documents() {
      for (const d of docs) yield d;
    },
    async close() {},
  };
}

function capturingLogger() {
  const lines: { level: string; message: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const parsed = JSON.parse(line) as { 'log.level': string; message: string };
        lines.push({ level: parsed['log.level'], message: parsed.message });
      }
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

const docs = (ids: string[]) => ids.map((id) => ({ _id: id, title: `title ${id}` }));

describe('full sync into Elasticsearch', () => {
  const prefix = `it-fullsync-${randomBytes(3).toString('hex')}`;
  let client: Client;

  beforeAll(() => {
    client = new Client({ node: serviceSettings().elasticsearchUrl });
  });
  afterAll(async () => {
    await client.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true });
    await client.ingest.deletePipeline({ id: `${prefix}-pipeline` }).catch(() => undefined);
    await client.close();
  });

  it('through an alias over two indices: deletes old copies and unproduced documents, never the fresh ones', async () => {
    const alias = `${prefix}-alias`;
    const old = `${prefix}-old`;
    const fresh = `${prefix}-new`;
    await client.indices.create({ index: old, aliases: { [alias]: { is_write_index: false } } });
    await client.indices.create({ index: fresh, aliases: { [alias]: { is_write_index: true } } });
    // Yesterday's documents live in the old index; the sync writes to the new one.
    for (const id of ['a', 'b', 'gone']) await client.index({ index: old, id, document: { title: `old ${id}` } });
    await client.indices.refresh({ index: alias });

    const { log } = capturingLogger();
    const result = await runFullSync({ client, index: alias, source: listSource(docs(['a', 'b', 'c'])), log, signal: new AbortController().signal });

    expect(result.indexed).toBe(3);
    expect(result.deleted).toBe(3); // the old a, b and gone
    await client.indices.refresh({ index: alias });
    const where = async (index: string) =>
      (await client.search({ index, size: 10, query: { match_all: {} } })).hits.hits.map((h) => h._id).sort();
    expect(await where(fresh)).toEqual(['a', 'b', 'c']);
    expect(await where(old)).toEqual([]);
    expect(result.totalDocuments).toBe(3);
  });

  it('keeps a document rewritten between the stale search and its delete', async () => {
    const index = `${prefix}-race`;
    await client.index({ index, id: 'x', document: { title: 'before' }, refresh: true });
    await client.indices.refresh({ index });
    const { log } = capturingLogger();
    // Somebody rewrites x right after the sync found it stale, before the delete goes out.
    const racing = client.child({});
    const search = racing.search.bind(racing) as (...args: unknown[]) => Promise<unknown>;
    let rewritten = false;
    (racing as unknown as { search: typeof search }).search = async (...args: unknown[]) => {
      const res = await search(...args);
      const query = (args[0] as { query?: { range?: Record<string, unknown> } } | undefined)?.query;
      if (query?.range?._seq_no && !rewritten) {
        rewritten = true;
        await client.index({ index, id: 'x', document: { title: 'rewritten by someone else' }, refresh: true });
      }
      return res;
    };
    const result = await runFullSync({ client: racing, index, source: listSource(docs(['y'])), log, signal: new AbortController().signal });
    expect(rewritten).toBe(true);
    const x = await client.get<{ title: string }>({ index, id: 'x' });
    expect(x._source?.title).toBe('rewritten by someone else');
    expect(result.deleted).toBe(0);
    expect(result.failed).toBe(0);
  });

  it('uses the ingest pipeline when it exists, with its hint fields', async () => {
    const index = `${prefix}-with-pipeline`;
    const name = `${prefix}-pipeline`;
    // The x-pack-less server has no processors beyond the core ones; an empty pipeline still runs.
    await client.ingest.putPipeline({ id: name, processors: [] });
    const { log, lines } = capturingLogger();
    await runFullSync({
      client,
      index,
      source: listSource(docs(['p1'])),
      log,
      signal: new AbortController().signal,
      pipeline: { name, extract_binary_content: true, reduce_whitespace: false, run_ml_inference: true },
    });
    const doc = await client.get<Record<string, unknown>>({ index, id: 'p1' });
    expect(doc._source).toMatchObject({ _extract_binary_content: true, _reduce_whitespace: false, _run_ml_inference: true, id: 'p1' });
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('indexes without a missing pipeline, warns once per index and leaves the hint fields out', async () => {
    const index = `${prefix}-no-pipeline`;
    const { log, lines } = capturingLogger();
    const pipeline = { name: `${prefix}-absent`, extract_binary_content: true, reduce_whitespace: true, run_ml_inference: true };
    for (let i = 0; i < 2; i++) {
      const result = await runFullSync({ client, index, source: listSource(docs(['n1', 'n2'])), log, signal: new AbortController().signal, pipeline });
      expect(result.indexed).toBe(2);
    }
    const doc = await client.get<Record<string, unknown>>({ index, id: 'n1' });
    expect(Object.keys(doc._source ?? {}).filter((k) => k.startsWith('_'))).toEqual(['_timestamp']);
    const warnings = lines.filter((l) => l.level === 'warn' && l.message.includes(pipeline.name));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('does not exist');
  });

  it('keeps row values out of item-failure reasons', async () => {
    const index = `${prefix}-typed`;
    await client.indices.create({ index, mappings: { properties: { n: { type: 'long' } } } });
    const { log, lines } = capturingLogger();
    const secretish = 'customer-private-note-12345';
    const result = await runFullSync({
      client,
      index,
      source: listSource([{ _id: 'ok', n: 1 }, { _id: 'bad', n: secretish }]),
      log,
      signal: new AbortController().signal,
    });
    expect(result.failed).toBe(1);
    expect(result.itemErrors[0]).toMatchObject({ id: 'bad', type: 'document_parsing_exception' });
    expect(result.itemErrors[0]!.reason).toMatch(/failed to parse field \[n\]/);
    expect(JSON.stringify(result.itemErrors)).not.toContain(secretish);
    expect(JSON.stringify(lines)).not.toContain(secretish);
  });

  it('ends the sync when more than 10 documents in a row fail, as Elastic does, and counts a success as a break', async () => {
    const index = `${prefix}-consecutive`;
    await client.indices.create({ index, mappings: { properties: { n: { type: 'long' } } } });
    const bad = (i: number) => ({ _id: `bad-${i}`, n: 'not a number' });
    // 10 failures, a success, 10 failures: never 11 in a row (one request at a time: "in a row" is in the order Elasticsearch answers).
    const interleaved = [...Array.from({ length: 10 }, (_, i) => bad(i)), { _id: 'ok', n: 1 }, ...Array.from({ length: 10 }, (_, i) => bad(i + 10))];
    const passed = await runFullSync({ client, index, source: listSource(interleaved), log: createLogger('silent'), signal: new AbortController().signal, bulk: { flushCount: 7, concurrency: 1 } });
    expect([passed.failed, passed.indexed]).toEqual([20, 1]);
    const failing = runFullSync({
      client,
      index,
      source: listSource(Array.from({ length: 30 }, (_, i) => bad(i))),
      log: createLogger('silent'),
      signal: new AbortController().signal,
    });
    await expect(failing).rejects.toThrow(/^11 documents in a row failed to index \(more than 10\); last: document_parsing_exception/);
    const configured = await runFullSync({
      client,
      index,
      source: listSource(Array.from({ length: 30 }, (_, i) => bad(i))),
      log: createLogger('silent'),
      signal: new AbortController().signal,
      maxConsecutiveItemErrors: 50,
    });
    expect(configured.failed).toBe(30);
  });
});
