import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import { elasticsearchPid, freeze, rejectingProxy, restartPostgresql, startElasticsearch, stopElasticsearch } from '../helpers/faults.js';
import { FaultRun } from '../helpers/fault-run.js';
import { repeatedKeys } from '../helpers/log-lines.js';
import { findSecrets, responsiveness } from '../helpers/hostile.js';
import { createDatabase, dropDatabase, pgService, sourceValues, withAdmin } from '../helpers/pg-fixtures.js';
import { connectorDoc, createPgConnector, deleteConnectors } from '../helpers/pg-runtime-helpers.js';
import { esClient, esUrl, startService, stopAll, store, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';

// Faults injected on purpose into a sync of real PostgreSQL rows into the real
// Elasticsearch: outages, freezes, restarts, kills, rejections and blocks.
// Each scenario edits the source first, so that only a sync can make the
// index equal to it again; each ends with a successful sync, the index equal
// to the source (ids and a content hash per document), and job documents that
// say what happened.

const R = randomBytes(4).toString('hex');
const DB = `it_fault_${R}`;
const INDEX = `it-fault-${R}`;
const ID = `fault-${R}`;
const PROXIED = `fault-429-${R}`;
const ROLE = `it_fault_${R}`;
const PASSWORD = `Ft-${randomBytes(12).toString('hex')}`;
const ROWS = 30_000;

const FIXTURE = `
CREATE TABLE items (id integer PRIMARY KEY, n integer NOT NULL, body text NOT NULL);
INSERT INTO items SELECT g, g % 1000, 'row ' || g || ' ' || md5(g::text) FROM generate_series(1, ${ROWS}) g;
`;

/** Small bulk requests, one at a time: a sync takes seconds, so a fault lands inside it. */
const SLOW_SYNC = {
  CONNECTORS_BULK_MAX_DOCS: '50',
  CONNECTORS_BULK_CONCURRENCY: '1',
  ELASTICSEARCH_REQUEST_TIMEOUT: '5',
  // About a minute of back-off: a 30 s freeze or a 20 s outage is outlived.
  ELASTICSEARCH_MAX_RETRIES: '8',
  CONNECTORS_IDLE_JOB_THRESHOLD: '8',
};

describe('faults: nothing lost, documents that tell the truth, the service serving on', () => {
  let client: Client;
  let service: ServiceProcess;
  let health: ReturnType<typeof responsiveness> | undefined;
  const procs: ServiceProcess[] = [];
  const report: string[] = [];
  const values = () => sourceValues(DB, { tables: 'items', username: ROLE, password: PASSWORD });

  /** The main service keeps its port across restarts, so /health is watched throughout. */
  const port = String(10_000 + Math.floor(Math.random() * 20_000));
  function start(env: Record<string, string> = {}, ids = ID): ServiceProcess {
    const p = startService({ CONNECTOR_IDS: ids, HTTP_PORT: port, ...SLOW_SYNC, ...env });
    procs.push(p);
    return p;
  }

  /** A change only a sync can carry over: rows edited, deleted and added. */
  async function editSource(round: number): Promise<void> {
    await withAdmin(DB, (c) =>
      c.query(`UPDATE items SET body = 'edited in round ${round} ' || id WHERE id % 97 = ${round};
        DELETE FROM items WHERE id % 997 = ${round};
        INSERT INTO items SELECT ${ROWS} + ${round} * 100 + g, g, 'added in round ${round}' FROM generate_series(1, 20) g`),
    );
  }

  const run = (connectorId = ID, index = INDEX) =>
    new FaultRun({ client, store: store(client), connectorId, index, values, report, context: () => procs.flatMap((p) => p.lines.slice(-20)).join('\n') });
  let faults: FaultRun;

  beforeAll(async () => {
    client = esClient();
    faults = run();
    await createDatabase(DB, FIXTURE);
    await withAdmin(pgService.database, async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
      await c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
      // Lets the test's own role end the connector's backends (pg_terminate_backend).
      await c.query(`GRANT ${ROLE} TO CURRENT_USER`);
    });
    await withAdmin(DB, (c) => c.query(`GRANT SELECT ON items TO ${ROLE}`));
    for (const [id, index] of [[ID, INDEX], [PROXIED, `${INDEX}-429`]] as const) {
      await createPgConnector(client, id, index, { database: DB, tables: 'items', username: ROLE, password: PASSWORD, fetchSize: 100 });
    }
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    service = start();
    await service.waitForLog(/health endpoint on/, 60_000);
    health = responsiveness(`http://127.0.0.1:${port}/health`);
    await waitFor('the connector checked', async () => (await connectorDoc(client, ID)).status === 'connected', 60_000);
    const first = await store(client).createJob(ID, 'full', 'on_demand');
    expect((await faults.finished(first)).status).toBe('completed');
  });

  afterAll(async () => {
    await stopAll(procs);
    if (client) {
      await deleteConnectors(client, [ID, PROXIED]).catch(() => undefined);
      await client.indices.delete({ index: `${INDEX}*`, ignore_unavailable: true }).catch(() => undefined);
      await client.close();
    }
    await dropDatabase(DB);
    await withAdmin(pgService.database, (c) => c.query(`DROP ROLE IF EXISTS ${ROLE}`));
    console.log(`faults:\n${report.join('\n')}`);
  });

  it('PostgreSQL restarted mid-sync: the read reconnects, resumes by key and completes', async () => {
    await editSource(1);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    restartPostgresql();
    await faults.settle('PostgreSQL restarted', jobId, [{ status: 'completed' }]);
    await service.waitForLog(/PostgreSQL connection lost; reconnecting/, 1000);
  });

  it('the reading backend killed (pg_terminate_backend) mid-read: reconnected, completed', async () => {
    await editSource(2);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    const killed = await withAdmin(pgService.database, (c) =>
      c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND datname = $2`, [ROLE, DB]),
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    await faults.settle('backend terminated', jobId, [{ status: 'completed' }]);
  });

  it('Elasticsearch frozen (SIGSTOP) for 30 s mid-sync: requests time out and are retried; nothing lost', async () => {
    await editSource(3);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    await freeze(elasticsearchPid(), 30_000);
    await faults.settle('Elasticsearch frozen 30 s', jobId, [{ status: 'completed' }, { status: 'error', error: /^Elasticsearch (did not answer in time|unreachable): / }]);
  });

  it('Elasticsearch stopped for 20 s mid-sync, then started: the sync carries on or says why it stopped', async () => {
    await editSource(4);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    stopElasticsearch();
    await new Promise((r) => setTimeout(r, 20_000));
    startElasticsearch();
    await faults.settle('Elasticsearch stopped 20 s', jobId, [{ status: 'completed' }, { status: 'error', error: /^Elasticsearch unreachable: connect ECONNREFUSED/ }]);
  });

  it('the content index blocked for writes mid-sync: a job error naming the block; after it is lifted, a sync repairs it', async () => {
    await editSource(5);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    await client.indices.putSettings({ index: INDEX, settings: { 'index.blocks.write': true } });
    const faulted = await faults.finished(jobId);
    await client.indices.putSettings({ index: INDEX, settings: { 'index.blocks.write': null } });
    expect(faulted.status).toBe('error');
    await faults.settle('content index write-blocked', jobId, [{ status: 'error', error: /documents in a row failed to index .*cluster_block_exception: index \[[^\]]+\] blocked by: \[FORBIDDEN\/8\/index write \(api\)\]/ }]);
  });

  it('the content index turned read-only as at the flood-stage watermark: retried while Elasticsearch holds the block, nothing lost', async () => {
    await editSource(9);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    // Answered with 429 per document; Elasticsearch lifts this block itself once the disk has room (here within 30 s).
    await client.indices.putSettings({ index: INDEX, settings: { 'index.blocks.read_only_allow_delete': true } });
    await faults.finished(jobId);
    await client.indices.putSettings({ index: INDEX, settings: { 'index.blocks.read_only_allow_delete': null } });
    await faults.settle('content index read-only (flood stage)', jobId, [{ status: 'completed' }, { status: 'error', error: /cluster_block_exception: .*TOO_MANY_REQUESTS\/12\/disk usage exceeded flood-stage watermark/ }]);
  });

  it('the connector index closed for 5 s mid-sync: the job finishes or fails truthfully, and the service recovers', async () => {
    await editSource(6);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    const concrete = Object.keys(await client.indices.get({ index: CONNECTORS_ALIAS }));
    await client.indices.close({ index: concrete });
    await new Promise((r) => setTimeout(r, 5_000));
    await client.indices.open({ index: concrete, wait_for_active_shards: 1 });
    await faults.settle('connector index closed 5 s', jobId, [{ status: 'completed' }, { status: 'error' }]);
  });

  it('SIGTERM mid-sync: the job is suspended, and a restarted service resumes it to completion', async () => {
    await editSource(7);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    service.kill('SIGTERM');
    await service.exited;
    expect((await faults.job(jobId))?.status).toBe('suspended');
    service = start();
    await faults.settle('SIGTERM', jobId, [{ status: 'completed' }]);
  });

  it('SIGKILL mid-sync: cleanup ends the job in error, and the next sync repairs everything', async () => {
    await editSource(8);
    const jobId = await faults.startSync();
    await faults.whenIndexed(jobId, 1000);
    service.kill('SIGKILL');
    await service.exited;
    service = start();
    await faults.settle('SIGKILL', jobId, [{ status: 'error', error: /^The job has not seen any update for some time\.$/ }]);
  });

  it('Elasticsearch answering 429 to every third bulk request: backed off, nothing lost', async () => {
    const proxy = await rejectingProxy(esUrl, 3);
    try {
      // Larger requests than the other scenarios: this one needs refusals, not a slow sync.
      const proxied = start({ ELASTICSEARCH_URL: proxy.url, HTTP_PORT: '0', CONNECTORS_BULK_MAX_DOCS: '200' }, PROXIED);
      await waitFor('the proxied connector checked', async () => (await connectorDoc(client, PROXIED)).status === 'connected', 60_000);
      const jobId = await store(client).createJob(PROXIED, 'full', 'on_demand');
      await run(PROXIED, `${INDEX}-429`).settle('429 on every third bulk', jobId, [{ status: 'completed' }]);
      report.push(`  bulk requests refused with 429: ${proxy.rejected()}`);
      expect(proxy.rejected()).toBeGreaterThan(10);
      proxied.kill('SIGTERM');
      await proxied.exited;
    } finally {
      await proxy.close();
    }
  });

  it('no secret in any log line or document; /health answered throughout', async () => {
    const { samples, worstMs } = await health!.stop();
    const lines = procs.flatMap((p) => p.lines);
    const hits = await findSecrets(client, [PASSWORD], lines, [ID, PROXIED]);
    report.push(`secrets found: ${hits.length} in ${lines.length} log lines; /health: ${samples} answers, slowest ${worstMs} ms`);
    expect(hits).toEqual([]);
    expect(samples).toBeGreaterThan(100);
    // Every line is one JSON object with each key once, and every line about a job names its connector too.
    const events = lines.filter((l) => l.startsWith('{'));
    expect(events.length).toBeGreaterThan(100);
    expect(events.flatMap((l) => repeatedKeys(l).map((k) => `${k} in ${l.slice(0, 200)}`))).toEqual([]);
    const aboutJobs = events.map((l) => JSON.parse(l) as { job?: { id?: string }; connector?: { id?: string } }).filter((e) => e.job);
    expect(aboutJobs.length).toBeGreaterThan(50);
    expect(aboutJobs.filter((e) => !e.job?.id || !e.connector?.id)).toEqual([]);
  });
});
