import net from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_VERSION, createEsClient } from '../../src/es/client.js';
import { nextPause, preflight, PreflightError, waitForElasticsearch } from '../../src/es/preflight.js';
import { HttpListenError, startHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log/logger.js';
import { registerSecret } from '../../src/log/redact.js';
import { recordingClient } from '../helpers/recording-client.js';

const silent = createLogger('silent');

/** The pauses a wait of `maxWaitMs` makes when every attempt fails at once. */
function pauses(maxWaitMs: number): number[] {
  const out: number[] = [];
  let elapsed = 0;
  let pause: number | undefined;
  while ((pause = nextPause(pause, elapsed, maxWaitMs)) !== undefined) {
    out.push(pause);
    elapsed += pause;
  }
  return out;
}

describe('the start-up wait for Elasticsearch', () => {
  it('doubles from 1 s and ends exactly at the configured wait', () => {
    // The old loop gave up at 15 s of a 20 s wait: the next 16 s pause did not fit.
    expect(pauses(20_000)).toEqual([1000, 2000, 4000, 8000, 5000]);
    expect(pauses(3000)).toEqual([1000, 2000]);
    expect(pauses(2500)).toEqual([1000, 1500]);
    for (const wait of [0, 1000, 3000, 15_000, 20_000, 240_000, 300_000]) {
      expect(pauses(wait).reduce((a, b) => a + b, 0)).toBe(wait);
    }
  });

  it('never pauses more than 30 s at a time', () => {
    expect(Math.max(...pauses(240_000))).toBe(30_000);
  });

  it('counts the time the attempts took', () => {
    expect(nextPause(4000, 19_500, 20_000)).toBe(500);
    expect(nextPause(4000, 20_000, 20_000)).toBeUndefined();
    expect(nextPause(undefined, 0, 0)).toBeUndefined();
  });

  it('gives up after the configured wait, not before, naming the cause and the next step', async () => {
    // Nothing listens on port 1: every attempt is refused at once. The transport's
    // own retries (5 here) must not stretch the wait either.
    const client = createEsClient({ url: 'http://127.0.0.1:1', requestTimeoutMs: 30_000, maxRetries: 5, maxWaitMs: 2500, allowVersionMismatch: false });
    const started = Date.now();
    const err = await waitForElasticsearch(client, silent, 2500).catch((e: unknown) => e);
    const took = Date.now() - started;
    await client.close();
    expect(err).toBeInstanceOf(PreflightError);
    expect(err).toMatchObject({
      problem: 'unreachable',
      message: 'cannot reach Elasticsearch at http://127.0.0.1:1 after 2.5 s (connection refused)',
      hint: 'Start it (make services-up) or set ELASTICSEARCH_URL.',
    });
    expect(took).toBeGreaterThanOrEqual(2400);
    expect(took).toBeLessThan(3500);
  });

  it('stops at once when the wait is aborted', async () => {
    const client = createEsClient({ url: 'http://127.0.0.1:1', requestTimeoutMs: 30_000, maxRetries: 0, maxWaitMs: 60_000, allowVersionMismatch: false });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const started = Date.now();
    await expect(waitForElasticsearch(client, silent, 60_000, stop.signal)).rejects.toMatchObject({ problem: 'interrupted' });
    expect(Date.now() - started).toBeLessThan(1500);
    await client.close();
  });
});

describe('refusals preflight does not wait out', () => {
  it('401: names the URL and the credential settings, never the key', async () => {
    const apiKey = 'c2VjcmV0LWtleS1pZDpzZWNyZXQta2V5LXZhbHVl';
    registerSecret(apiKey);
    const { client, calls } = recordingClient(
      () => ({ status: 401, body: { error: { type: 'security_exception', reason: 'unable to authenticate with provided credentials' }, status: 401 } }),
      { auth: { apiKey } },
    );
    const err = (await preflight(client, silent, { maxWaitMs: 60_000, allowVersionMismatch: false }).catch((e: unknown) => e)) as PreflightError;
    expect(calls).toHaveLength(1);
    expect(err).toBeInstanceOf(PreflightError);
    expect(err.problem).toBe('credentials');
    expect(`${err.message}. ${err.hint}`).toBe(
      'Elasticsearch at http://api.test:9200 refused the credentials (401). Check ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD.',
    );
    expect(JSON.stringify({ message: err.message, hint: err.hint })).not.toContain(apiKey);
  });

  it('403: says access was denied and what to change', async () => {
    const { client } = recordingClient(() => ({ status: 403, body: { error: { type: 'security_exception', reason: 'action [cluster:monitor/main] is unauthorized' }, status: 403 } }));
    await expect(preflight(client, silent, { maxWaitMs: 60_000, allowVersionMismatch: false })).rejects.toMatchObject({
      problem: 'forbidden',
      message: expect.stringContaining('Elasticsearch at http://api.test:9200 denied access (403 action [cluster:monitor/main] is unauthorized)'),
      hint: expect.stringContaining('ELASTICSEARCH_API_KEY'),
    });
  });

  it('a refused version keeps its message, which already names ALLOW_ES_VERSION_MISMATCH', async () => {
    const { client } = recordingClient(() => ({ body: { name: 'n', cluster_name: 'x', cluster_uuid: 'u', version: { number: '9.4.3' }, tagline: 't' } }));
    await expect(preflight(client, silent, { maxWaitMs: 1000, allowVersionMismatch: false })).rejects.toMatchObject({
      problem: 'version',
      message: expect.stringMatching(/^Elasticsearch 9\.4\.3 is older than client .*\(set ALLOW_ES_VERSION_MISMATCH=true to try anyway\)$/),
    });
  });
});

describe('the HTTP port taken', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('rejects with a typed error naming the port and HTTP_PORT', async () => {
    const taken = net.createServer();
    servers.push(taken);
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    const report = () => ({ live: true, ready: true, details: {} });
    const err = (await startHttpServer({ port, host: '127.0.0.1' }, report, silent).catch((e: unknown) => e)) as HttpListenError;
    expect(err).toBeInstanceOf(HttpListenError);
    expect(err).toMatchObject({ code: 'EADDRINUSE', port, host: '127.0.0.1' });
    expect(`${err.message}. ${err.hint}`).toBe(`port ${port} is already in use (another connector service or demo?). Stop it or set HTTP_PORT.`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });
});

describe('version differences at start-up', () => {
  function capture() {
    const lines: { 'log.level': string; message: string }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunk.toString().split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l) as { 'log.level': string; message: string }));
        done();
      },
    });
    return { log: createLogger('info', stream), lines };
  }
  const answering = (version: string) =>
    recordingClient(() => ({ body: { name: 'n', cluster_name: 'x', cluster_uuid: 'u', version: { number: version, build_flavor: 'default' }, tagline: 't' } })).client;

  const [major, minor, patch] = CLIENT_VERSION.split(/[.-]/).map(Number) as [number, number, number];

  it('a patch-only difference is an info line, no warning', async () => {
    const { log, lines } = capture();
    const server = `${major}.${minor}.${patch + 3}`;
    await preflight(answering(server), log, { maxWaitMs: 1000, allowVersionMismatch: false });
    expect(lines.filter((l) => l['log.level'] === 'warn')).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({ 'log.level': 'info', message: `Elasticsearch ${server}, client ${CLIENT_VERSION}: same major.minor, patch differs` }),
    );
  });

  it('a newer minor is still a warning', async () => {
    const { log, lines } = capture();
    await preflight(answering(`${major}.${minor + 1}.0`), log, { maxWaitMs: 1000, allowVersionMismatch: false });
    expect(lines).toContainEqual(expect.objectContaining({ 'log.level': 'warn', message: expect.stringContaining('in minor version') }));
  });
});
