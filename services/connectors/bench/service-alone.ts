// `make bench-service`: what the service itself spends per document, with
// Elasticsearch replaced by a null server in another process (every bulk
// request answered "all created" at once). The full sync's read from
// PostgreSQL, its serialization and its bulk writing, in CPU seconds per 100 k
// documents, without an Elasticsearch competing for the same cores: on a
// shared machine that figure moves far less than docs/s. The object path (a
// sync with basic rules) and the serialized path (without), alternated, the
// median of BENCH_SERVICE_ROUNDS each. Prints figures; asserts nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { BulkSink } from '../src/es/bulk-sink.js';
import { createEsClient } from '../src/es/client.js';
import { createLogger } from '../src/log/logger.js';
import { postgresqlSource } from '../src/sources/postgresql/index.js';
import { SerializedPage, type BodyShape } from '../src/sources/types.js';
import { documentBody } from '../src/sync/writer.js';
import { openWorkbench, type Workbench } from './workbench.js';

const ROUNDS = Number(process.env.BENCH_SERVICE_ROUNDS ?? 5);
const NARROW_ROWS = Number(process.env.BENCH_NARROW_ROWS ?? 1_000_000);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Answers `_bulk` with one created item per action line, anything else with `{}`; prints its port. */
const NULL_ELASTICSEARCH = `
const http = require('node:http');
const item = '{"index":{"result":"created","status":201}}';
const server = http.createServer((req, res) => {
  let lines = 0;
  req.on('data', (c) => { for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++; });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-elastic-product', 'Elasticsearch');
    res.end(req.url.includes('/_bulk') ? '{"errors":false,"items":[' + Array(lines / 2).fill(item).join(',') + ']}' : '{}');
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function nullElasticsearch(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', NULL_ELASTICSEARCH], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, child };
}

interface Round {
  cpuPer100k: number;
  docsPerSecond: number;
}

/** One full read of `tables` into the null server, as `runFullSync` hands documents to its sink. */
async function round(bench: Workbench, esUrl: string, tables: string, serialized: boolean): Promise<Round> {
  const client = createEsClient({ url: esUrl, requestTimeoutMs: 60_000, maxRetries: 0 } as Parameters<typeof createEsClient>[0]);
  const source = postgresqlSource.create({ ...bench.values, tables, retry_count: 3, ssl_enabled: false, ssl_ca: '' }, createLogger('warn'));
  const sink = new BulkSink(client, { index: 'null' });
  const shape: BodyShape = { fallbackTimestamp: new Date().toISOString(), trailer: {} };
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let docs = 0;
  try {
    for await (const doc of source.documents({ signal: new AbortController().signal, notice: () => undefined, ...(serialized ? { serialize: shape } : {}) })) {
      if (doc instanceof SerializedPage) {
        for (let i = 0; i < doc.length; i++) {
          const id = doc.id(i);
          const wait = sink.indexJson(id, doc.body(i, id));
          if (wait) await wait;
        }
        docs += doc.length;
        continue;
      }
      const wait = sink.index(doc._id, documentBody(doc, doc._id, shape.fallbackTimestamp, null));
      if (wait) await wait;
      docs++;
    }
    await sink.flush();
  } finally {
    await source.close();
    await client.close();
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - started) / 1000;
  return { cpuPer100k: ((cpu.user + cpu.system) / 1e6 / docs) * 100_000, docsPerSecond: docs / seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function measure(name: string, bench: Workbench, esUrl: string, tables: string): Promise<object> {
  const runs: Record<'object' | 'serialized', Round[]> = { object: [], serialized: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const path of ['object', 'serialized'] as const) runs[path].push(await round(bench, esUrl, tables, path === 'serialized'));
  }
  const figures = Object.fromEntries(
    Object.entries(runs).map(([path, rs]) => [
      path,
      { cpu_seconds_per_100k_docs: Number(median(rs.map((r) => r.cpuPer100k)).toFixed(3)), docs_per_second: Math.round(median(rs.map((r) => r.docsPerSecond))) },
    ]),
  ) as Record<'object' | 'serialized', { cpu_seconds_per_100k_docs: number; docs_per_second: number }>;
  log(
    `${name}: object path ${figures.object.cpu_seconds_per_100k_docs} s per 100 k docs (${figures.object.docs_per_second} docs/s), ` +
      `serialized ${figures.serialized.cpu_seconds_per_100k_docs} s (${figures.serialized.docs_per_second} docs/s): ` +
      `${(figures.object.cpu_seconds_per_100k_docs / figures.serialized.cpu_seconds_per_100k_docs).toFixed(2)}× less CPU (median of ${ROUNDS})`,
  );
  return { dataset: name, ...figures };
}

const es = await nullElasticsearch();
const bench = await openWorkbench('benchsvc');
try {
  log('seeding the store (scale 10) and a narrow table…');
  await bench.seed({ SEED_SCALE: '10' });
  const db = new pg.Client({ connectionString: bench.url });
  await db.connect();
  await db.query(`CREATE TABLE narrow (id bigint PRIMARY KEY, n integer NOT NULL, label text NOT NULL)`);
  await db.query(`INSERT INTO narrow SELECT g, g % 1000, 'row ' || g FROM generate_series(1, $1::bigint) g`, [NARROW_ROWS]);
  await db.query(`GRANT SELECT ON narrow TO ${bench.values.username}`);
  await db.query('ANALYZE');
  await db.end();
  const results = [
    await measure('store ×10 (110 022 rows)', bench, es.url, String(bench.values.tables)),
    await measure(`narrow table (${NARROW_ROWS} rows)`, bench, es.url, 'narrow'),
  ];
  console.log(JSON.stringify({ at: new Date().toISOString(), node: process.version, rounds: ROUNDS, results }, null, 2));
} finally {
  await bench.cleanup();
  es.child.kill();
}
