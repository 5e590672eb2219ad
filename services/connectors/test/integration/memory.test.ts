import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase } from '../helpers/pg-fixtures.js';
import { createPgConnector, deleteConnectors, runJob } from '../helpers/pg-runtime-helpers.js';
import { runScript } from '../helpers/package-script.js';
import { esClient, esUrl, waitFor } from '../helpers/runtime-harness.js';

// The service as shipped (`npm start`: the built code with its heap flags)
// syncing rows of 1 MB each. Its memory is read where an operator reads it,
// from /metrics, throughout the sync.

const RANDOM = randomBytes(4).toString('hex');
const DB = `it_mem_${RANDOM}`;
const ID = `mem-${RANDOM}`;
const INDEX = `it-mem-${RANDOM}`;
const SMALL_ID = `mem-small-${RANDOM}`;
const SMALL_INDEX = `it-mem-small-${RANDOM}`;
/**
 * Rows of 1 kB read in 8 MiB pages: the case where V8's old space grows and,
 * left alone, stays grown (the default's 256 KiB pages hardly grow it).
 */
const SMALL_ROWS = 60_000;
const ROWS = 40;
const ROW_BYTES = 1_048_576;
/** The peak RSS target of `make bench` (140 MB), with generous slack: a bound, not a measurement. */
const BOUND_MIB = 200;

const FIXTURE = `
CREATE TABLE wide (id integer PRIMARY KEY, body text NOT NULL);
INSERT INTO wide SELECT g, repeat(md5(g::text), ${ROW_BYTES / 32}) FROM generate_series(1, ${ROWS}) g;
CREATE TABLE small (id integer PRIMARY KEY, n integer NOT NULL, label text NOT NULL);
INSERT INTO small SELECT g, g % 1000, repeat(md5(g::text), 32) FROM generate_series(1, ${SMALL_ROWS}) g;
`;

/** A gauge of the service's /metrics, in MiB. */
async function gaugeMiB(metricsUrl: string, name: string): Promise<number | undefined> {
  const text = await fetch(metricsUrl)
    .then((r) => r.text())
    .catch(() => '');
  const value = new RegExp(`^${name} (\\d+(?:\\.\\d+)?(?:e\\+\\d+)?)$`, 'm').exec(text)?.[1];
  return value === undefined ? undefined : Number(value) / 1_048_576;
}
const residentMiB = (url: string) => gaugeMiB(url, 'process_resident_memory_bytes');
const heapMiB = (url: string) => gaugeMiB(url, 'nodejs_heap_size_total_bytes');

describe('memory with 1 MB rows', () => {
  let client: Client;
  let service: ChildProcess | undefined;
  const port = 10_000 + Math.floor(Math.random() * 20_000);
  const output: string[] = [];

  beforeAll(async () => {
    client = esClient();
    await createDatabase(DB, FIXTURE);
    await createPgConnector(client, ID, INDEX, { database: DB, tables: 'wide' });
    await createPgConnector(client, SMALL_ID, SMALL_INDEX, { database: DB, tables: 'small', fetchBytes: 8 * 1024 * 1024 });
    service = runScript(
      'services/connectors',
      'start',
      {
        ELASTICSEARCH_URL: esUrl,
        CONNECTOR_IDS: `${ID},${SMALL_ID}`,
        CONNECTORS_PROTOCOL: 'index',
        CONNECTORS_POLL_INTERVAL: '0.5',
        HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        // debug: the idle collection's line is what the second test watches for
        LOG_LEVEL: 'debug',
      },
      { onLine: (l) => output.push(l) },
    );
  });

  afterAll(async () => {
    if (service && service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((r) => service?.once('exit', r));
    }
    await deleteConnectors(client, [ID, SMALL_ID]);
    await client.indices.delete({ index: [INDEX, SMALL_INDEX], ignore_unavailable: true });
    await dropDatabase(DB);
    await client.close();
  });

  const metrics = `http://127.0.0.1:${port}/metrics`;

  it(`syncs ${ROWS} rows of 1 MB while its resident memory stays under ${BOUND_MIB} MiB`, async () => {
    await waitFor('the service to be ready', async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.ok, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${output.slice(-20).join('\n')}`);
    });
    const samples: number[] = [];
    let syncing = true;
    const sampler = (async () => {
      while (syncing) {
        const mib = await residentMiB(metrics);
        if (mib !== undefined) samples.push(mib);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const job = await runJob(client, ID, 120_000).finally(() => {
      syncing = false;
    });
    await sampler;
    expect(job.error ?? null).toBeNull();
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(ROWS);
    // 40 MB went through: the volume says so (MiB, rounded).
    expect(job.indexed_document_volume).toBeGreaterThanOrEqual(ROWS);
    const doc = await client.get<Record<string, string>>({ index: INDEX, id: `${DB}_public_wide_7` });
    expect(doc._source?.public_wide_body).toHaveLength(ROW_BYTES);

    expect(samples.length).toBeGreaterThan(3);
    const peak = Math.max(...samples);
    console.log(`memory: ${ROWS} rows of 1 MB, service resident memory peaked at ${peak.toFixed(0)} MiB over ${samples.length} samples`);
    expect(peak).toBeGreaterThan(20); // the process's own figure, not a placeholder
    expect(peak).toBeLessThan(BOUND_MIB);
  });

  it(`gives the heap back once idle after syncing ${SMALL_ROWS} rows of 1 kB in 8 MiB pages`, async () => {
    const heapBefore = (await heapMiB(metrics))!;
    const linesBefore = output.length;
    const heapSamples: number[] = [];
    let syncing = true;
    const sampler = (async () => {
      for (; syncing; await new Promise((r) => setTimeout(r, 100))) {
        const heap = await heapMiB(metrics);
        if (heap !== undefined) heapSamples.push(heap);
      }
    })();
    const job = await runJob(client, SMALL_ID, 120_000).finally(() => {
      syncing = false;
    });
    await sampler;
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(SMALL_ROWS);
    const heapPeak = Math.max(...heapSamples);
    expect(heapPeak).toBeGreaterThan(heapBefore + 16);
    // V8 alone keeps a grown old space for tens of seconds; the idle collection
    // (`--expose-gc`) runs about a second after the job ends and says what it freed.
    let collected: { before: number; after: number } | undefined;
    await waitFor(
      'the idle collection after the sync',
      async () => {
        const line = output.slice(linesBefore).find((l) => l.includes('"heap_mib"'));
        collected = line ? (JSON.parse(line) as { heap_mib: { before: number; after: number } }).heap_mib : undefined;
        return collected;
      },
      15_000,
    );
    const heapAfter = (await heapMiB(metrics))!;
    console.log(`memory: V8 heap ${heapBefore.toFixed(0)} MiB before, ${heapPeak.toFixed(0)} MiB at peak, ${collected!.after} MiB after the idle collection (${heapAfter.toFixed(0)} on /metrics)`);
    expect(collected!.after).toBeLessThan(collected!.before - 15);
    expect(heapAfter).toBeLessThan(heapBefore + 6);
  });
});
