import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { createFakeConnector, esClient, esUrl, jobsOf, uniqueId } from '../helpers/runtime-harness.js';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

function connectors(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ELASTICSEARCH_URL: esUrl, CONNECTORS_PROTOCOL: 'index' },
  });
}

describe('connectors command line', () => {
  let client: Client;
  const id = uniqueId('cli');
  beforeAll(async () => {
    client = esClient();
    await createFakeConnector(client, id);
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
  });
  afterAll(async () => {
    await client.close();
  });

  it('sync queues an on-demand job and status shows it', async () => {
    const { stdout } = await connectors('sync', id);
    const jobId = /queued full sync job (\S+)/.exec(stdout)?.[1];
    expect(jobId).toBeTruthy();
    const jobs = await jobsOf(client, id);
    expect(jobs.map((j) => [j.id, j.doc.status, j.doc.trigger_method])).toEqual([[jobId, 'pending', 'on_demand']]);
    const status = await connectors('status', id, 'no-such-connector');
    expect(status.stdout).toContain(`${id}: configured;`);
    expect(status.stdout).toContain(`job ${jobId}: pending (full, on_demand)`);
    expect(status.stdout).toContain('no-such-connector: not found');
  });

  it('rejects a bad job type with a clear message and exit code', async () => {
    await expect(connectors('sync', id, '--type', 'partial')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--type must be full or incremental (got "partial")'),
    });
  });
});
