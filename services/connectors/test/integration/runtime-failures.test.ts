import { describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import { IDLE_JOB_MESSAGE } from '../../src/service/cleanup.js';
import { freezableRelay } from '../helpers/hostile.js';
import { createFakeConnector, esUrl, serviceTestContext, startService, store, uniqueId, waitFor } from '../helpers/runtime-harness.js';

const terminal = ['completed', 'error', 'canceled'];

async function jobInProgress(client: Client, jobId: string, minIndexed = 1) {
  return waitFor(`job ${jobId} in progress`, async () => {
    const j = await store(client).getJob(jobId);
    return j?.doc.status === 'in_progress' && j.doc.indexed_document_count >= minIndexed ? j : undefined;
    // A bound, not a timing: a starting service on 2 cores shared with the other test files can take over 30 s.
  }, 90_000);
}

describe('cancellation, crashes and shutdown', () => {
  const ctx = serviceTestContext();

  async function slowConnector(prefix: string): Promise<string> {
    const id = uniqueId(prefix);
    // 3000 documents at 3 ms: long enough to act on a running job.
    await createFakeConnector(ctx.client, id, { count: 3000, delayMs: 3 });
    await ctx.client.indices.refresh({ index: CONNECTORS_ALIAS });
    return id;
  }

  it('a canceled job reaches canceled within 5 s, its partial counts recorded', async () => {
    const id = await slowConnector('cancel');
    ctx.procs.push(startService({ CONNECTOR_IDS: id }));
    const jobId = await store(ctx.client).createJob(id, 'full', 'on_demand');
    const running = await jobInProgress(ctx.client, jobId);
    // What `_cancel` does to a running job.
    const requested = Date.now();
    await store(ctx.client).updateJob(jobId, { status: 'canceling', cancelation_requested_at: new Date(requested).toISOString() }, running);
    const job = await waitFor('canceled', async () => {
      const j = await store(ctx.client).getJob(jobId);
      return j && terminal.includes(j.doc.status) ? j.doc : undefined;
    });
    const latency = Date.now() - requested;
    console.log(`cancel latency: ${latency} ms`);
    expect(job.status).toBe('canceled');
    expect(latency).toBeLessThan(5000);
    expect(job.canceled_at).toBeTruthy();
    expect(job.completed_at).toBeTruthy();
    expect(job.indexed_document_count).toBeGreaterThan(0);
    expect(job.indexed_document_count).toBeLessThan(3000);
    const connector = (await store(ctx.client).getConnector(id))!.doc;
    expect(connector.last_sync_status).toBe('canceled');
    expect(connector.status).toBe('connected');
    // A canceled sync deletes nothing.
    expect(job.deleted_document_count).toBe(0);
  });

  it('a process killed mid-job: cleanup marks the job error and a later job succeeds', async () => {
    const id = await slowConnector('crash');
    const victim = startService({ CONNECTOR_IDS: id });
    ctx.procs.push(victim);
    const jobId = await store(ctx.client).createJob(id, 'full', 'on_demand');
    await jobInProgress(ctx.client, jobId);
    victim.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();

    // A survivor with a short idle threshold cleans up.
    const survivor = startService({ CONNECTOR_IDS: id, CONNECTORS_IDLE_JOB_THRESHOLD: '3', CONNECTORS_CLEANUP_INTERVAL: '0.5' });
    ctx.procs.push(survivor);
    const job = await waitFor('cleanup', async () => {
      const j = await store(ctx.client).getJob(jobId);
      return j?.doc.status === 'error' ? j.doc : undefined;
    });
    const latency = Date.now() - killedAt;
    console.log(`cleanup latency after SIGKILL: ${latency} ms (idle threshold 3 s)`);
    expect(job.error).toBe(IDLE_JOB_MESSAGE);
    expect(job.completed_at).toBeTruthy();
    // Cleanup ends the job first (its guarded write decides who ends it), then the connector.
    const connector = await waitFor('connector released', async () => {
      const c = (await store(ctx.client).getConnector(id))!.doc;
      return c.last_sync_status !== 'in_progress' ? c : undefined;
    });
    expect(connector.last_sync_status).toBe('error');
    expect(connector.last_sync_error).toBe(IDLE_JOB_MESSAGE);

    // The lock is released: the next job runs to the end.
    const configuration = structuredClone(connector.configuration);
    configuration.delay_ms!.value = 0;
    await store(ctx.client).updateConnector(id, { configuration });
    const next = await store(ctx.client).createJob(id, 'full', 'on_demand');
    const done = await waitFor('next job', async () => {
      const j = await store(ctx.client).getJob(next);
      return j && terminal.includes(j.doc.status) ? j.doc : undefined;
    }, 60_000);
    expect(done.status).toBe('completed');
    expect(done.indexed_document_count).toBe(3000);
    expect(done.total_document_count).toBe(3000);
  });

  it('SIGTERM suspends the running job; another process resumes and finishes it', async () => {
    const id = await slowConnector('term');
    const first = startService({ CONNECTOR_IDS: id });
    ctx.procs.push(first);
    const jobId = await store(ctx.client).createJob(id, 'full', 'on_demand');
    await jobInProgress(ctx.client, jobId);
    first.kill('SIGTERM');
    expect(await first.exited, first.lines.slice(-12).join('\n')).toBe(0);
    const suspended = (await store(ctx.client).getJob(jobId))!.doc;
    expect(suspended.status).toBe('suspended');
    expect(suspended.completed_at).toBeUndefined();
    expect((await store(ctx.client).getConnector(id))!.doc.last_sync_status).toBe('suspended');

    const second = startService({ CONNECTOR_IDS: id });
    ctx.procs.push(second);
    const job = await waitFor('resumed job', async () => {
      const j = await store(ctx.client).getJob(jobId);
      return j && terminal.includes(j.doc.status) ? j.doc : undefined;
    }, 90_000);
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(3000);
    await second.waitForLog(new RegExp(`claimed full sync job ${jobId}`));
  });

  it('a stop that Elasticsearch cannot answer ends within CONNECTORS_SHUTDOWN_TIMEOUT, saying so; cleanup ends the job later', async () => {
    const id = await slowConnector('stuck-stop');
    const relay = await freezableRelay(Number(new URL(esUrl).port), new URL(esUrl).hostname);
    try {
      const proc = startService({ CONNECTOR_IDS: id, ELASTICSEARCH_URL: `http://127.0.0.1:${relay.port}`, CONNECTORS_SHUTDOWN_TIMEOUT: '3' });
      ctx.procs.push(proc);
      const jobId = await store(ctx.client).createJob(id, 'full', 'on_demand');
      await jobInProgress(ctx.client, jobId);
      // Every request from now on goes unanswered, as from a frozen cluster.
      relay.freezeOn('');
      proc.kill('SIGTERM');
      const started = Date.now();
      expect(await proc.exited).toBe(1);
      // Without the deadline, suspending the job would wait out the 120 s request timeout and its retries.
      expect(Date.now() - started).toBeLessThan(30_000);
      await proc.waitForLog(/stop took longer than 3 s \(CONNECTORS_SHUTDOWN_TIMEOUT\): exiting; cleanup will end any job left running/, 1000);
      // The suspension never reached Elasticsearch: the document still says the job runs, until cleanup.
      expect((await store(ctx.client).getJob(jobId))?.doc.status).toBe('in_progress');
    } finally {
      relay.thaw();
      await relay.close();
    }
  });

  it('a cancel requested as the service stops ends canceled, never suspended (which would resume it)', async () => {
    const id = await slowConnector('stopcancel');
    const proc = startService({ CONNECTOR_IDS: id });
    ctx.procs.push(proc);
    const jobId = await store(ctx.client).createJob(id, 'full', 'on_demand');
    const running = await jobInProgress(ctx.client, jobId);
    await store(ctx.client).updateJob(jobId, { status: 'canceling', cancelation_requested_at: new Date().toISOString() }, running);
    proc.kill('SIGTERM');
    expect(await proc.exited, proc.lines.slice(-12).join('\n')).toBe(0);
    const job = (await store(ctx.client).getJob(jobId))!.doc;
    expect(job.status).toBe('canceled');
    expect(job.canceled_at).toBeTruthy();
    expect((await store(ctx.client).getConnector(id))!.doc.last_sync_status).toBe('canceled');
  });

  it('a job ended by someone else while it runs keeps their outcome, and the connector is unlocked', async () => {
    const id = await slowConnector('operator');
    ctx.procs.push(startService({ CONNECTOR_IDS: id }));
    const jobId = await store(ctx.client).createJob(id, 'full', 'on_demand');
    const running = await jobInProgress(ctx.client, jobId);
    // What `_error` does: status and error, nothing else.
    await store(ctx.client).updateJob(jobId, { status: 'error', error: 'stopped by an operator' }, running);
    const connector = await waitFor('connector unlocked', async () => {
      const c = await store(ctx.client).getConnector(id);
      return c && c.doc.last_sync_status !== 'in_progress' ? c.doc : undefined;
    });
    expect(connector.last_sync_status).toBe('error');
    expect(connector.last_sync_error).toBe('stopped by an operator');
    await ctx.procs[0]!.waitForLog(/sync job was already error: keeping that outcome/);
    const job = (await store(ctx.client).getJob(jobId))!.doc;
    expect(job.status).toBe('error');
    expect(job.error).toBe('stopped by an operator');
  });

  it('a cancel that lands just before the claim (the claim sets in_progress again) still cancels the job', async () => {
    const id = await slowConnector('claimrace');
    const jobId = await store(ctx.client).createJob(id, 'full', 'on_demand');
    // What `_claim` leaves behind when `_cancel` came first: a cancel timestamp on a job it will run.
    const pending = (await store(ctx.client).getJob(jobId))!;
    await store(ctx.client).updateJob(jobId, { cancelation_requested_at: new Date().toISOString() }, pending);
    ctx.procs.push(startService({ CONNECTOR_IDS: id }));
    const job = await waitFor('job ended', async () => {
      const j = await store(ctx.client).getJob(jobId);
      return j && terminal.includes(j.doc.status) ? j.doc : undefined;
    });
    expect(job.status).toBe('canceled');
    expect(job.indexed_document_count).toBeLessThan(3000);
  });
});
