import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { TABLES } from '@pg-es-connectors/seed/dataset';
import { exitOk, runScript } from '../helpers/package-script.js';
import { REPO_ROOT, serviceSettings } from '../helpers/services.js';
import { ComposeProject } from './compose.js';

/** What the e2e assertions need, wherever the stack runs. */
export interface QuickstartStack {
  kind: 'docker' | 'native';
  elasticsearchUrl: string;
  /** Basic-auth credentials for Elasticsearch, when it is secured. */
  auth?: { username: string; password: string };
  kibanaUrl?: string;
  /** Admin connection to the seeded database. */
  databaseUrl: string;
  connectorId: string;
  indexName: string;
  seedScale: number;
  dataViewId?: string;
  /** The connector service's health URL. */
  healthUrl: string;
  stop(): Promise<void>;
  /** Recent output of every part, for a failure message. */
  logs(): Promise<string>;
}

export function startStack(kind: QuickstartStack['kind']): Promise<QuickstartStack> {
  return kind === 'docker' ? startCompose(new ComposeProject(undefined, { SEED_SCALE: '0.5', CONNECTORS_POLL_INTERVAL: '2' })) : startNative();
}

function keep(output: string[]) {
  return (line: string) => {
    output.push(line);
    if (output.length > 400) output.splice(0, output.length - 400);
  };
}

/**
 * The native quickstart (what `make demo` does) on an isolated database,
 * connector and index: seed, setup, then the service.
 */
export async function startNative(): Promise<QuickstartStack> {
  const s = serviceSettings();
  const suffix = randomBytes(3).toString('hex');
  const database = `e2e_${suffix}`;
  const role = `e2e_reader_${suffix}`;
  const connectorId = `e2e-${suffix}`;
  const indexName = `e2e-${suffix}`;
  const seedScale = 0.5;
  const admin = new pg.Client({ connectionString: s.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const dbUrl = new URL(s.databaseUrl);
  dbUrl.pathname = `/${database}`;
  const output: string[] = [];
  const common = { ELASTICSEARCH_URL: s.elasticsearchUrl, LOG_LEVEL: 'info' };

  const tail = () => output.slice(-30).join('\n');
  await exitOk(
    runScript('seed', 'start', { ...common, DATABASE_URL: dbUrl.toString(), SEED_SCALE: String(seedScale), SEED_CONNECTOR_ROLE: role, SEED_CONNECTOR_PASSWORD: 'e2e-reader-pw' }, { onLine: keep(output) }),
    'seed',
    tail,
  );
  // As `make demo`: on PostgreSQL 15 only the superuser may let the role stream changes.
  const granted = spawnSync(path.join(REPO_ROOT, 'scripts/services.sh'), ['grant-replication', role], { encoding: 'utf8' });
  if (granted.status !== 0) throw new Error(`grant-replication failed: ${granted.stderr}`);
  const envFile = path.join(mkdtempSync(path.join(tmpdir(), 'e2e-')), 'connector.env');
  await exitOk(
    runScript(
      'services/connectors',
      'setup',
      {
        ...common,
        CONNECTOR_ID: connectorId,
        CONNECTOR_INDEX_NAME: indexName,
        CONNECTOR_PG_HOST: s.pg.host,
        CONNECTOR_PG_PORT: String(s.pg.port),
        CONNECTOR_PG_USERNAME: role,
        CONNECTOR_PG_PASSWORD: 'e2e-reader-pw',
        CONNECTOR_PG_DATABASE: database,
        CONNECTOR_PG_SCHEMA: 'public',
        CONNECTOR_PG_TABLES: TABLES.join(','),
        SETUP_OUTPUT_FILE: envFile,
      },
      { onLine: keep(output) },
    ),
    'setup',
    tail,
  );
  const port = 18000 + Math.floor(Math.random() * 2000);
  const service = runScript(
    'services/connectors',
    'start',
    { ...common, CONNECTORS_ENV_FILE: envFile, CONNECTORS_POLL_INTERVAL: '1', HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' },
    { onLine: keep(output) },
  );
  return {
    kind: 'native',
    elasticsearchUrl: s.elasticsearchUrl,
    databaseUrl: dbUrl.toString(),
    connectorId,
    indexName,
    seedScale,
    healthUrl: `http://127.0.0.1:${port}/health`,
    async stop() {
      if (service.exitCode === null) {
        service.kill('SIGTERM');
        await new Promise((r) => service.once('exit', r));
      }
      const c = new pg.Client({ connectionString: s.databaseUrl });
      await c.connect();
      // A database with replication slots cannot be dropped: the chain's slot goes first.
      await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active', [database]);
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
      await c.end();
    },
    async logs() {
      return output.slice(-60).join('\n');
    },
  };
}

/** The compose stack under a unique project name, torn down on failure. */
export async function startCompose(project = new ComposeProject(), extraFiles: string[] = []): Promise<QuickstartStack & { project: ComposeProject }> {
  const esUrl = `http://127.0.0.1:${project.ports.ES_PORT}`;
  const stack = {
    kind: 'docker' as const,
    project,
    elasticsearchUrl: esUrl,
    databaseUrl: `postgres://postgres:${process.env.POSTGRES_PASSWORD ?? 'postgresdemo'}@127.0.0.1:${project.ports.POSTGRES_PORT}/${process.env.POSTGRES_DB ?? 'demo'}`,
    connectorId: process.env.CONNECTOR_ID ?? 'postgres-demo',
    indexName: process.env.CONNECTOR_INDEX_NAME ?? 'postgres-demo',
    seedScale: Number(project.vars.SEED_SCALE ?? 1),
    healthUrl: `http://127.0.0.1:${project.ports.CONNECTORS_HTTP_PORT}/health`,
    stop: () => project.down().catch(() => undefined),
    logs: () => project.logs(),
  } satisfies QuickstartStack & { project: ComposeProject };
  try {
    await project.compose(['up', '--wait', '--wait-timeout', '900'], extraFiles);
    // What `--wait` promised, checked container by container through the engine.
    const unwell = await project.unwell();
    if (unwell.length) throw new Error(`containers not healthy after up --wait: ${unwell.join('; ')}`);
  } catch (err) {
    const logs = await project.logs().catch(() => '');
    await stack.stop();
    throw new Error(`docker compose up failed: ${(err as Error).message}\n${logs}`);
  }
  // The offline overlay has neither security nor Kibana; the official images have both.
  const secured = (await fetch(esUrl)).status === 401;
  const kibana = (await project.services()).includes('kibana');
  return {
    ...stack,
    ...(secured ? { auth: { username: 'elastic', password: process.env.ELASTIC_PASSWORD ?? 'elasticdemo' } } : {}),
    ...(kibana ? { kibanaUrl: `http://127.0.0.1:${project.ports.KIBANA_PORT}`, dataViewId: 'pg-es-connectors-demo' } : {}),
  };
}
