// `make bench`: full syncs through the real service process at two sizes of
// the seeded store (BENCH_SCALES, default 10 and 200: 110 k and 2.2 M rows,
// the largest table 1 M rows) and a narrow table (BENCH_NARROW_ROWS, 1 M),
// each against the ceiling Elasticsearch reaches on the same documents; then
// the incremental figures on the small store. Prints figures and ratios,
// writes bench/results/<time>.json and .png; asserts nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { rowCounts } from '@pg-es-connectors/seed/dataset';
import { IndexProtocolStore } from '../src/protocol/index-store.js';
import type { SyncJobDoc } from '../src/protocol/types.js';
import { ceiling, settle, type CeilingFigures } from './ceiling.js';
import { sleep } from '../src/util/sleep.js';
import { writeChart, type Sample } from './chart.js';
import { catchUp, changeRows, commitToSearchable } from './incremental.js';
import { cpuSeconds, nativeServicePids, peakRssMiB, pin, rssMiB, treeCpuSeconds } from './proc.js';
import { openWorkbench, type Workbench } from './workbench.js';

// Empty: no store at all (the narrow table alone).
const SCALES = (process.env.BENCH_SCALES ?? '10,200').split(',').filter((s) => s.trim() !== '').map(Number);
const NARROW_ROWS = Number(process.env.BENCH_NARROW_ROWS ?? 1_000_000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
/**
 * BENCH_DEDICATED_ES=1: Elasticsearch on a core of its own, everything else
 * (PostgreSQL, the service, the ceiling's loader) on the others, for the sync
 * and the ceiling alike: the deployment where the service is judged by how
 * busy it keeps Elasticsearch, not by the cores it takes from it.
 */
const DEDICATED = process.env.BENCH_DEDICATED_ES === '1';
const CPUS = availableParallelism();
const PINNING = { elasticsearch: String(CPUS - 1), others: CPUS > 2 ? `0-${CPUS - 2}` : '0' };
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

const log = (line: string) => process.stderr.write(`${line}\n`);
/** What the service gets from `make bench`'s environment: its tuning knobs and Node's flags (profiling). */
const SERVICE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CONNECTORS_') || k === 'NODE_OPTIONS')) as Record<string, string>;

interface SyncFigures {
  dataset: string;
  rows: number;
  sync_seconds: number;
  docs_per_second: number;
  mb_per_second: number;
  ceiling: CeilingFigures;
  ratio_to_ceiling: number;
  /**
   * What the ratio can reach when the machine's cores are the limit: the
   * ceiling gives Elasticsearch all of them, a sync shares them with the
   * service and PostgreSQL. Elasticsearch's share of the sync's CPU seconds.
   */
  cpu_bound_ratio: number;
  /** CPU seconds of the three over the sync's wall time, in cores: near the machine's count means CPU-bound. */
  cores_busy: number;
  /**
   * Elasticsearch's CPU seconds over the sync's wall time. Near 1 with it on a
   * core of its own (BENCH_DEDICATED_ES=1) means the sync never kept it waiting.
   */
  elasticsearch_cores_busy: number;
  service_peak_rss_mib: number;
  service_idle_rss_mib_before: number;
  service_idle_rss_mib_after: number;
  service_cpu_seconds_per_100k_docs: number;
  elasticsearch_cpu_seconds: number;
  postgresql_cpu_seconds: number;
  service_cpu_seconds: number;
}

const terminal = (j?: SyncJobDoc) => !!j && ['completed', 'error', 'canceled'].includes(j.status);

/** Runs one full sync of the bench's connector, sampling the service and the index. */
async function measureSync(bench: Workbench, dataset: string, service: ChildProcess): Promise<{ figures: Omit<SyncFigures, 'ceiling' | 'ratio_to_ceiling' | 'mb_per_second'>; samples: Sample[] }> {
  const { es, connectorId } = bench;
  const pid = service.pid!;
  const natives = nativeServicePids();
  await sleep(IDLE_SECONDS * 1000);
  await settle(es);
  const idleBefore = rssMiB(pid);
  const store = new IndexProtocolStore(es);
  const cpu0 = { svc: cpuSeconds(pid), es: natives ? cpuSeconds(natives.elasticsearch) : 0, pg: natives ? treeCpuSeconds(natives.postgres) : 0 };
  const jobId = await store.createJob(connectorId, 'full', 'on_demand');
  const started = performance.now();
  const samples: Sample[] = [];
  let lastCount = 0;
  let lastT = 0;
  let job: SyncJobDoc | undefined;
  while (!terminal(job)) {
    await sleep(500);
    const t = (performance.now() - started) / 1000;
    const stats = await es.indices.stats({ index: connectorId, metric: 'indexing' }).catch(() => undefined);
    const count = stats?._all.primaries?.indexing?.index_total ?? lastCount;
    samples.push({ dataset, t: Number(t.toFixed(1)), docs_per_second: Math.round((count - lastCount) / (t - lastT)), rss_mib: Math.round(rssMiB(pid)) });
    [lastCount, lastT] = [count, t];
    job = (await store.getJob(jobId))?.doc;
  }
  const cpu1 = { svc: cpuSeconds(pid), es: natives ? cpuSeconds(natives.elasticsearch) : 0, pg: natives ? treeCpuSeconds(natives.postgres) : 0 };
  if (job?.status !== 'completed') throw new Error(`the ${dataset} sync ended ${job?.status}: ${job?.error}`);
  await sleep(IDLE_SECONDS * 1000);
  const seconds = (Date.parse(job.completed_at!) - Date.parse(job.started_at!)) / 1000;
  const rows = job.indexed_document_count;
  log(`  ${dataset}: ${rows} documents in ${seconds.toFixed(1)} s`);
  return {
    samples,
    figures: {
      dataset,
      rows,
      sync_seconds: Number(seconds.toFixed(2)),
      docs_per_second: Math.round(rows / seconds),
      service_peak_rss_mib: Math.round(peakRssMiB(pid)),
      service_idle_rss_mib_before: Math.round(idleBefore),
      service_idle_rss_mib_after: Math.round(rssMiB(pid)),
      service_cpu_seconds: Number((cpu1.svc - cpu0.svc).toFixed(1)),
      service_cpu_seconds_per_100k_docs: Number((((cpu1.svc - cpu0.svc) / rows) * 100_000).toFixed(2)),
      elasticsearch_cpu_seconds: Number((cpu1.es - cpu0.es).toFixed(1)),
      postgresql_cpu_seconds: Number((cpu1.pg - cpu0.pg).toFixed(1)),
      cpu_bound_ratio: Number(((cpu1.es - cpu0.es) / (cpu1.es - cpu0.es + cpu1.svc - cpu0.svc + cpu1.pg - cpu0.pg)).toFixed(3)),
      cores_busy: Number(((cpu1.es - cpu0.es + cpu1.svc - cpu0.svc + cpu1.pg - cpu0.pg) / seconds).toFixed(2)),
      elasticsearch_cores_busy: Number(((cpu1.es - cpu0.es) / seconds).toFixed(2)),
    },
  };
}

/** Seeds (or builds) one dataset, syncs it, measures the ceiling on what it wrote. */
async function dataset(
  name: string,
  prepare: (bench: Workbench) => Promise<Record<string, string>>,
  after?: (bench: Workbench, figures: SyncFigures) => Promise<object>,
): Promise<{ figures: SyncFigures & { extra?: object }; samples: Sample[] }> {
  const bench = await openWorkbench('bench');
  try {
    const setupEnv = await prepare(bench);
    await bench.setup({ SETUP_FIRST_SYNC: 'false', CONNECTOR_INCREMENTAL_SCHEDULE: 'off', ...setupEnv });
    log(`${name}: syncing…`);
    const service = bench.startService({ CONNECTORS_POLL_INTERVAL: '1', ...SERVICE_ENV });
    if (DEDICATED) dedicateCore(service.pid!);
    const { figures, samples } = await measureSync(bench, name, service);
    log(`${name}: the ceiling, on the same documents…`);
    const natives = nativeServicePids();
    const top = await ceiling(bench.es, bench.connectorId, log, natives ? () => cpuSeconds(natives.elasticsearch) : undefined);
    const full: SyncFigures & { extra?: object } = {
      ...figures,
      // The JSON bytes of the documents, the same for both: the ceiling loads what the sync wrote.
      mb_per_second: Number((top.bytes / 1_000_000 / figures.sync_seconds).toFixed(1)),
      ceiling: top,
      ratio_to_ceiling: Number((figures.docs_per_second / top.docs_per_second).toFixed(3)),
    };
    if (after) full.extra = await after(bench, full);
    return { figures: full, samples };
  } finally {
    if (DEDICATED) releaseCores();
    await bench.cleanup();
  }
}

/** See DEDICATED. The bench process pins itself too: it runs the ceiling's loader. */
function dedicateCore(servicePid: number): void {
  const natives = nativeServicePids();
  if (!natives) throw new Error('BENCH_DEDICATED_ES=1 needs the native services of `make services-up` (their pids)');
  if (CPUS < 2) throw new Error('BENCH_DEDICATED_ES=1 needs at least 2 cores');
  pin(natives.elasticsearch, PINNING.elasticsearch);
  pin(natives.postgres, PINNING.others, true);
  pin(servicePid, PINNING.others);
  pin(process.pid, PINNING.others);
}

function releaseCores(): void {
  const all = `0-${CPUS - 1}`;
  const natives = nativeServicePids();
  if (natives) {
    pin(natives.elasticsearch, all);
    pin(natives.postgres, all, true);
  }
  pin(process.pid, all);
}

/** The quickstart's incremental defaults on the synced small store: latency and a 1 % catch-up. */
async function incremental(bench: Workbench, full: SyncFigures): Promise<object> {
  const { es, connectorId, suffix } = bench;
  const store = new IndexProtocolStore(es);
  const doc = (await store.getConnector(connectorId))!.doc;
  await store.updateConnector(connectorId, { scheduling: { ...doc.scheduling, incremental: { enabled: true, interval: '0/5 * * * * ?' } } });
  // The first incremental job starts the change-capture chain (a full read); latency is measured after it.
  log('incremental: waiting for the change-capture chain to start…');
  for (let chained = false; !chained; await sleep(500)) chained = !!(await store.getConnector(connectorId))?.doc.sync_cursor;
  await sleep(6000);
  const db = new pg.Client({ connectionString: bench.url });
  await db.connect();
  try {
    const changes = Number(process.env.BENCH_CHANGES ?? 240);
    log(`incremental: ${changes} product edits, 4 a second, each timed from COMMIT to a search finding it…`);
    const latency = await commitToSearchable(es, db, connectorId, connectorId, { changes, perSecond: 4, suffix });
    log('incremental: service stopped, 1 % of the rows edited, service started again…');
    await bench.stopService();
    const rows = Math.max(1, Math.round(full.rows / 100));
    const marker = await changeRows(db, rows, suffix);
    bench.startService({ CONNECTORS_POLL_INTERVAL: '1', ...SERVICE_ENV });
    const onePercent = await catchUp(es, connectorId, connectorId, marker, rows, full.sync_seconds);
    return { commit_to_searchable: latency, after_one_percent: onePercent };
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const runs: Awaited<ReturnType<typeof dataset>>[] = [];
  for (const [i, scale] of SCALES.entries()) {
    const rows = Object.values(rowCounts(scale)).reduce((a, b) => a + b, 0);
    const name = `store ×${scale} (${rows} rows)`;
    runs.push(
      await dataset(
        name,
        async (bench) => {
          log(`${name}: seeding…`);
          await bench.seed({ SEED_SCALE: String(scale) });
          return {};
        },
        i === 0 ? incremental : undefined,
      ),
    );
  }
  if (NARROW_ROWS > 0) {
    const name = `narrow table (${NARROW_ROWS} rows)`;
    runs.push(
      await dataset(name, async (bench) => {
        log(`${name}: building…`);
        await bench.seed({ SEED_SCALE: '0.01' });
        const db = new pg.Client({ connectionString: bench.url });
        await db.connect();
        await db.query(`CREATE TABLE narrow (id bigint PRIMARY KEY, n integer NOT NULL, label text NOT NULL)`);
        await db.query(`INSERT INTO narrow SELECT g, g % 1000, 'row ' || g FROM generate_series(1, $1::bigint) g`, [NARROW_ROWS]);
        await db.query('ANALYZE narrow');
        await db.end();
        return { CONNECTOR_PG_TABLES: 'narrow' };
      }),
    );
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(RESULTS, { recursive: true });
  const result = { at: new Date().toISOString(), node: process.version, cpus: CPUS, ...(DEDICATED ? { pinning: PINNING } : {}), runs: runs.map((r) => r.figures) };
  writeFileSync(path.join(RESULTS, `${stamp}.json`), `${JSON.stringify({ ...result, samples: runs.flatMap((r) => r.samples) }, null, 2)}\n`);
  await writeChart(path.join(RESULTS, `${stamp}.png`), runs.flatMap((r) => r.samples), `${result.at}, Node ${process.version}`);
  console.log(JSON.stringify(result, null, 2));
  log(`\nresults: bench/results/${stamp}.json and .png`);
  if (DEDICATED) log(`Elasticsearch on CPU ${PINNING.elasticsearch} alone; PostgreSQL, the service and the ceiling's loader on CPU ${PINNING.others}`);
  for (const r of result.runs) {
    log(
      `${r.dataset}: ${r.docs_per_second} docs/s (${r.mb_per_second} MB/s) = ${r.ratio_to_ceiling} × ceiling ${r.ceiling.docs_per_second} ` +
        `(${r.cpu_bound_ratio} when CPU-bound; ${r.cores_busy} cores busy, ${r.elasticsearch_cores_busy} of them Elasticsearch's); ` +
        `RSS peak ${r.service_peak_rss_mib} MiB, idle ${r.service_idle_rss_mib_before}/${r.service_idle_rss_mib_after} MiB; ` +
        `CPU ${r.service_cpu_seconds_per_100k_docs} s per 100 k docs (ES ${r.elasticsearch_cpu_seconds} s, PostgreSQL ${r.postgresql_cpu_seconds} s)`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
