// `make bench-live`: the quickstart's incremental defaults under the seed's
// live-changes mode for BENCH_LIVE_SECONDS (default 600): how many sync job
// documents that writes, and whether the index still equals the source after.
// Prints figures; asserts nothing.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { TABLES } from '@pg-es-connectors/seed/dataset';
import { JOBS_ALIAS } from '../src/protocol/indices.js';
import type { SyncJobDoc } from '../src/protocol/types.js';
import { deleteConnectors } from '../test/helpers/connector-docs.js';
import { indexVersusSource } from '../test/helpers/index-equality.js';
import { exitOk, runScript } from '../test/helpers/package-script.js';
import { REPO_ROOT, serviceSettings } from '../test/helpers/services.js';

const seconds = Number(process.env.BENCH_LIVE_SECONDS ?? 600);
const perSecond = Number(process.env.SEED_CHANGES_PER_SECOND ?? 2);
const s = serviceSettings();
const suffix = randomBytes(3).toString('hex');
const database = `live_${suffix}`;
const role = `live_reader_${suffix}`;
const connectorId = `live-${suffix}`;
const base = { ELASTICSEARCH_URL: s.elasticsearchUrl, LOG_LEVEL: 'warn' };
const run = (workspace: string, script: string, env: Record<string, string>, args: string[] = []) =>
  runScript(workspace, script, { ...base, ...env }, { inheritStderr: true }, args);

async function jobs(es: Client): Promise<SyncJobDoc[]> {
  await es.indices.refresh({ index: JOBS_ALIAS });
  const res = await es.search<SyncJobDoc>({ index: JOBS_ALIAS, query: { term: { 'connector.id': connectorId } }, size: 10_000 });
  return res.hits.hits.map((h) => h._source!);
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
    const seedEnv = { DATABASE_URL: url.toString(), SEED_SCALE: '1', SEED_CONNECTOR_ROLE: role, SEED_CONNECTOR_PASSWORD: 'live-pw' };
    await exitOk(run('seed', 'start', seedEnv), 'seed');
    const granted = spawnSync(path.join(REPO_ROOT, 'scripts/services.sh'), ['grant-replication', role], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (granted.status !== 0) throw new Error('could not grant REPLICATION');
    const envFile = path.join(mkdtempSync(path.join(tmpdir(), 'live-')), 'connector.env');
    const values = { host: s.pg.host, port: s.pg.port, username: role, password: 'live-pw', database, schema: 'public', tables: TABLES.join(',') };
    await exitOk(
      run('services/connectors', 'setup', {
        CONNECTOR_ID: connectorId,
        CONNECTOR_INDEX_NAME: connectorId,
        CONNECTOR_PG_HOST: s.pg.host,
        CONNECTOR_PG_PORT: String(s.pg.port),
        CONNECTOR_PG_USERNAME: role,
        CONNECTOR_PG_PASSWORD: 'live-pw',
        CONNECTOR_PG_DATABASE: database,
        CONNECTOR_PG_TABLES: TABLES.join(','),
        SETUP_OUTPUT_FILE: envFile,
      }),
      'setup',
    );
    // The shipped defaults: no CONNECTORS_* overrides but the env file.
    service = run('services/connectors', 'start', { CONNECTORS_ENV_FILE: envFile, HTTP_PORT: '0' });
    for (;;) {
      const all = await jobs(es).catch(() => []);
      if (all.some((j) => j.job_type === 'full' && j.status === 'completed')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const before = (await jobs(es)).length;
    process.stderr.write(`live changes: ${perSecond} a second for ${seconds} s…\n`);
    await exitOk(run('seed', 'start', { ...seedEnv, SEED_CHANGES_PER_SECOND: String(perSecond), SEED_CHANGES_SECONDS: String(seconds) }, ['changes']), 'seed changes');
    const during = (await jobs(es)).length - before;
    // Let the last job apply the final deletes, then compare.
    let differences: string[] = [];
    for (let i = 0; i < 60; i++) {
      differences = await indexVersusSource(es, connectorId, values);
      if (differences.length === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const all = await jobs(es);
    const incremental = all.filter((j) => j.job_type === 'incremental');
    console.log(
      JSON.stringify(
        {
          seconds,
          changes_per_second: perSecond,
          job_documents_written: during,
          job_documents_per_minute: Number((during / (seconds / 60)).toFixed(2)),
          incremental_jobs: { completed: incremental.filter((j) => j.status === 'completed').length, other: incremental.filter((j) => j.status !== 'completed').map((j) => j.status) },
          index_equals_source: differences.length === 0,
          differences: differences.slice(0, 10),
        },
        null,
        2,
      ),
    );
  } finally {
    if (service) {
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
    }
    await es.indices.delete({ index: connectorId, ignore_unavailable: true }).catch(() => undefined);
    await deleteConnectors(es, [connectorId]).catch(() => undefined);
    await es.close();
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
