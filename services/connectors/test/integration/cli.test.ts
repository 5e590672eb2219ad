import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { newConnectorDoc } from '../../src/protocol/documents.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { deleteConnectors } from '../helpers/connector-docs.js';
import { createFakeConnector, esClient, esUrl, jobsOf, store, uniqueId } from '../helpers/runtime-harness.js';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const WRAPPER = path.resolve(import.meta.dirname, '../../../../scripts/connectors');

function connectors(...args: string[]) {
  return connectorsWith({}, ...args);
}

function connectorsWith(env: Record<string, string>, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', USE_DOTENV: 'false', ELASTICSEARCH_URL: esUrl, CONNECTORS_PROTOCOL: 'index', ...env },
  });
}

/** The non-empty lines of a stream. */
const linesOf = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

describe('connectors command line', () => {
  let client: Client;
  const id = uniqueId('cli');
  const fresh = uniqueId('cli-fresh');
  const failed = uniqueId('cli-failed');
  const missing = uniqueId('cli-missing');
  beforeAll(async () => {
    client = esClient();
    await createFakeConnector(client, id);
    await createFakeConnector(client, fresh);
    await createFakeConnector(client, failed);
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
  });
  afterAll(async () => {
    await client.close();
  });

  it('sync queues an on-demand job and status shows it', async () => {
    const { stdout } = await connectors('sync', 'start', id);
    const jobId = /queued full sync job (\S+)/.exec(stdout)?.[1];
    expect(jobId).toBeTruthy();
    const jobs = await jobsOf(client, id);
    expect(jobs.map((j) => [j.id, j.doc.status, j.doc.trigger_method])).toEqual([[jobId, 'pending', 'on_demand']]);
    const status = await connectors('status', id);
    expect(status.stdout).toContain(`${id}: configured;`);
    expect(status.stdout).toContain(`job ${jobId}: pending (full, on_demand)`);
  });

  it('status of unknown ids prints the known ones, names the others on stderr and exits 1', async () => {
    const err = await connectors('status', fresh, missing).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1, stderr: `connector "${missing}" not found\n` });
    expect((err as { stdout: string }).stdout).toContain(`${fresh}: configured;`);
  });

  it('status of a connector that never synced says so', async () => {
    const { stdout, stderr } = await connectors('status', fresh);
    expect(stdout).toBe(`${fresh}: configured; index it-content-${fresh}; never synced\n`);
    expect(stderr).toBe('');
  });

  it('status shows the error of the latest job', async () => {
    const s = store(client);
    const jobId = await s.createJob(failed, 'full', 'on_demand');
    const at = new Date().toISOString();
    await s.updateJob(jobId, { status: 'error', error: 'relation "products" does not exist', completed_at: at, last_seen: at });
    const { stdout } = await connectors('status', failed);
    expect(linesOf(stdout)).toEqual([`${failed}: configured; index it-content-${failed}; never synced`, '  last error: relation "products" does not exist']);
  });

  it('refuses incremental sync for a connector without it, before any job is written', async () => {
    await expect(connectors('sync', 'start', fresh, '--type', 'incremental')).rejects.toMatchObject({
      code: 2,
      stderr: `connector ${fresh} does not support incremental sync (features.incremental_sync.enabled is false); use --type full\n`,
    });
    expect(await jobsOf(client, fresh)).toEqual([]);
  });

  it('queues an incremental sync for a connector that offers it', async () => {
    const pgId = uniqueId('cli-pg');
    const doc = newConnectorDoc({ name: pgId, index_name: `it-content-${pgId}`, service_type: 'postgresql' });
    doc.features = postgresqlSource.features();
    await store(client).putConnector(pgId, doc);
    try {
      const { stdout } = await connectors('sync', 'start', pgId, '--type', 'incremental');
      const jobs = await jobsOf(client, pgId);
      expect(jobs.map((j) => [j.doc.job_type, j.doc.status, j.doc.trigger_method])).toEqual([['incremental', 'pending', 'on_demand']]);
      expect(stdout).toBe(`queued incremental sync job ${jobs[0]!.id} for connector ${pgId}\n`);
    } finally {
      await deleteConnectors(client, [pgId]);
    }
  });

  it('sync of an unknown connector exits 1 and writes no job', async () => {
    await expect(connectors('sync', 'start', missing)).rejects.toMatchObject({ code: 1, stderr: `connector "${missing}" not found\n` });
    expect(await jobsOf(client, missing)).toEqual([]);
  });

  it('rejects a bad job type as bad usage', async () => {
    await expect(connectors('sync', 'start', id, '--type', 'partial')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("argument 'partial' is invalid. Allowed choices are full, incremental."),
    });
  });

  it.each([['setup'], ['status', 'any'], ['sync', 'start', 'any'], ['connector', 'list'], ['sync', 'list'], ['index', 'count', 'any']])('%s: unreachable Elasticsearch is one line and exit 3, quickly', async (...args) => {
    const started = Date.now();
    const err = await connectorsWith({ ELASTICSEARCH_URL: 'http://127.0.0.1:1', ELASTICSEARCH_MAX_WAIT: '2' }, ...args).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err).toMatchObject({ code: 3 });
    expect(linesOf((err as { stderr: string }).stderr)).toEqual([
      expect.stringMatching(/^cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:1( after [\d.]+ s)? \(connection refused\)\. Start it \(make services-up\) or set ELASTICSEARCH_URL\.?$/),
    ]);
  });

  it('scripts/connectors runs from source, from any directory', async () => {
    const { stdout } = await run(WRAPPER, ['--help'], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '' } });
    expect(stdout).toContain('Usage: connectors');
    expect(stdout).toContain('3   cannot reach Elasticsearch');
  });
});
