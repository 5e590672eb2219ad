import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { newConnectorDoc } from '../../src/protocol/documents.js';
import { IndexProtocolStore } from '../../src/protocol/index-store.js';
import type { ConnectorDoc, JobRecord, SyncJobDoc } from '../../src/protocol/types.js';
import { JOBS_ALIAS } from '../../src/protocol/indices.js';
import { sleep } from '../../src/util/sleep.js';
import { deleteConnectors } from './connector-docs.js';
import { fakeSource, MARKER_INDEX } from './fake-source.js';
import { serviceSettings } from './services.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE_DIR = path.resolve(HERE, '../..');

export const esUrl = serviceSettings().elasticsearchUrl;

export function esClient(): Client {
  return new Client({ node: esUrl, requestTimeout: 30_000 });
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface ServiceProcess {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Starts the service (with the fake source) as its own process, as in production. */
export function startService(env: Record<string, string>): ServiceProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fake-service.ts')], {
    cwd: PACKAGE_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      USE_DOTENV: 'false',
      ELASTICSEARCH_URL: esUrl,
      CONNECTORS_PROTOCOL: 'index',
      CONNECTORS_POLL_INTERVAL: '0.3',
      CONNECTORS_HEARTBEAT_INTERVAL: '5',
      CONNECTORS_CLEANUP_INTERVAL: '1',
      CONNECTORS_IDLE_JOB_THRESHOLD: '60',
      ELASTICSEARCH_MAX_WAIT: '120',
      // A free-ish port per process: the HTTP endpoints are part of what is tested. Below the
      // kernel's ephemeral range (32768+), so no outgoing connection of the tests can hold it.
      HTTP_PORT: String(10_000 + Math.floor(Math.random() * 20_000)),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      TEST_JOB_REPORT_MS: '500',
      TEST_JOB_CHECK_MS: '300',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    parts.filter(Boolean).forEach(onLine);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code, signal) => {
      // A service that dies on its own leaves its reason in CI's output, not only a timeout.
      if (code !== 0 && signal === null) console.error(`service ${proc.pid} exited with ${code}:\n${lines.slice(-20).join('\n')}`);
      resolve(code);
    }),
  );
  return {
    proc,
    lines,
    exited,
    kill: (signal) => proc.kill(signal),
    waitForLog(pattern, timeoutMs = 30_000) {
      const found = lines.find((l) => pattern.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

export async function stopAll(procs: ServiceProcess[]): Promise<void> {
  for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.kill('SIGTERM');
  await Promise.all(
    procs.map((p) =>
      Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000)).then(() => p.kill('SIGKILL'))]),
    ),
  );
}

export const store = (client: Client) => new IndexProtocolStore(client);

/**
 * For a test file that starts service processes: an Elasticsearch client for
 * the file, and every process in `procs` stopped after each test.
 */
export function serviceTestContext(): { readonly client: Client; procs: ServiceProcess[] } {
  let client: Client | undefined;
  const procs: ServiceProcess[] = [];
  beforeAll(() => {
    client = esClient();
  });
  afterEach(async (ctx) => {
    // A failed test shows what its services said: the test itself only sees documents.
    if (ctx.task.result?.state === 'fail') for (const p of procs) console.error(`service ${p.proc.pid} log (last 40 lines):\n${p.lines.slice(-40).join('\n')}`);
    await stopAll(procs.splice(0));
  });
  afterAll(async () => {
    await client?.close();
  });
  return {
    get client() {
      if (!client) throw new Error('the Elasticsearch client exists once the file\'s tests run');
      return client;
    },
    procs,
  };
}

/** Fake connectors created in this file (modules are per file): see `removeFakeConnectors`. */
const createdConnectors: string[] = [];

/**
 * Removes the file's fake connectors, their jobs and content indices once its
 * tests are done (a setup file of the integration project calls it): a
 * developer's cluster does not fill up run after run.
 */
export async function removeFakeConnectors(): Promise<void> {
  const ids = createdConnectors.splice(0);
  if (!ids.length) return;
  const client = esClient();
  try {
    await deleteConnectors(client, ids);
    await client.indices.delete({ index: ids.map((id) => `it-content-${id}`).join(','), ignore_unavailable: true });
  } catch (err) {
    console.warn(`removing ${ids.length} fake connectors failed: ${String(err)}`);
  } finally {
    await client.close();
  }
}

/** A configured fake connector, as Kibana would leave it after the user filled the form. */
export async function createFakeConnector(
  client: Client,
  id: string,
  options: { count?: number; delayMs?: number; reachable?: boolean; failAfter?: number; scheduling?: ConnectorDoc['scheduling']; configured?: boolean } = {},
): Promise<void> {
  const s = store(client);
  await s.ensureIndices();
  const doc = newConnectorDoc({ name: id, index_name: `it-content-${id}`, service_type: 'fake' });
  if (options.configured !== false) {
    const schema = fakeSource.configurationSchema();
    schema.label!.value = id;
    schema.count!.value = options.count ?? 10;
    schema.delay_ms!.value = options.delayMs ?? 0;
    schema.reachable!.value = options.reachable ?? true;
    schema.secret!.value = 'fake-secret-value';
    if (options.failAfter !== undefined) schema.fail_after!.value = options.failAfter;
    doc.configuration = schema;
    doc.status = 'configured';
    doc.features = fakeSource.features();
  }
  if (options.scheduling) doc.scheduling = options.scheduling;
  await s.putConnector(id, doc);
  createdConnectors.push(id);
}

export async function jobsOf(client: Client, connectorId: string): Promise<JobRecord[]> {
  await client.indices.refresh({ index: JOBS_ALIAS });
  const res = await client.search<SyncJobDoc>({
    index: JOBS_ALIAS,
    query: { term: { 'connector.id': connectorId } },
    size: 1000,
    seq_no_primary_term: true,
    sort: [{ created_at: 'asc' }],
  });
  return res.hits.hits.map((h) => ({ id: h._id!, doc: h._source!, seqNo: h._seq_no!, primaryTerm: h._primary_term! }));
}

/** How many times the fake source ran for a connector. */
export async function markerCount(client: Client, label: string): Promise<number> {
  const exists = await client.indices.exists({ index: MARKER_INDEX });
  if (!exists) return 0;
  await client.indices.refresh({ index: MARKER_INDEX });
  return (await client.count({ index: MARKER_INDEX, query: { term: { 'label.keyword': label } } })).count;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}
