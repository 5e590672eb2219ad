// What every `make bench*` scenario shares: a throwaway database seeded as the
// quickstart does, the connector registered by `connectors setup`, the service
// started from its package script, and a cleanup that leaves nothing behind.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { TABLES } from '@pg-es-connectors/seed/dataset';
import { deleteConnectors } from '../test/helpers/connector-docs.js';
import { exitOk, runScript } from '../test/helpers/package-script.js';
import { REPO_ROOT, serviceSettings } from '../test/helpers/services.js';

const PASSWORD = 'bench-pw';
/** BENCH_SERVICE_LOG=<file>: the service logs at debug level into it, to see where a sync's time goes (it costs CPU). */
const SERVICE_LOG = process.env.BENCH_SERVICE_LOG;

export interface Workbench {
  suffix: string;
  database: string;
  connectorId: string;
  es: Client;
  /** Connection URL of the bench database (as the application role). */
  url: string;
  /** Connector configuration values, for comparing the index with the source. */
  values: Record<string, unknown>;
  seed(env?: Record<string, string>, args?: string[]): Promise<void>;
  /** `connectors setup` for the bench database; `env` overrides its settings (tables, schedules…). */
  setup(env?: Record<string, string>): Promise<void>;
  startService(env?: Record<string, string>): ChildProcess;
  stopService(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function openWorkbench(prefix: string): Promise<Workbench> {
  const s = serviceSettings();
  const suffix = randomBytes(3).toString('hex');
  const database = `${prefix}_${suffix}`;
  const role = `${prefix}_reader_${suffix}`;
  const connectorId = `${prefix}-${suffix}`;
  const base = { ELASTICSEARCH_URL: s.elasticsearchUrl, LOG_LEVEL: 'warn' };
  const run = (workspace: string, script: string, env: Record<string, string>, args: string[] = []) =>
    runScript(workspace, script, { ...base, ...env }, { inheritStderr: true }, args);
  const admin = new pg.Client({ connectionString: s.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(s.databaseUrl);
  url.pathname = `/${database}`;
  const envFile = path.join(mkdtempSync(path.join(tmpdir(), `${prefix}-`)), 'connector.env');
  const es = new Client({ node: s.elasticsearchUrl });
  let service: ChildProcess | undefined;

  const bench: Workbench = {
    suffix,
    database,
    connectorId,
    es,
    url: url.toString(),
    values: { host: s.pg.host, port: s.pg.port, username: role, password: PASSWORD, database, schema: 'public', tables: TABLES.join(',') },
    async seed(env = {}, args = []) {
      await exitOk(run('seed', 'start', { DATABASE_URL: url.toString(), SEED_CONNECTOR_ROLE: role, SEED_CONNECTOR_PASSWORD: PASSWORD, ...env }, args), 'seed');
      if (args.length) return;
      // PostgreSQL 15 lets only a superuser grant REPLICATION (the seed ran as the application role).
      const granted = spawnSync(path.join(REPO_ROOT, 'scripts/services.sh'), ['grant-replication', role], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (granted.status !== 0) throw new Error('could not grant REPLICATION to the bench role (scripts/services.sh grant-replication)');
    },
    async setup(env = {}) {
      await exitOk(
        run('services/connectors', 'setup', {
          CONNECTOR_ID: connectorId,
          CONNECTOR_INDEX_NAME: connectorId,
          CONNECTOR_PG_HOST: s.pg.host,
          CONNECTOR_PG_PORT: String(s.pg.port),
          CONNECTOR_PG_USERNAME: role,
          CONNECTOR_PG_PASSWORD: PASSWORD,
          CONNECTOR_PG_DATABASE: database,
          CONNECTOR_PG_TABLES: TABLES.join(','),
          SETUP_OUTPUT_FILE: envFile,
          ...env,
        }),
        'setup',
      );
    },
    startService(env = {}) {
      const vars = { CONNECTORS_ENV_FILE: envFile, HTTP_PORT: '0', ...(SERVICE_LOG ? { LOG_LEVEL: 'debug' } : {}), ...env };
      service = SERVICE_LOG
        ? runScript('services/connectors', 'start', { ...base, ...vars }, { onLine: (line) => appendFileSync(SERVICE_LOG, `${line}\n`) })
        : run('services/connectors', 'start', vars);
      return service;
    },
    async stopService() {
      const running = service;
      service = undefined;
      if (!running || running.exitCode !== null) return;
      running.kill('SIGTERM');
      await new Promise((r) => running.once('exit', r));
    },
    async cleanup() {
      await bench.stopService();
      await es.indices.delete({ index: connectorId, ignore_unavailable: true }).catch(() => undefined);
      // Its connector and job documents go too: a benchmark leaves nothing behind.
      await deleteConnectors(es, [connectorId]).catch(() => undefined);
      await es.close();
      // A database with replication slots cannot be dropped: the chain's slot goes first.
      await admin.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`, [database]).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    },
  };
  return bench;
}

/** A bench script: a workbench for `measure`, its figures printed as JSON, everything removed after. */
export function runBench(prefix: string, measure: (bench: Workbench) => Promise<object>): void {
  const main = async () => {
    const bench = await openWorkbench(prefix);
    try {
      console.log(JSON.stringify(await measure(bench), null, 2));
    } finally {
      await bench.cleanup();
    }
  };
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
