import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS, JOBS_ALIAS } from '../../src/protocol/indices.js';
import { ORPHAN_JOB_MESSAGE } from '../../src/service/cleanup.js';
import {
  createFakeConnector,
  esClient,
  startService,
  stopAll,
  store,
  uniqueId,
  waitFor,
  type ServiceProcess,
} from '../helpers/runtime-harness.js';

const terminal = ['completed', 'error', 'canceled'];

/** Failure paths of single jobs, through the real service process. */
describe('job outcomes', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const badCron = uniqueId('cron');
  const breaks = uniqueId('breaks');
  const conflicts = uniqueId('conflicts');
  const vanishing = uniqueId('vanish');
  const dropped = uniqueId('dropped');

  async function finished(jobId: string) {
    return waitFor(`job ${jobId}`, async () => {
      const j = await store(client).getJob(jobId);
      return j && terminal.includes(j.doc.status) ? j.doc : undefined;
    }, 60_000);
  }

  beforeAll(async () => {
    client = esClient();
    const off = { enabled: false, interval: '0 0 0 * * ?' };
    await createFakeConnector(client, badCron, { scheduling: { full: { enabled: true, interval: '0 0 12 ? * 9' }, incremental: off, access_control: off } });
    await createFakeConnector(client, breaks, { count: 20 });
    await createFakeConnector(client, conflicts, { count: 150 });
    await createFakeConnector(client, vanishing, { count: 2000, delayMs: 3 });
    await createFakeConnector(client, dropped, { count: 2000, delayMs: 3 });
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    // 22 documents in a row fail below: room for them, so the other limits show.
    procs.push(
      startService({
        CONNECTOR_IDS: [badCron, breaks, conflicts, vanishing, dropped].join(','),
        CONNECTORS_HEARTBEAT_INTERVAL: '600',
        CONNECTORS_MAX_CONSECUTIVE_DOCUMENT_ERRORS: '1000',
      }),
    );
  });

  afterAll(async () => {
    await stopAll(procs);
    await client.close();
  });

  it('a schedule the service cannot evaluate puts the connector in error, with the reason', async () => {
    const doc = await waitFor('cron error', async () => {
      const c = await store(client).getConnector(badCron);
      return c?.doc.status === 'error' ? c.doc : undefined;
    });
    expect(doc.error).toMatch(/^Invalid full schedule: .*day-of-week 9/);
    // Stable: later polls leave the document alone (no connected/error flapping).
    const before = (await store(client).getConnector(badCron))!.seqNo;
    await new Promise((r) => setTimeout(r, 2000));
    const after = (await store(client).getConnector(badCron))!;
    expect(after.doc.status).toBe('error');
    expect(after.seqNo).toBe(before);
  });

  it('a sync that fails midway ends in error and deletes nothing', async () => {
    const first = await finished(await store(client).createJob(breaks, 'full', 'on_demand'));
    expect(first.status).toBe('completed');
    expect(first.total_document_count).toBe(20);
    // Next run: fewer documents, and the source breaks after 5.
    const c = (await store(client).getConnector(breaks))!;
    const configuration = structuredClone(c.doc.configuration);
    configuration.count!.value = 10;
    configuration.fail_after!.value = 5;
    await store(client).updateConnector(breaks, { configuration });
    const job = await finished(await store(client).createJob(breaks, 'full', 'on_demand'));
    expect(job.status).toBe('error');
    expect(job.error).toBe('Fake source broke after 5 documents');
    expect(job.deleted_document_count).toBe(0);
    await client.indices.refresh({ index: `it-content-${breaks}` });
    expect((await client.count({ index: `it-content-${breaks}` })).count).toBe(20);
    const connector = (await store(client).getConnector(breaks))!.doc;
    expect(connector.last_sync_status).toBe('error');
    expect(connector.last_sync_error).toBe('Fake source broke after 5 documents');
  });

  it('documents Elasticsearch rejects are counted and reported on a completed job without error; past 15 % the job fails', async () => {
    // The user's own index maps `n` as a byte: 128 and above cannot be indexed.
    await client.indices.create({ index: `it-content-${conflicts}`, mappings: { properties: { n: { type: 'byte' } } } });
    const job = await finished(await store(client).createJob(conflicts, 'full', 'on_demand'));
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(128);
    // One outcome: completed means no error; the failures are in metadata (and the log).
    expect(job.error).toBeNull();
    expect((await store(client).getConnector(conflicts))!.doc.last_sync_error).toBeNull();
    const failed = job.metadata.failed_documents as { count: number; samples: { id: string; type: string }[] };
    expect(failed.count).toBe(22);
    expect(failed.samples[0]?.type).toBe('document_parsing_exception');
    expect((await client.count({ index: `it-content-${conflicts}` })).count).toBe(128);

    const c = (await store(client).getConnector(conflicts))!;
    const configuration = structuredClone(c.doc.configuration);
    configuration.count!.value = 400; // 272 of 400 fail: far over the rate
    await store(client).updateConnector(conflicts, { configuration });
    const failing = await finished(await store(client).createJob(conflicts, 'full', 'on_demand'));
    expect(failing.status).toBe('error');
    expect(failing.error).toMatch(/documents failed to index \(over 15%\)/);
    expect(failing.deleted_document_count).toBe(0);
  });

  it('a job whose document is deleted while it runs stops, and the connector says so', async () => {
    const jobId = await store(client).createJob(vanishing, 'full', 'on_demand');
    await waitFor('running', async () => (await store(client).getJob(jobId))?.doc.status === 'in_progress');
    await client.delete({ index: JOBS_ALIAS, id: jobId, refresh: true });
    const connector = await waitFor('connector outcome', async () => {
      const c = await store(client).getConnector(vanishing);
      return c && c.doc.last_sync_status !== 'in_progress' ? c.doc : undefined;
    });
    // The connector's own status/error follow its next health check; the sync outcome stays.
    expect(connector.last_sync_status).toBe('error');
    expect(connector.last_sync_error).toBe('The sync job document was deleted while the job ran');
    expect(await store(client).getJob(jobId)).toBeNull();
  });

  it('a job whose connector is deleted (soft) while it runs ends in error, saying so', async () => {
    const jobId = await store(client).createJob(dropped, 'full', 'on_demand');
    // Under way (documents reported), not merely claimed.
    await waitFor('running', async () => {
      const j = await store(client).getJob(jobId);
      return j?.doc.status === 'in_progress' && j.doc.indexed_document_count > 0;
    });
    // What DELETE _connector/{id} does in 9.x: the document stays, marked deleted.
    await client.update({ index: CONNECTORS_ALIAS, id: dropped, doc: { deleted: true }, refresh: true });
    const job = await finished(jobId);
    expect(job.status).toBe('error');
    expect(job.error).toBe(`Connector ${dropped} was deleted while the job ran`);
    expect(job.indexed_document_count).toBeLessThan(2000);
  });

  it('cleanup ends a running job whose connector no longer exists', async () => {
    const gone = uniqueId('gone');
    await createFakeConnector(client, gone);
    const jobId = await store(client).createJob(gone, 'full', 'on_demand');
    const job = (await store(client).getJob(jobId))!;
    // As if a replica had claimed it and the connector was then hard-deleted.
    await store(client).updateJob(jobId, { status: 'in_progress', started_at: new Date().toISOString() }, job);
    await client.delete({ index: CONNECTORS_ALIAS, id: gone, refresh: true });
    const ended = await waitFor('orphan cleanup', async () => {
      const j = await store(client).getJob(jobId);
      return j?.doc.status === 'error' ? j.doc : undefined;
    });
    expect(ended.error).toBe(ORPHAN_JOB_MESSAGE);
    expect(ended.completed_at).toBeTruthy();
  });
});
