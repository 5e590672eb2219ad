import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
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

/** Three service processes sharing one cluster, as three replicas would. */
describe('several replicas share the work safely', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const scheduled = uniqueId('sched');
  const busy = Array.from({ length: 6 }, (_, i) => uniqueId(`busy${i}`));

  beforeAll(async () => {
    client = esClient();
    await store(client).ensureIndices();
    const every3s = { enabled: true, interval: '*/3 * * * * ?' };
    const off = { enabled: false, interval: '0 0 0 * * ?' };
    await createFakeConnector(client, scheduled, { count: 5, scheduling: { full: every3s, incremental: off, access_control: off } });
    for (const id of busy) await createFakeConnector(client, id, { count: 20 });
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    const ids = [scheduled, ...busy].join(',');
    for (let i = 0; i < 3; i++) procs.push(startService({ CONNECTOR_IDS: ids, CONNECTORS_MAX_CONCURRENT_SYNCS: '2' }));
    await Promise.all(procs.map((p) => p.waitForLog(/serving connectors/)));
  });

  afterAll(async () => {
    // Stop scheduling before the next test file starts.
    await store(client).updateConnector(scheduled, { scheduling: { full: { enabled: false, interval: '*/3 * * * * ?' }, incremental: { enabled: false, interval: '0 0 0 * * ?' }, access_control: { enabled: false, interval: '0 0 0 * * ?' } } });
    await stopAll(procs);
    await client.close();
  });

  it('60 pending jobs over 6 connectors: every job runs exactly once', async () => {
    const created: string[] = [];
    for (let round = 0; round < 10; round++) {
      for (const id of busy) created.push(await store(client).createJob(id, 'full', 'on_demand'));
    }
    const started = Date.now();
    await waitFor(
      'all 60 jobs to finish',
      async () => {
        const done = await Promise.all(busy.map(async (id) => (await jobsOf(client, id)).filter((j) => ['completed', 'error', 'canceled'].includes(j.doc.status)).length));
        return done.reduce((a, b) => a + b, 0) === 60;
      },
      120_000,
      500,
    );
    const seconds = (Date.now() - started) / 1000;
    const workers = new Set<string>();
    let duplicates = 0;
    for (const id of busy) {
      const jobs = await jobsOf(client, id);
      expect(jobs).toHaveLength(10);
      for (const j of jobs) {
        expect(j.doc.status, `job ${j.id}: ${j.doc.error}`).toBe('completed');
        expect(j.doc.indexed_document_count).toBe(20);
      }
      // One source run per job: a job run twice would leave two markers.
      const runs = await markerCount(client, id);
      duplicates += runs - 10;
      expect(runs).toBe(10);
      const connector = (await store(client).getConnector(id))!.doc;
      expect(connector.last_sync_status).toBe('completed');
    }
    for (const p of procs) for (const l of p.lines) if (/claimed full sync job/.test(l)) workers.add(String(p.proc.pid));
    console.log(`replicas: 60 jobs in ${seconds.toFixed(1)} s, duplicates ${duplicates}, processes that claimed jobs: ${workers.size}`);
    expect(duplicates).toBe(0);
    expect(workers.size).toBeGreaterThan(1);
  });

  it('a schedule every 3 s with 3 replicas: exactly one job per slot', async () => {
    // The schedule has been live since the processes started.
    await new Promise((r) => setTimeout(r, 10_000));
    const jobs = (await jobsOf(client, scheduled)).filter((j) => j.doc.trigger_method === 'scheduled');
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    // Two replicas firing the same slot would create jobs milliseconds apart; one
    // job per slot puts consecutive jobs about 3 s apart (polls come every 0.3 s).
    const times = jobs.map((j) => Date.parse(j.doc.created_at)).sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThan(1500);
    const slots = times.map((t) => Math.floor(t / 3000));
    const recorded = (await store(client).getConnector(scheduled))!.doc.last_sync_scheduled_at;
    expect(new Date(recorded ?? 0).getUTCSeconds() % 3).toBe(0);
    console.log(`scheduler: ${jobs.length} scheduled jobs for ${new Set(slots).size} slots`);
  });
});

describe('three replicas, one of them killed at random times', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const connectors = Array.from({ length: 5 }, (_, i) => uniqueId(`kill${i}`));
  // A killed replica's job is ended by another one's cleanup after this long unseen.
  const env = { CONNECTOR_IDS: connectors.join(','), CONNECTORS_MAX_CONCURRENT_SYNCS: '2', CONNECTORS_IDLE_JOB_THRESHOLD: '4' };

  beforeAll(async () => {
    client = esClient();
    for (const id of connectors) await createFakeConnector(client, id, { count: 20, delayMs: 20 });
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    for (let i = 0; i < 3; i++) procs.push(startService(env));
    await Promise.all(procs.map((p) => p.waitForLog(/serving connectors/)));
  });

  afterAll(async () => {
    await stopAll(procs);
    await client.close();
  });

  it('100 jobs: none run twice, none lost; the killed replicas’ jobs end in error with the reason', async () => {
    const created: string[] = [];
    for (let round = 0; round < 20; round++) for (const id of connectors) created.push(await store(client).createJob(id, 'full', 'on_demand'));
    const live = [...procs];
    let kills = 0;
    const killer = (async () => {
      for (; kills < 3; kills++) {
        await new Promise((r) => setTimeout(r, 1000 + Math.random() * 2000));
        const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0]!;
        victim.kill('SIGKILL');
        await victim.exited;
        const replacement = startService(env);
        procs.push(replacement);
        live.push(replacement);
      }
    })();
    const jobs = await waitFor(
      'all 100 jobs to end',
      async () => {
        const all = (await Promise.all(connectors.map((id) => jobsOf(client, id)))).flat();
        return all.length === 100 && all.every((j) => ['completed', 'error', 'canceled'].includes(j.doc.status)) ? all : undefined;
      },
      240_000,
      500,
    );
    await killer;
    const claims = new Map<string, number>();
    for (const p of procs) for (const l of p.lines) for (const m of l.matchAll(/claimed full sync job (\S+) /g)) claims.set(m[1]!, (claims.get(m[1]!) ?? 0) + 1);
    const twice = [...claims].filter(([, n]) => n > 1);
    const failed = jobs.filter((j) => j.doc.status !== 'completed');
    console.log(`replicas killed ${kills} times: ${jobs.length - failed.length} jobs completed, ${failed.length} ended by cleanup, ${twice.length} claimed twice`);
    expect(twice).toEqual([]);
    for (const j of jobs) {
      if (j.doc.status === 'completed') expect(j.doc.indexed_document_count).toBe(20);
      else expect([j.doc.status, j.doc.error]).toEqual(['error', 'The job has not seen any update for some time.']);
    }
    // Only jobs a killed replica held: at most its two slots per kill.
    expect(failed.length).toBeLessThanOrEqual(kills * 2);
    // Each source run leaves one marker: never more runs than claimed jobs.
    let runs = 0;
    for (const id of connectors) runs += await markerCount(client, id);
    expect(runs).toBeLessThanOrEqual(jobs.filter((j) => j.doc.started_at).length);
    expect(runs).toBeGreaterThanOrEqual(jobs.length - failed.length);
  });
});
