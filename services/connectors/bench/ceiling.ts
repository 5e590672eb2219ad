// The ceiling a sync is measured against: what Elasticsearch alone ingests
// when the very documents the sync wrote (byte-identical bodies) are bulk-
// indexed from memory into an index with the same mappings and settings. Two
// loaders, each tuned, the faster one counts: the client's bulk helper, and
// raw `_bulk` requests of prebuilt NDJSON buffers.
import type { Client } from '@elastic/elasticsearch';
import { sleep } from '../src/util/sleep.js';

const PAGE = 5000;

/** The index's documents as NDJSON request bodies of about `chunkBytes` each. */
export async function loadBodies(es: Client, index: string, chunkBytes: number): Promise<{ bodies: Buffer[]; docs: number; bytes: number }> {
  const bodies: Buffer[] = [];
  let parts: string[] = [];
  let size = 0;
  let docs = 0;
  let bytes = 0;
  const pit = await es.openPointInTime({ index, keep_alive: '5m' });
  let after: unknown[] | undefined;
  try {
    for (;;) {
      const res = await es.search<Record<string, unknown>>({
        pit: { id: pit.id, keep_alive: '5m' },
        size: PAGE,
        sort: ['_shard_doc'],
        ...(after ? { search_after: after as never } : {}),
      });
      for (const hit of res.hits.hits) {
        const source = JSON.stringify(hit._source);
        const lines = `{"index":{"_id":${JSON.stringify(hit._id)}}}\n${source}\n`;
        parts.push(lines);
        size += Buffer.byteLength(lines);
        bytes += Buffer.byteLength(source);
        docs++;
        if (size >= chunkBytes) {
          bodies.push(Buffer.from(parts.join('')));
          parts = [];
          size = 0;
        }
      }
      if (res.hits.hits.length < PAGE) break;
      after = res.hits.hits.at(-1)?.sort;
    }
  } finally {
    await es.closePointInTime({ id: pit.id });
  }
  if (parts.length) bodies.push(Buffer.from(parts.join('')));
  return { bodies, docs, bytes };
}

async function freshCopy(es: Client, index: string, target: string): Promise<void> {
  const mapping = await es.indices.getMapping({ index });
  const settings = await es.indices.getSettings({ index, flat_settings: true });
  const own = Object.values(settings)[0]?.settings as Record<string, string>;
  await es.indices.delete({ index: target, ignore_unavailable: true });
  await es.indices.create({
    index: target,
    mappings: Object.values(mapping)[0]!.mappings,
    settings: { number_of_shards: own['index.number_of_shards'], number_of_replicas: own['index.number_of_replicas'] },
  });
}

/** Raw `_bulk` requests, `concurrency` in flight. Returns documents per second. */
async function rawBulk(es: Client, target: string, bodies: Buffer[], docs: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await es.transport.request<{ errors: boolean }>({ method: 'POST', path: `/${target}/_bulk`, querystring: { filter_path: 'errors' }, bulkBody: body });
      if (res.errors) throw new Error('the ceiling loader got item errors');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await es.indices.refresh({ index: target });
  return docs / ((performance.now() - started) / 1000);
}

/** The official helper over the same documents, parsed back from the bodies as it goes. */
async function helperBulk(es: Client, target: string, bodies: Buffer[], concurrency: number, flushBytes: number): Promise<number> {
  async function* documents() {
    for (const body of bodies) {
      const lines = body.toString('utf8').split('\n');
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const id = (JSON.parse(lines[i]!) as { index: { _id: string } }).index._id;
        yield { id, source: JSON.parse(lines[i + 1]!) as Record<string, unknown> };
      }
    }
  }
  const started = performance.now();
  const result = await es.helpers.bulk({
    datasource: documents(),
    onDocument: (d) => [{ index: { _index: target, _id: d.id } }, d.source],
    flushBytes,
    concurrency,
  });
  if (result.failed) throw new Error(`the bulk helper failed ${result.failed} documents`);
  await es.indices.refresh({ index: target });
  return result.successful / ((performance.now() - started) / 1000);
}

export interface CeilingFigures {
  docs_per_second: number;
  /** JSON bytes of the documents' bodies. */
  bytes: number;
  loader: string;
  tried: Record<string, number>;
  /** Elasticsearch's CPU seconds per 100 k documents under each loader, when its pid is known. */
  elasticsearch_cpu_per_100k?: Record<string, number>;
}

/**
 * Waits (a minute at most) until Elasticsearch runs no merge: one left over
 * from the sync or from the previous loader would take CPU from the next
 * measurement, and with Elasticsearch on one core that CPU is all it has.
 */
export async function settle(es: Client): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(250)) {
    const stats = await es.nodes.stats({ metric: 'indices', index_metric: 'merge' });
    if (Object.values(stats.nodes).every((n) => (n.indices?.merges?.current ?? 0) === 0)) return;
  }
}

/** Every loader setting tried on a fresh copy of the index; the best is the ceiling. */
export async function ceiling(es: Client, index: string, log: (line: string) => void, esCpuSeconds?: () => number): Promise<CeilingFigures> {
  const chunk = 5 * 1024 * 1024;
  const { bodies, docs, bytes } = await loadBodies(es, index, chunk);
  const target = `${index}-ceiling`;
  const loaders: [string, () => Promise<number>][] = [
    ['raw _bulk, 5 MB, 2 in flight', () => rawBulk(es, target, bodies, docs, 2)],
    ['raw _bulk, 5 MB, 3 in flight', () => rawBulk(es, target, bodies, docs, 3)],
    ['bulk helper, 5 MB, 2 in flight', () => helperBulk(es, target, bodies, 2, chunk)],
  ];
  const tried: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  try {
    for (const [name, load] of loaders) {
      await freshCopy(es, index, target);
      await settle(es);
      const cpu0 = esCpuSeconds?.() ?? 0;
      tried[name] = Math.round(await load());
      if (esCpuSeconds) cpu[name] = Number((((esCpuSeconds() - cpu0) / docs) * 100_000).toFixed(2));
      log(`  ceiling: ${name}: ${tried[name]} docs/s${esCpuSeconds ? `, Elasticsearch ${cpu[name]} CPU s per 100 k docs` : ''}`);
    }
  } finally {
    await es.indices.delete({ index: target, ignore_unavailable: true });
  }
  const [loader, best] = Object.entries(tried).sort((a, b) => b[1] - a[1])[0]!;
  return { docs_per_second: best, bytes, loader, tried, ...(esCpuSeconds ? { elasticsearch_cpu_per_100k: cpu } : {}) };
}
