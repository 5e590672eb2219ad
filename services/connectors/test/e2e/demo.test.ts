import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { rowCounts } from '@pg-es-connectors/seed/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import type { ConnectorDoc } from '../../src/protocol/types.js';
import { REPO_ROOT, serviceSettings } from '../helpers/services.js';
import { eventually } from '../helpers/eventually.js';
import { dropChains } from '../helpers/pg-fixtures.js';

/**
 * `make demo` itself (scripts/demo.sh), as a user runs it on a machine without
 * Docker, on a schema, connector and index of its own.
 */
describe('make demo', () => {
  const suffix = randomBytes(3).toString('hex');
  const schema = `demo_e2e_${suffix}`;
  const connectorId = `demo-e2e-${suffix}`;
  const index = `demo-e2e-${suffix}`;
  const port = 21_000 + Math.floor(Math.random() * 2000);
  const scale = 0.2;
  const output: string[] = [];
  let demo: ChildProcess;
  let es: Client;

  const until = <T>(what: string, fn: () => Promise<T | undefined>) =>
    eventually(what, fn, { timeoutMs: 240_000, giveUpIf: () => demo.exitCode !== null, context: () => `demo output:\n${output.slice(-40).join('\n')}` });

  function startDemo(seedScale: number): void {
    demo = spawn('bash', [path.join(REPO_ROOT, 'scripts/demo.sh')], {
      cwd: REPO_ROOT,
      // Its own process group, so Ctrl-C can be sent the way a terminal does.
      detached: true,
      env: { ...process.env, SEED_SCHEMA: schema, SEED_SCALE: String(seedScale), CONNECTOR_ID: connectorId, CONNECTOR_INDEX_NAME: index, CONNECTORS_HTTP_PORT: String(port), CONNECTORS_POLL_INTERVAL: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
    demo.stdout?.on('data', keep);
    demo.stderr?.on('data', keep);
  }

  async function ctrlC(): Promise<[number | null, NodeJS.Signals | null]> {
    process.kill(-demo.pid!, 'SIGINT');
    return new Promise((resolve) => demo.once('exit', (c, s) => resolve([c, s])));
  }

  beforeAll(() => {
    es = new Client({ node: serviceSettings().elasticsearchUrl });
    startDemo(scale);
  });

  afterAll(async () => {
    if (demo.exitCode === null && demo.signalCode === null && demo.pid) {
      try {
        process.kill(-demo.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await es.delete({ index: CONNECTORS_ALIAS, id: connectorId, refresh: true }).catch(() => undefined);
    await es.indices.delete({ index, ignore_unavailable: true });
    await es.close();
    const db = new pg.Client({ connectionString: serviceSettings().databaseUrl });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
    // Its chain's slot would keep WAL (and one of the few slots) after the test.
    await dropChains([connectorId]);
  });

  it('prints where to look, then serves /health', async () => {
    await until('summary', async () => (output.some((l) => l.includes('the connector service starts now')) ? true : undefined));
    expect(output.join('\n')).toContain(`${index}/_search?q=espresso`);
    await until('health', async () => ((await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined));
  });

  it('syncs every seeded row into the index', async () => {
    const expected = Object.values(rowCounts(scale)).reduce((a, b) => a + b, 0);
    const connector = await until('first sync', async () => {
      const res = await es.get<ConnectorDoc>({ index: CONNECTORS_ALIAS, id: connectorId });
      const doc = res._source;
      return doc && ['completed', 'error'].includes(doc.last_sync_status ?? '') ? doc : undefined;
    });
    expect(connector.last_sync_error).toBeNull();
    expect(connector.last_sync_status).toBe('completed');
    expect(connector.last_indexed_document_count).toBe(expected);
    await es.indices.refresh({ index });
    expect((await es.count({ index })).count).toBe(expected);
  });

  it('a second make demo on the same port stops before touching any data, saying what to do', async () => {
    const second = spawnSync('bash', [path.join(REPO_ROOT, 'scripts/demo.sh')], {
      cwd: REPO_ROOT,
      env: { ...process.env, SEED_SCHEMA: `${schema}_second`, CONNECTORS_HTTP_PORT: String(port) },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`port ${port} is already in use`);
    expect(second.stderr).toContain('CONNECTORS_HTTP_PORT=');
    expect(`${second.stdout}${second.stderr}`).not.toContain('==> seeding');
  });

  it('Ctrl-C stops it cleanly', async () => {
    const [code, signal] = await ctrlC();
    // make demo logs readable lines (LOG_FORMAT=pretty), not JSON.
    expect(output.some((l) => / INFO: stopped$/.test(l)), output.slice(-10).join('\n')).toBe(true);
    expect(code === 0 || signal === 'SIGINT', `exit ${code} ${signal}`).toBe(true);
  });

  it('run again with another SEED_SCALE, it reseeds and syncs the new rows without being asked', async () => {
    const bigger = 0.3;
    const expected = Object.values(rowCounts(bigger)).reduce((a, b) => a + b, 0);
    output.length = 0;
    startDemo(bigger);
    const connector = await until('the sync of the new rows', async () => {
      const doc = (await es.get<ConnectorDoc>({ index: CONNECTORS_ALIAS, id: connectorId }))._source;
      return doc?.last_sync_status === 'completed' && doc.last_indexed_document_count === expected ? doc : undefined;
    });
    expect(connector.last_sync_error).toBeNull();
    await es.indices.refresh({ index });
    expect((await es.count({ index })).count).toBe(expected);
    await ctrlC();
  });
});
