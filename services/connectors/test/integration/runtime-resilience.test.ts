import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import { createFakeConnector, esClient, startService, stopAll, store, uniqueId, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';
import { REPO_ROOT } from '../helpers/services.js';

describe('Elasticsearch restarted under a running service', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const id = uniqueId('restart');

  beforeAll(async () => {
    client = esClient();
    await createFakeConnector(client, id, { count: 50 });
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    procs.push(startService({ CONNECTOR_IDS: id, ELASTICSEARCH_MAX_RETRIES: '2', ELASTICSEARCH_REQUEST_TIMEOUT: '15' }));
  });
  afterAll(async () => {
    await stopAll(procs);
    await client.close();
  });

  it('recovers: loops survive the outage and the next job completes', async () => {
    const service = procs[0]!;
    const before = await store(client).createJob(id, 'full', 'on_demand');
    const first = await waitFor('first job', async () => {
      const j = await store(client).getJob(before);
      return j && ['completed', 'error'].includes(j.doc.status) ? j.doc : undefined;
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\nservice log:\n${service.lines.slice(-25).join('\n')}`);
    });
    expect(first.status, first.error ?? '').toBe('completed');

    execFileSync(path.join(REPO_ROOT, 'scripts/services.sh'), ['restart-elasticsearch'], { stdio: 'inherit', timeout: 180_000 });
    // While Elasticsearch was away the service logged failed passes and kept going.
    await service.waitForLog(/pass failed/, 5000);
    expect(service.proc.exitCode).toBeNull();

    const after = await waitFor('job creation after restart', () => store(client).createJob(id, 'full', 'on_demand'), 60_000, 1000);
    const job = await waitFor('job after restart', async () => {
      const j = await store(client).getJob(after);
      return j && ['completed', 'error'].includes(j.doc.status) ? j.doc : undefined;
    }, 60_000);
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(50);
    expect((await store(client).getConnector(id))!.doc.status).toBe('connected');
  });
});
