import { createHash } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { createLogger } from '../../src/log/logger.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { finalId } from '../../src/sync/full-sync.js';

/** Content hash of a document, ignoring when it was written. */
function digest(doc: Record<string, unknown>): string {
  const { _timestamp: _t, ...rest } = doc;
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
      : Array.isArray(v)
        ? v.map(canonical)
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(rest))).digest('hex');
}

/** id → content hash of every document a full read of the source produces now. */
export async function sourceDigests(values: Record<string, unknown>): Promise<Map<string, string>> {
  const source = postgresqlSource.create(values, createLogger('silent'));
  const out = new Map<string, string>();
  try {
    for await (const doc of source.documents({ signal: new AbortController().signal, notice: () => undefined })) {
      const { _id, ...fields } = doc;
      const id = finalId(String(_id));
      out.set(id, digest({ ...fields, id }));
    }
  } finally {
    await source.close();
  }
  return out;
}

/** id → content hash of every document in the index (pipeline hints left out). */
export async function indexDigests(client: Client, index: string): Promise<Map<string, string>> {
  await client.indices.refresh({ index });
  const out = new Map<string, string>();
  let after: unknown[] | undefined;
  for (;;) {
    const res = await client.search<Record<string, unknown>>({ index, size: 1000, sort: [{ id: 'asc' }], ...(after ? { search_after: after as never } : {}) });
    for (const h of res.hits.hits) {
      const { _extract_binary_content: _a, _reduce_whitespace: _b, _run_ml_inference: _c, ...doc } = h._source ?? {};
      out.set(String(h._id), digest(doc));
    }
    if (res.hits.hits.length < 1000) return out;
    after = res.hits.hits.at(-1)?.sort;
  }
}

/** Differences between the index and the source, readable in a failed assertion; empty when equal. */
export async function indexVersusSource(client: Client, index: string, values: Record<string, unknown>): Promise<string[]> {
  const [indexed, expected] = await Promise.all([indexDigests(client, index), sourceDigests(values)]);
  const out: string[] = [];
  for (const [id, hash] of expected) {
    const got = indexed.get(id);
    if (got === undefined) out.push(`missing ${id}`);
    else if (got !== hash) out.push(`differs ${id}`);
  }
  for (const id of indexed.keys()) if (!expected.has(id)) out.push(`extra ${id}`);
  return out;
}
