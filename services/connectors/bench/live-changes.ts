// `make bench-live`: the quickstart's incremental defaults under the seed's
// live-changes mode for BENCH_LIVE_SECONDS (default 600): how many sync job
// documents that writes, and whether the index still equals the source after.
// Prints figures; asserts nothing.
import type { Client } from '@elastic/elasticsearch';
import { JOBS_ALIAS } from '../src/protocol/indices.js';
import type { SyncJobDoc } from '../src/protocol/types.js';
import { sleep } from '../src/util/sleep.js';
import { indexVersusSource } from '../test/helpers/index-equality.js';
import { runBench } from './workbench.js';

const seconds = Number(process.env.BENCH_LIVE_SECONDS ?? 600);
const perSecond = Number(process.env.SEED_CHANGES_PER_SECOND ?? 2);

async function jobs(es: Client, connectorId: string): Promise<SyncJobDoc[]> {
  await es.indices.refresh({ index: JOBS_ALIAS });
  const res = await es.search<SyncJobDoc>({ index: JOBS_ALIAS, query: { term: { 'connector.id': connectorId } }, size: 10_000 });
  return res.hits.hits.map((h) => h._source!);
}

runBench('live', async (bench) => {
  const { es, connectorId } = bench;
  await bench.seed({ SEED_SCALE: '1' });
  await bench.setup();
  // The shipped defaults: no CONNECTORS_* overrides but the env file.
  bench.startService();
  while (!(await jobs(es, connectorId).catch(() => [])).some((j) => j.job_type === 'full' && j.status === 'completed')) {
    await sleep(1000);
  }
  const before = (await jobs(es, connectorId)).length;
  process.stderr.write(`live changes: ${perSecond} a second for ${seconds} s…\n`);
  await bench.seed({ SEED_CHANGES_PER_SECOND: String(perSecond), SEED_CHANGES_SECONDS: String(seconds) }, ['changes']);
  const during = (await jobs(es, connectorId)).length - before;
  // Let the last job apply the final deletes, then compare.
  let differences: string[] = [];
  for (let i = 0; i < 60; i++) {
    differences = await indexVersusSource(es, connectorId, bench.values);
    if (differences.length === 0) break;
    await sleep(1000);
  }
  const incremental = (await jobs(es, connectorId)).filter((j) => j.job_type === 'incremental');
  return {
    seconds,
    changes_per_second: perSecond,
    job_documents_written: during,
    job_documents_per_minute: Number((during / (seconds / 60)).toFixed(2)),
    incremental_jobs: { completed: incremental.filter((j) => j.status === 'completed').length, other: incremental.filter((j) => j.status !== 'completed').map((j) => j.status) },
    index_equals_source: differences.length === 0,
    differences: differences.slice(0, 10),
  };
});
