// `make bench`: a full sync of the seeded store through the real service
// process, against the native (or any) Elasticsearch and PostgreSQL.
// Prints rows/s, MB/s, the service's peak RSS and ratios; asserts nothing.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { rowCounts, TABLES } from '@pg-es-connectors/seed/dataset';
import { JOBS_ALIAS } from '../src/protocol/indices.js';
import type { SyncJobDoc } from '../src/protocol/types.js';
import { deleteConnectors } from '../test/helpers/connector-docs.js';
import { exitOk, runScript } from '../test/helpers/package-script.js';
import { REPO_ROOT, serviceSettings } from '../test/helpers/services.js';
import { catchUp, changeRows, commitToSearchable } from './incremental.js';
import { spawnSync } from 'node:child_process';

const scale = Number(process.env.BENCH_SCALE ?? 20);
const s = serviceSettings();
const suffix = randomBytes(3).toString('hex');
const database = `bench_${suffix}`;
const role = `bench_reader_${suffix}`;
const connectorId = `bench-${suffix}`;

const base = { ELASTICSEARCH_URL: s.elasticsearchUrl, LOG_LEVEL: 'warn' };
const run = (workspace: string, script: string, env: Record<string, string>) =>
  runScript(workspace, script, { ...base, ...env }, { inheritStderr: true });

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

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: s.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(s.databaseUrl);
  url.pathname = `/${database}`;
  const es = new Client({ node: s.elasticsearchUrl });
  let service: ChildProcess | undefined;
  try {
    const expected = Object.values(rowCounts(scale)).reduce((a, b) => a + b, 0);
    process.stderr.write(`seeding ${expected} rows (SEED_SCALE=${scale})…\n`);
    const seedStart = Date.now();
    await exitOk(run('seed', 'start', { DATABASE_URL: url.toString(), SEED_SCALE: String(scale), SEED_CONNECTOR_ROLE: role, SEED_CONNECTOR_PASSWORD: 'bench-pw' }), 'seed');
    const seedSeconds = (Date.now() - seedStart) / 1000;
    // PostgreSQL 15 lets only a superuser grant REPLICATION (the seed ran as the application role).
    const granted = spawnSync(path.join(REPO_ROOT, 'scripts/services.sh'), ['grant-replication', role], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (granted.status !== 0) throw new Error('could not grant REPLICATION to the bench role (scripts/services.sh grant-replication)');

    const envFile = path.join(mkdtempSync(path.join(tmpdir(), 'bench-')), 'connector.env');
    await exitOk(
      run('services/connectors', 'setup', {
        CONNECTOR_ID: connectorId,
        CONNECTOR_INDEX_NAME: connectorId,
        CONNECTOR_PG_HOST: s.pg.host,
        CONNECTOR_PG_PORT: String(s.pg.port),
        CONNECTOR_PG_USERNAME: role,
        CONNECTOR_PG_PASSWORD: 'bench-pw',
        CONNECTOR_PG_DATABASE: database,
        CONNECTOR_PG_TABLES: TABLES.join(','),
        SETUP_OUTPUT_FILE: envFile,
      }),
      'setup',
    );
    process.stderr.write('syncing…\n');
    const startService = () => run('services/connectors', 'start', { CONNECTORS_ENV_FILE: envFile, CONNECTORS_POLL_INTERVAL: '1', HTTP_PORT: '0' });
    service = startService();
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

    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    let latency;
    let onePercent;
    try {
      const changes = Number(process.env.BENCH_CHANGES ?? 240);
      process.stderr.write(`incremental: ${changes} product edits, 4 a second, each timed from COMMIT to a search finding it…\n`);
      latency = await commitToSearchable(es, db, connectorId, connectorId, { changes, perSecond: 4, suffix });
      process.stderr.write('incremental: service stopped, 1 % of the rows edited, service started again…\n');
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
      const rows = Math.max(1, Math.round(expected / 100));
      const marker = await changeRows(db, rows, suffix);
      service = startService();
      onePercent = await catchUp(es, connectorId, connectorId, marker, rows, seconds);
    } finally {
      await db.end();
    }
    const figures = {
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
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    if (service) {
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
    }
    await es.indices.delete({ index: connectorId, ignore_unavailable: true }).catch(() => undefined);
    // Its connector and job documents go too: a benchmark leaves nothing behind.
    await deleteConnectors(es, [connectorId]).catch(() => undefined);
    await es.close();
    // A database with replication slots cannot be dropped: the chain's slot goes first.
    await admin.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`, [database]).catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
