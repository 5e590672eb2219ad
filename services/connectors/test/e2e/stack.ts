import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import pg from 'pg';
import { TABLES } from '@pg-es-connectors/seed/dataset';
import { exitOk, runScript } from '../helpers/package-script.js';
import { REPO_ROOT, serviceSettings } from '../helpers/services.js';

const run = promisify(execFile);

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

/** A Docker engine answers: run the compose stack; otherwise the native path. */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await new Docker().ping();
    return true;
  } catch {
    return false;
  }
}

export async function startStack(): Promise<QuickstartStack> {
  return (await dockerAvailable()) ? startCompose() : startNative();
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
async function startNative(): Promise<QuickstartStack> {
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
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
      await c.end();
    },
    async logs() {
      return output.slice(-60).join('\n');
    },
  };
}

/** The compose stack under a unique project name, always torn down. */
async function startCompose(): Promise<QuickstartStack> {
  const project = `pgesc-e2e-${randomBytes(3).toString('hex')}`;
  // Host ports of their own, so two runs on one machine do not collide.
  const base = 20_000 + Math.floor(Math.random() * 400) * 100;
  const ports = { ES_PORT: String(base), KIBANA_PORT: String(base + 1), POSTGRES_PORT: String(base + 2), CONNECTORS_HTTP_PORT: String(base + 3) };
  const env = { ...process.env, ...ports, SEED_SCALE: '0.5', COMPOSE_PROJECT_NAME: project };
  const compose = (...args: string[]) => run('docker', ['compose', '-p', project, ...args], { cwd: REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024 });
  const docker = new Docker();
  const stack: QuickstartStack = {
    kind: 'docker',
    elasticsearchUrl: `http://127.0.0.1:${ports.ES_PORT}`,
    auth: { username: 'elastic', password: process.env.ELASTIC_PASSWORD ?? 'elasticdemo' },
    kibanaUrl: `http://127.0.0.1:${ports.KIBANA_PORT}`,
    databaseUrl: `postgres://postgres:${process.env.POSTGRES_PASSWORD ?? 'postgresdemo'}@127.0.0.1:${ports.POSTGRES_PORT}/${process.env.POSTGRES_DB ?? 'demo'}`,
    connectorId: process.env.CONNECTOR_ID ?? 'postgres-demo',
    indexName: process.env.CONNECTOR_INDEX_NAME ?? 'postgres-demo',
    seedScale: 0.5,
    dataViewId: 'pg-es-connectors-demo',
    healthUrl: `http://127.0.0.1:${ports.CONNECTORS_HTTP_PORT}/health`,
    async stop() {
      await compose('down', '-v', '--remove-orphans').catch(() => undefined);
    },
    async logs() {
      // dockerode: each container's health and last lines.
      const containers = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
      const parts: string[] = [];
      for (const info of containers) {
        const c = docker.getContainer(info.Id);
        const inspect = await c.inspect();
        const log = (await c.logs({ stdout: true, stderr: true, tail: 40 })) as unknown as Buffer;
        parts.push(`--- ${info.Names.join(',')} ${inspect.State.Status} ${inspect.State.Health?.Status ?? ''}\n${log.toString()}`);
      }
      return parts.join('\n');
    },
  };
  try {
    await compose('up', '-d', '--build', '--wait', '--wait-timeout', '900');
    // What `--wait` promised, checked container by container through the engine.
    const containers = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
    const unwell: string[] = [];
    for (const info of containers) {
      const state = (await docker.getContainer(info.Id).inspect()).State;
      const oneShotDone = state.Status === 'exited' && state.ExitCode === 0;
      const running = state.Status === 'running' && (!state.Health || state.Health.Status === 'healthy');
      if (!oneShotDone && !running) unwell.push(`${info.Names.join(',')}: ${state.Status} ${state.Health?.Status ?? ''} exit ${state.ExitCode}`);
    }
    if (unwell.length) throw new Error(`containers not healthy after up --wait: ${unwell.join('; ')}`);
  } catch (err) {
    const logs = await stack.logs().catch(() => '');
    await stack.stop();
    throw new Error(`docker compose up failed: ${(err as Error).message}\n${logs}`);
  }
  return stack;
}
