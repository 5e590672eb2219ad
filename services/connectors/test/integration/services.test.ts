import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@elastic/elasticsearch';
import { createEsClient, CLIENT_VERSION } from '../../src/es/client.js';
import { checkVersion, clusterInfo, preflight } from '../../src/es/preflight.js';
import { createLogger } from '../../src/log/logger.js';
import { serviceSettings } from '../helpers/services.js';

const settings = serviceSettings();
const esSettings = {
  url: settings.elasticsearchUrl,
  requestTimeoutMs: 30_000,
  maxRetries: 2,
  maxWaitMs: 10_000,
  allowVersionMismatch: false,
};

describe('native Elasticsearch', () => {
  let client: Client;
  const index = `it-services-${process.pid}`;
  beforeAll(() => {
    client = createEsClient(esSettings);
  });
  afterAll(async () => {
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.close();
  });

  it('is a 9.x server whose major matches the client', async () => {
    const info = await clusterInfo(client);
    expect(info.version).toMatch(/^9\.\d+\.\d+/);
    expect(info.version.split('.')[0]).toBe(CLIENT_VERSION.split('.')[0]);
    expect(checkVersion(info.version).ok).toBe(true);
  });

  it('passes preflight', async () => {
    const info = await preflight(client, createLogger('silent'), { maxWaitMs: 5000, allowVersionMismatch: false });
    expect(info.version).toMatch(/^9\./);
  });

  it('indexes and searches a document', async () => {
    await client.indices.create({ index, mappings: { properties: { title: { type: 'text' }, n: { type: 'long' } } } });
    await client.index({ index, id: 'a', document: { title: 'Quick brown fox', n: 42 }, refresh: true });
    const res = await client.search<{ title: string; n: number }>({ index, query: { match: { title: 'fox' } } });
    expect(res.hits.hits).toHaveLength(1);
    expect(res.hits.hits[0]?._id).toBe('a');
    expect(res.hits.hits[0]?._source?.n).toBe(42);
  });

  it('fails preflight quickly against a port nobody listens on', async () => {
    const dead = createEsClient({ ...esSettings, url: 'http://127.0.0.1:1', maxRetries: 0 });
    await expect(preflight(dead, createLogger('silent'), { maxWaitMs: 1500, allowVersionMismatch: false })).rejects.toThrow(
      /cannot reach Elasticsearch/,
    );
    await dead.close();
  });
});

describe('native PostgreSQL', () => {
  it('answers a query with logical WAL and commit timestamps on', async () => {
    const client = new pg.Client({ connectionString: settings.databaseUrl });
    await client.connect();
    try {
      const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
      expect(Number(version.rows[0]?.server_version_num)).toBeGreaterThanOrEqual(150000);
      const wal = await client.query<{ wal_level: string }>('SHOW wal_level');
      expect(wal.rows[0]?.wal_level).toBe('logical');
      const ts = await client.query<{ track_commit_timestamp: string }>('SHOW track_commit_timestamp');
      expect(ts.rows[0]?.track_commit_timestamp).toBe('on');
      const sum = await client.query<{ n: number }>('SELECT 1 + 1 AS n');
      expect(sum.rows[0]?.n).toBe(2);
    } finally {
      await client.end();
    }
  });
});

describe('scripts/services.sh status', () => {
  const script = fileURLToPath(new URL('../../../../scripts/services.sh', import.meta.url));
  const run = (env: Record<string, string>) => spawnSync('bash', [script, 'status'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });

  it('exits 0 with a clear "stopped" line for services that are not running', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'services-status-'));
    const res = run({ SERVICES_DIR: empty });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^elasticsearch: stopped$/m);
    expect(res.stdout).toMatch(/^postgresql: +stopped$/m);
    expect(res.stdout).toContain(`state:         ${empty}`);
  });

  it('shows the running services, their ports and version', () => {
    const res = run({});
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^elasticsearch: running \(pid \d+, http:\/\/127\.0\.0\.1:\d+, version 9\.\d+\.\d+\)$/m);
    expect(res.stdout).toMatch(/^postgresql: +running \(127\.0\.0\.1:\d+/m);
  });
});
