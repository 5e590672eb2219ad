// `make bench`: a full sync of the seeded store through the real service
// process, against the native (or any) Elasticsearch and PostgreSQL.
// Prints rows/s, MB/s, the service's peak RSS and ratios; asserts nothing.
import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { rowCounts } from '@pg-es-connectors/seed/dataset';
import { JOBS_ALIAS } from '../src/protocol/indices.js';
import type { SyncJobDoc } from '../src/protocol/types.js';
import { catchUp, changeRows, commitToSearchable } from './incremental.js';
import { runBench } from './workbench.js';

const scale = Number(process.env.BENCH_SCALE ?? 20);

/** Peak RSS (VmHWM) of a process and its children, in MiB, from /proc. */
function peakRssMiB(pid: number): number {
  const kb = (p: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
  let best = 0;
  const walk = (p: number) => {
    try {
      best = Math.max(best, kb(p));
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      children.forEach(walk);
    } catch {
      // exited
    }
  };
  walk(pid);
  return best / 1024;
}

/**
 * The ceiling: the synced documents, held in memory, written again into an
 * index with the same mappings by the client's own bulk helper. Nothing of
 * PostgreSQL or the connector is in this figure.
 */
async function bulkCeiling(es: Client, index: string): Promise<number> {
  const docs: { _id: string; _source: Record<string, unknown> }[] = [];
  const pit = await es.openPointInTime({ index, keep_alive: '2m' });
  let after: unknown[] | undefined;
  for (;;) {
    const res = await es.search<Record<string, unknown>>({
      pit: { id: pit.id, keep_alive: '2m' },
      size: 5000,
      sort: ['_shard_doc'],
      ...(after ? { search_after: after as never } : {}),
    });
    for (const h of res.hits.hits) docs.push({ _id: h._id!, _source: h._source! });
    if (res.hits.hits.length < 5000) break;
    after = res.hits.hits.at(-1)!.sort;
  }
  await es.closePointInTime({ id: pit.id });
  const target = `${index}-ceiling`;
  const mapping = await es.indices.getMapping({ index });
  await es.indices.create({ index: target, mappings: Object.values(mapping)[0]!.mappings });
  try {
    const started = Date.now();
    const result = await es.helpers.bulk({
      datasource: docs,
      onDocument: (d) => [{ index: { _index: target, _id: d._id } }, d._source],
      flushBytes: 5 * 1024 * 1024,
      concurrency: 2,
    });
    await es.indices.refresh({ index: target });
    return result.successful / ((Date.now() - started) / 1000);
  } finally {
    await es.indices.delete({ index: target, ignore_unavailable: true });
  }
}

runBench('bench', async (bench) => {
  const { es, connectorId, suffix } = bench;
  const expected = Object.values(rowCounts(scale)).reduce((a, b) => a + b, 0);
  process.stderr.write(`seeding ${expected} rows (SEED_SCALE=${scale})…\n`);
  const seedStart = Date.now();
  await bench.seed({ SEED_SCALE: String(scale) });
  const seedSeconds = (Date.now() - seedStart) / 1000;
  await bench.setup();
  process.stderr.write('syncing…\n');
  const startService = () => bench.startService({ CONNECTORS_POLL_INTERVAL: '1' });
  const service = startService();
  let job: SyncJobDoc | undefined;
  let peak = 0;
  let shown = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    if (service.pid) peak = Math.max(peak, peakRssMiB(service.pid));
    const res = await es.search<SyncJobDoc>({ index: JOBS_ALIAS, query: { term: { 'connector.id': connectorId } }, size: 1 }).catch(() => undefined);
    job = res?.hits.hits[0]?._source;
    if (job && ['completed', 'error', 'canceled'].includes(job.status)) break;
    if (job?.status === 'in_progress' && job.indexed_document_count !== shown) {
      shown = job.indexed_document_count;
      process.stderr.write(`  ${shown} / ${expected} documents (the job reports every 10 s)\n`);
    }
  }
  if (job.status !== 'completed') throw new Error(`sync ended ${job.status}: ${job.error}`);
  const seconds = (Date.parse(job.completed_at!) - Date.parse(job.started_at!)) / 1000;
  const stats = await es.indices.stats({ index: connectorId, metric: 'store' });
  const storeMiB = (stats._all.primaries?.store?.size_in_bytes ?? 0) / 1_048_576;
  const rowsPerSecond = job.indexed_document_count / seconds;
  process.stderr.write('measuring what Elasticsearch alone ingests (the official bulk helper, same documents, same mappings)…\n');
  const ceiling = await bulkCeiling(es, connectorId);

  const db = new pg.Client({ connectionString: bench.url });
  await db.connect();
  let latency;
  let onePercent;
  try {
    const changes = Number(process.env.BENCH_CHANGES ?? 240);
    process.stderr.write(`incremental: ${changes} product edits, 4 a second, each timed from COMMIT to a search finding it…\n`);
    latency = await commitToSearchable(es, db, connectorId, connectorId, { changes, perSecond: 4, suffix });
    process.stderr.write('incremental: service stopped, 1 % of the rows edited, service started again…\n');
    await bench.stopService();
    const rows = Math.max(1, Math.round(expected / 100));
    const marker = await changeRows(db, rows, suffix);
    startService();
    onePercent = await catchUp(es, connectorId, connectorId, marker, rows, seconds);
  } finally {
    await db.end();
  }
  return {
    rows: job.indexed_document_count,
    expected_rows: expected,
    sync_seconds: Number(seconds.toFixed(2)),
    rows_per_second: Math.round(rowsPerSecond),
    index_store_mib: Number(storeMiB.toFixed(1)),
    service_peak_rss_mib: Math.round(peak),
    seed_copy_rows_per_second: Math.round(expected / seedSeconds),
    ratio_sync_to_copy_throughput: Number((rowsPerSecond / (expected / seedSeconds)).toFixed(3)),
    ratio_rss_to_index_size: Number((peak / Math.max(storeMiB, 0.001)).toFixed(2)),
    es_bulk_helper_docs_per_second: Math.round(ceiling),
    ratio_sync_to_es_bulk_helper: Number((rowsPerSecond / ceiling).toFixed(3)),
    incremental_commit_to_searchable: latency,
    incremental_after_one_percent: onePercent,
  };
});
