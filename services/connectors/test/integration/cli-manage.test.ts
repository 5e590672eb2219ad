import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import { deleteConnectors } from '../helpers/connector-docs.js';
import { createFakeConnector, esClient, esUrl, jobsOf, startService, stopAll, store, uniqueId, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';

// The `connectors` command line against the live Elasticsearch and a running
// service: managing connectors, starting and following syncs, exit codes and
// the --json shapes scripts rely on.

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end; never throws, the exit code is part of the result. Not a TTY: plain progress lines. */
async function cli(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', USE_DOTENV: 'false', ELASTICSEARCH_URL: esUrl, CONNECTORS_PROTOCOL: 'index' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const json = <T>(r: Result): T => JSON.parse(r.stdout) as T;

describe('connectors: manage connectors and follow syncs', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const slow = uniqueId('cli-slow');
  const broken = uniqueId('cli-broken');
  const created = uniqueId('cli-new');

  beforeAll(async () => {
    client = esClient();
    // 4000 documents at 2 ms: a sync of several seconds, so progress is seen moving.
    await createFakeConnector(client, slow, { count: 4000, delayMs: 2 });
    await createFakeConnector(client, broken, { count: 100, failAfter: 40 });
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    procs.push(startService({ CONNECTOR_IDS: `${slow},${broken}` }));
  });

  afterAll(async () => {
    await stopAll(procs);
    await deleteConnectors(client, [slow, broken, created]).catch(() => undefined);
    await client.indices.delete({ index: `it-content-${slow},it-content-${broken},${created}`, ignore_unavailable: true });
    await client.close();
  });

  it('sync start --wait in a pipe: progress lines on stderr, a summary on stdout, exit 0', async () => {
    const r = await cli('sync', 'start', slow, '--wait');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    console.log(`sync start --wait (not a TTY):\n${r.stdout}${r.stderr}`);
    // More than one reading while it ran, counts going up, with the source's estimate as a percentage.
    const counts = lines.map((l) => Number(/, ([\d ]+) indexed/.exec(l)?.[1]?.replace(/ /g, '')));
    expect(counts.length).toBeGreaterThanOrEqual(1);
    expect(counts.every((n, i) => i === 0 || n >= counts[i - 1]!)).toBe(true);
    const running = lines.filter((l) => l.includes(': in_progress, '));
    expect(running.length).toBeGreaterThanOrEqual(1);
    for (const line of running) expect(line).toMatch(/^job \S+: in_progress, [\d ]+ indexed(, [\d ]+\/s)?, table fake \(1\/1\), ~\d+%(, ETA \d+ s)?$/);
    expect(r.stdout).toMatch(/^queued full sync job (\S+) for connector \S+; waiting/);
    expect(r.stdout).toMatch(/\nfull sync completed in \d+ s: 4 000 indexed, 0 deleted\n$/);
  });

  it('sync start --wait --json: the finished job as JSON on stdout, nothing else', async () => {
    const r = await cli('sync', 'start', slow, '--wait', '--json');
    expect(r.code, r.stderr).toBe(0);
    const job = json<Record<string, unknown>>(r);
    expect(Object.keys(job).sort()).toEqual(
      ['completed_at', 'connector_id', 'created_at', 'deleted_document_count', 'error', 'id', 'indexed_document_count', 'job_type', 'last_seen', 'progress', 'started_at', 'status', 'trigger_method'].sort(),
    );
    expect(job).toMatchObject({ connector_id: slow, job_type: 'full', trigger_method: 'on_demand', status: 'completed', indexed_document_count: 4000, error: null });
    expect(job['progress']).toMatchObject({ table: 'fake', tables_done: 0, tables_total: 1, estimated_rows: 4000 });
  });

  it('a failed job exits 1 with its error in the summary', async () => {
    const r = await cli('sync', 'start', broken, '--wait');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/full sync error in \d+ s: \d+ indexed, 0 deleted; error: Fake source broke after 40 documents/);
  });

  it('sync list --json and sync cancel: a queued job is listed, then canceled at once', async () => {
    // No service serves this connector, so its job stays pending.
    const idle = uniqueId('cli-idle');
    await createFakeConnector(client, idle);
    try {
      const queued = json<{ id: string; status: string }>(await cli('sync', 'start', idle, '--json'));
      expect(queued.status).toBe('pending');
      // A second one of the same type would only run the same sync again.
      expect(await cli('sync', 'start', idle)).toMatchObject({ code: 0, stdout: `a full sync of ${idle} is already waiting to start: job ${queued.id}; follow it with: connectors sync watch ${queued.id}\n` });
      expect((await jobsOf(client, idle)).length).toBe(1);
      const listed = json<{ id: string; status: string; connector_id: string }[]>(await cli('sync', 'list', '--connector', idle, '--json'));
      expect(listed.map((j) => [j.id, j.status, j.connector_id])).toEqual([[queued.id, 'pending', idle]]);
      const canceled = await cli('sync', 'cancel', queued.id, '--json');
      expect(json(canceled)).toEqual({ id: queued.id, outcome: 'canceled', status: 'canceled' });
      expect((await jobsOf(client, idle)).map((j) => j.doc.status)).toEqual(['canceled']);
      expect(await cli('sync', 'cancel', queued.id)).toMatchObject({ code: 1, stderr: `sync job ${queued.id} already ended (canceled); nothing to cancel\n` });
      expect(await cli('sync', 'list', '--status', 'running')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown status running') });
    } finally {
      await deleteConnectors(client, [idle]);
    }
  });

  it('connector create, configure (a secret from stdin), schedule, get --json, delete', async () => {
    expect(await cli('connector', 'create', created, '--index-name', created)).toMatchObject({ code: 0 });
    expect(await cli('connector', 'create', created, '--index-name', created)).toMatchObject({ code: 1, stderr: `connector "${created}" already exists\n` });
    expect(await cli('connector', 'create', 'x', '--index-name', 'Bad Name')).toMatchObject({ code: 2 });

    const child = execFile(process.execPath, ['--import', 'tsx', CLI, 'connector', 'configure', created, 'host=db.example', 'port=6543', 'password=-', '--json'], {
      env: { PATH: process.env.PATH ?? '', USE_DOTENV: 'false', ELASTICSEARCH_URL: esUrl, CONNECTORS_PROTOCOL: 'index' },
    });
    child.stdin!.end('s3cret-from-stdin\n');
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    expect(await new Promise((r) => child.on('close', r))).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ id: created, changed: ['host', 'port', 'password'] });
    const stored = (await store(client).getConnector(created))!.doc.configuration;
    expect([stored['host']!.value, stored['port']!.value, stored['password']!.value]).toEqual(['db.example', 6543, 's3cret-from-stdin']);

    expect(await cli('connector', 'configure', created, 'port=seventy')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^not saved: "Port"/) });
    expect(await cli('connector', 'configure', created, 'hots=x')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown field "hots"') });
    expect(await cli('connector', 'schedule', created, '--full', '0 0 * *')).toMatchObject({ code: 2, stderr: expect.stringContaining('Invalid schedule "0 0 * *"') });
    expect(json(await cli('connector', 'schedule', created, '--full', '0 0 4 * * ?', '--json'))).toMatchObject({ full: { enabled: true, interval: '0 0 4 * * ?' } });
    expect(json(await cli('connector', 'enable-incremental', created, '--json'))).toMatchObject({ incremental_sync: true, scheduling: { incremental: { enabled: true, interval: '0/5 * * * * ?' } } });

    const got = await cli('connector', 'get', created, '--json');
    const view = json<{ configuration: Record<string, unknown> }>(got);
    expect(view).toMatchObject({ id: created, service_type: 'postgresql', index_name: created });
    // The secret is masked, in text and JSON alike.
    expect(view.configuration['password']).toBe('********');
    expect(got.stdout).not.toContain('s3cret-from-stdin');
    expect((await cli('connector', 'get', created)).stdout).not.toContain('s3cret-from-stdin');

    const listed = json<{ id: string }[]>(await cli('connector', 'list', '--json'));
    expect(listed.map((c) => c.id)).toContain(created);
    expect(json(await cli('connector', 'delete', created, '--json'))).toEqual({ id: created, deleted: true, index_name: created, index_deleted: false });
    expect(await cli('connector', 'get', created)).toMatchObject({ code: 1, stderr: `connector "${created}" not found\n` });
  });

  it('/metrics: every series present, and the document, byte and bulk counters move during a sync', async () => {
    const line = await procs[0]!.waitForLog(/health endpoint on/);
    const base = `http://127.0.0.1:${/:(\d+)\/health/.exec(line)?.[1]}`;
    const scrape = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      /** The sample of `series` (name plus its labels, as printed), 0 when absent. */
      return { text, value: (series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1] ?? 0) };
    };
    const before = await scrape();
    for (const name of ['connectors_documents_indexed_total', 'connectors_documents_deleted_total', 'connectors_indexed_bytes_total', 'connectors_bulk_request_duration_seconds', 'connectors_sync_job_duration_seconds', 'connectors_sync_jobs_finished_total', 'connectors_sync_jobs_running', 'connectors_loop_errors_total', 'connectors_replication_lag_seconds', 'connectors_replication_retained_bytes']) {
      expect(before.text, name).toContain(`# TYPE ${name} `);
    }
    const jobId = await store(client).createJob(slow, 'full', 'on_demand');
    const during = await waitFor('a scrape mid-sync', async () => {
      const job = (await store(client).getJob(jobId))?.doc;
      if (job?.status !== 'in_progress' || job.indexed_document_count < 500) return undefined;
      return scrape();
    }, 60_000, 100);
    expect(during.value('connectors_sync_jobs_running')).toBe(1);
    expect(during.value('connectors_documents_indexed_total')).toBeGreaterThan(before.value('connectors_documents_indexed_total'));
    expect(during.value('connectors_indexed_bytes_total')).toBeGreaterThan(before.value('connectors_indexed_bytes_total'));
    expect(during.value('connectors_bulk_request_duration_seconds_count{outcome="ok"}')).toBeGreaterThan(before.value('connectors_bulk_request_duration_seconds_count{outcome="ok"}'));
    await waitFor('the sync to end', async () => (await store(client).getJob(jobId))?.doc.status === 'completed', 60_000);
    const after = await waitFor('the counters settled', async () => {
      const m = await scrape();
      return m.value('connectors_sync_jobs_running') === 0 ? m : undefined;
    });
    expect(after.value('connectors_documents_indexed_total') - before.value('connectors_documents_indexed_total')).toBe(4000);
    const finished = 'connectors_sync_jobs_finished_total{job_type="full",status="completed"}';
    expect(after.value(finished) - before.value(finished)).toBe(1);
    const durations = 'connectors_sync_job_duration_seconds_count{job_type="full",status="completed"}';
    expect(after.value(durations) - before.value(durations)).toBe(1);
  });

  it('index count and index search: what the sync wrote, matches highlighted', async () => {
    const count = json<{ count: number; index: string }>(await cli('index', 'count', slow, '--json'));
    expect(count).toEqual({ connector_id: slow, index: `it-content-${slow}`, count: 4000 });
    const found = json<{ total: number; hits: { id: string; highlights: Record<string, string[]> }[] }>(await cli('index', 'search', slow, '"document 1234"', '--json'));
    expect(found.hits[0]?.id).toBe(`${slow}-1234`);
    expect(found.hits[0]?.highlights['title']).toEqual([`«document 1234» of ${slow}`]);
    const text = await cli('index', 'search', slow, '"document 1234"');
    expect(text.stdout).toContain(`  ${slow}-1234\n    title: «document 1234» of ${slow}`);
    expect(await cli('index', 'search', slow, 'x', '--size', '1000')).toMatchObject({ code: 2 });
  });
});
