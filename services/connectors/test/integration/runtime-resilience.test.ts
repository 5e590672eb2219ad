import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS, JOBS_INDEX } from '../../src/protocol/indices.js';
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
    // A pass that failed just after the restart may have marked the connector in error; the next one clears it.
    await waitFor('connector status connected', async () => (await store(client).getConnector(id))?.doc.status === 'connected', 30_000);
  });
});

describe('a failure that does not go away', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const id = uniqueId('blocked');

  beforeAll(async () => {
    client = esClient();
    // Scheduled every 2 s: the schedule must keep firing while the problem shows.
    const off = { enabled: false, interval: '0 0 0 * * ?' };
    await createFakeConnector(client, id, { count: 5, scheduling: { full: { enabled: true, interval: '*/2 * * * * ?' }, incremental: off, access_control: off } });
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
  });
  afterAll(async () => {
    await client.indices.putSettings({ index: JOBS_INDEX, settings: { 'index.blocks.read': false } }).catch(() => undefined);
    await stopAll(procs);
    await client.close();
  });

  it('shows on the connector and on /ready, and clears once the cause is fixed', async () => {
    const service = startService({ CONNECTOR_IDS: id });
    procs.push(service);
    await waitFor('connected', async () => (await store(client).getConnector(id))?.doc.status === 'connected');
    const port = Number(/health endpoint on http:\/\/[^:]+:(\d+)/.exec(await service.waitForLog(/health endpoint on/))![1]);
    const ready = async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status;
    expect(await ready()).toBe(200);

    // The sync-jobs index refuses reads: the service cannot see its jobs any more.
    await client.indices.putSettings({ index: JOBS_INDEX, settings: { 'index.blocks.read': true } });
    const broken = await waitFor('connector error', async () => {
      const c = await store(client).getConnector(id);
      return c?.doc.status === 'error' ? c.doc : undefined;
    });
    expect(broken.error).toMatch(/^The connector service cannot (pick up|clean up stalled) sync jobs: .*blocked/);
    expect(await ready()).toBe(503);
    expect(service.proc.exitCode).toBeNull();
    const blockedSince = Date.now();
    await new Promise((r) => setTimeout(r, 4500));
    const scheduledAt = (await store(client).getConnector(id))!.doc.last_sync_scheduled_at;
    // The source is fine, so its schedule still fires (the jobs wait for the service to see them).
    expect(Date.parse(scheduledAt ?? '')).toBeGreaterThan(blockedSince);

    await client.indices.putSettings({ index: JOBS_INDEX, settings: { 'index.blocks.read': false } });
    await waitFor('connected again', async () => (await store(client).getConnector(id))?.doc.status === 'connected');
    await waitFor('ready again', async () => (await ready()) === 200);
  });
});
