import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS, CONNECTORS_INDEX, JOBS_ALIAS, JOBS_INDEX } from '../../src/protocol/indices.js';
import { ORPHAN_JOB_MESSAGE } from '../../src/service/cleanup.js';
import { fakeSource } from '../helpers/fake-source.js';
import {
  createFakeConnector,
  esClient,
  jobsOf,
  markerCount,
  startService,
  stopAll,
  store,
  uniqueId,
  waitFor,
  type ServiceProcess,
} from '../helpers/runtime-harness.js';

describe('connector service runtime (index backend, live Elasticsearch)', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const fresh = uniqueId('fresh');
  const ready = uniqueId('ready');
  const broken = uniqueId('broken');
  const deleted = uniqueId('deleted');

  beforeAll(async () => {
    client = esClient();
    await store(client).ensureIndices();
    await createFakeConnector(client, fresh, { configured: false });
    await createFakeConnector(client, ready, { count: 25 });
    await createFakeConnector(client, broken, { reachable: false });
    await createFakeConnector(client, deleted);
    await store(client).updateConnector(deleted, { deleted: true });
    // A job of the soft-deleted connector, which no one must run.
    await store(client).updateConnector(deleted, { deleted: false });
    await store(client).createJob(deleted, 'full', 'on_demand');
    await store(client).updateConnector(deleted, { deleted: true });
    // The deletion happened "long ago": searches already see it.
    await client.indices.refresh({ index: [CONNECTORS_ALIAS, JOBS_ALIAS] });
    procs.push(startService({ CONNECTOR_IDS: [fresh, ready, broken, deleted].join(',') }));
  });

  afterAll(async () => {
    await stopAll(procs);
    await client.close();
  });

  it('creates the connector indices behind their aliases, hidden', async () => {
    const aliases = await client.indices.getAlias({ name: [CONNECTORS_ALIAS, JOBS_ALIAS], expand_wildcards: 'all' });
    expect(Object.keys(aliases).sort()).toEqual([CONNECTORS_INDEX, JOBS_INDEX].sort());
    const settings = await client.indices.getSettings({ index: CONNECTORS_INDEX, expand_wildcards: 'all' });
    expect(settings[CONNECTORS_INDEX]?.settings?.index?.hidden).toBe('true');
  });

  it('publishes the configuration schema and features into an empty connector', async () => {
    const doc = await waitFor('schema publication', async () => {
      const c = await store(client).getConnector(fresh);
      return c && Object.keys(c.doc.configuration).length ? c.doc : undefined;
    });
    expect(doc.status).toBe('needs_configuration');
    expect(Object.keys(doc.configuration).sort()).toEqual(Object.keys(fakeSource.configurationSchema()).sort());
    expect(doc.features).toEqual(fakeSource.features());
    // needs_configuration is never synced or marked connected.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await store(client).getConnector(fresh))?.doc.status).toBe('needs_configuration');
  });

  it('moves a configured connector to connected, with a heartbeat', async () => {
    const doc = await waitFor('connected', async () => {
      const c = await store(client).getConnector(ready);
      return c?.doc.status === 'connected' ? c.doc : undefined;
    });
    expect(doc.error).toBeNull();
    expect(Date.now() - Date.parse(doc.last_seen ?? '')).toBeLessThan(30_000);
  });

  it('checks in again every heartbeat interval (5 s here), not on every poll', async () => {
    const seen = async () => (await store(client).getConnector(ready))?.doc.last_seen ?? null;
    const first = await waitFor('a check-in', seen);
    const second = await waitFor('the next check-in', async () => {
      const s = await seen();
      return s && s !== first ? s : undefined;
    }, 20_000);
    const third = await waitFor('the one after', async () => {
      const s = await seen();
      return s && s !== second ? s : undefined;
    }, 20_000);
    // Polls come every 0.3 s; check-ins only once the interval has passed.
    expect(Date.parse(third) - Date.parse(second)).toBeGreaterThanOrEqual(4500);
  });

  it('puts a connector whose source fails its check in error with an actionable message, and back when fixed', async () => {
    const doc = await waitFor('error status', async () => {
      const c = await store(client).getConnector(broken);
      return c?.doc.status === 'error' ? c.doc : undefined;
    });
    expect(doc.error).toBe('Fake source is unreachable (reachable=false)');
    const configuration = structuredClone(doc.configuration);
    configuration.reachable!.value = true;
    await store(client).updateConnector(broken, { configuration });
    await waitFor('recovery', async () => (await store(client).getConnector(broken))?.doc.status === 'connected');
    expect((await store(client).getConnector(broken))?.doc.error).toBeNull();
  });

  it('runs an on-demand job to completed with correct stats on the job and the connector', async () => {
    const jobId = await store(client).createJob(ready, 'full', 'on_demand');
    const job = await waitFor('job completion', async () => {
      const j = await store(client).getJob(jobId);
      return j && ['completed', 'error'].includes(j.doc.status) ? j.doc : undefined;
    });
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(25);
    expect(job.deleted_document_count).toBe(0);
    expect(job.total_document_count).toBe(25);
    expect(job.indexed_document_volume).toBe(0); // MiB, rounded
    expect(job.worker_hostname).toBeTruthy();
    expect(job.started_at).toBeTruthy();
    expect(Date.parse(job.completed_at ?? '')).toBeGreaterThanOrEqual(Date.parse(job.started_at ?? ''));
    const connector = (await store(client).getConnector(ready))!.doc;
    expect(connector.last_sync_status).toBe('completed');
    expect(connector.last_sync_error).toBeNull();
    expect(connector.last_indexed_document_count).toBe(25);
    expect(connector.last_deleted_document_count).toBe(0);
    expect(connector.last_synced).toBe(job.completed_at);
    expect(connector.status).toBe('connected');
    const count = await client.count({ index: `it-content-${ready}` });
    expect(count.count).toBe(25);
    const sample = await client.get<Record<string, unknown>>({ index: `it-content-${ready}`, id: `${ready}-3` });
    expect(sample._source).toMatchObject({ id: `${ready}-3`, n: 3, label: ready });
    expect(sample._source?._timestamp).toBeTypeOf('string');
  });

  it('deletes documents the next full sync no longer produces', async () => {
    const c = (await store(client).getConnector(ready))!;
    const configuration = structuredClone(c.doc.configuration);
    configuration.count!.value = 20;
    await store(client).updateConnector(ready, { configuration });
    const jobId = await store(client).createJob(ready, 'full', 'on_demand');
    const job = await waitFor('second job', async () => {
      const j = await store(client).getJob(jobId);
      return j && ['completed', 'error'].includes(j.doc.status) ? j.doc : undefined;
    });
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(20);
    expect(job.deleted_document_count).toBe(5);
    expect(job.total_document_count).toBe(20);
    const gone = await client.exists({ index: `it-content-${ready}`, id: `${ready}-24` });
    expect(gone).toBe(false);
  });

  it('never serves a soft-deleted connector, and ends its waiting job as orphaned instead of running it', async () => {
    const c = await client.get<{ last_seen: string | null; status: string }>({ index: CONNECTORS_ALIAS, id: deleted });
    expect(c._source?.last_seen).toBeUndefined();
    expect(c._source?.status).toBe('configured');
    // Elastic's cleanup leaves pending jobs alone; one of a deleted connector would wait forever.
    const jobs = await waitFor('the orphaned job ended', async () => {
      const all = await jobsOf(client, deleted);
      return all.every((j) => j.doc.status === 'error') ? all : undefined;
    });
    expect(jobs.map((j) => [j.doc.status, j.doc.error, j.doc.indexed_document_count])).toEqual([['error', ORPHAN_JOB_MESSAGE, 0]]);
    expect(await markerCount(client, deleted)).toBe(0);
  });

  it('serves health, readiness and job metrics over HTTP', async () => {
    const line = await procs[0]!.waitForLog(/health endpoint on/);
    const base = `http://127.0.0.1:${/:(\d+)\/health/.exec(line)?.[1]}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { connectors: number }).connectors).toBe(3);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/connectors_sync_jobs_finished_total\{job_type="full",status="completed"\} 2/);
    expect(metrics).toMatch(/connectors_documents_indexed_total 45/);
    expect(metrics).toMatch(/connectors_documents_deleted_total 5/);
  });

  it('keeps secrets out of its logs', () => {
    const text = procs.flatMap((p) => p.lines).join('\n');
    expect(text).not.toContain('fake-secret-value');
  });
});
