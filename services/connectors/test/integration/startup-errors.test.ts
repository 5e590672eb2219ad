import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceSettings } from '../helpers/services.js';

// The real entry point (src/main.ts), as `npm start` runs it: what it prints
// when start-up fails is what these tests are about.
const MAIN = path.resolve(import.meta.dirname, '../../src/main.ts');
const PACKAGE_DIR = path.resolve(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  /** Every line, stdout and stderr together. */
  lines: string[];
  stderr: string;
  ms: number;
}

function runMain(env: Record<string, string>, sigtermAfterMs?: number): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: PACKAGE_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      // Only what the test sets: no .env of the checkout.
      USE_DOTENV: 'false',
      CONNECTOR_IDS: 'startup-errors',
      CONNECTORS_PROTOCOL: 'index',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  if (sigtermAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), sigtermAfterMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      const lines = `${out}\n${stderr}`.split('\n').filter(Boolean);
      resolve({ code, lines, stderr, ms: Date.now() - started });
    });
  });
}

interface EcsLine {
  'log.level': string;
  '@timestamp': string;
  message: string;
  error?: { stack_trace?: string };
}

function parse(run: Run): EcsLine[] {
  return run.lines.map((l) => {
    try {
      return JSON.parse(l) as EcsLine;
    } catch {
      throw new Error(`not an ECS JSON line: ${l}\nall output:\n${run.lines.join('\n')}`);
    }
  });
}

/** The one fatal line of a run that failed as expected, with nothing like a stack trace anywhere. */
function onlyFatal(run: Run): EcsLine {
  const all = run.lines.join('\n');
  expect(run.code, all).toBe(1);
  const fatal = parse(run).filter((l) => l['log.level'] === 'fatal');
  expect(fatal, all).toHaveLength(1);
  expect(all).not.toMatch(/stack_trace|\n\s+at /);
  expect(run.stderr, 'nothing on stderr').toBe('');
  return fatal[0]!;
}

/** A stand-in for Elasticsearch answering every request the same way. */
async function fakeElasticsearch(status: number, body: unknown): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('start-up failures: one line with the cause and the next step', () => {
  it('Elasticsearch unreachable: gives up after ELASTICSEARCH_MAX_WAIT, not before, not much after', async () => {
    const run = await runMain({ ELASTICSEARCH_URL: 'http://127.0.0.1:1', ELASTICSEARCH_MAX_WAIT: '3' });
    const fatal = onlyFatal(run);
    expect(fatal.message).toBe('cannot reach Elasticsearch at http://127.0.0.1:1 after 3 s (connection refused). Start it (make services-up) or set ELASTICSEARCH_URL.');
    expect(run.ms, 'process run time').toBeGreaterThanOrEqual(3000);
    expect(run.ms, 'process run time').toBeLessThan(6500);
    // From the first refused attempt to the fatal line: the configured 3 s.
    const lines = parse(run);
    const waited = Date.parse(fatal['@timestamp']) - Date.parse(lines[0]!['@timestamp']);
    expect(waited).toBeGreaterThanOrEqual(2900);
    expect(waited).toBeLessThan(4000);
  });

  it('LOG_FORMAT=pretty: the same, one readable line', async () => {
    const run = await runMain({ ELASTICSEARCH_URL: 'http://127.0.0.1:1', ELASTICSEARCH_MAX_WAIT: '0', LOG_FORMAT: 'pretty' });
    expect(run.code).toBe(1);
    // eslint-disable-next-line no-control-regex
    const lines = run.lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] FATAL: cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:1 \(connection refused\)\. Start it \(make services-up\) or set ELASTICSEARCH_URL\.$/,
    );
  });

  it('LOG_LEVEL=debug: the fatal line also carries the stack', async () => {
    const run = await runMain({ ELASTICSEARCH_URL: 'http://127.0.0.1:1', ELASTICSEARCH_MAX_WAIT: '0', LOG_LEVEL: 'debug' });
    expect(run.code).toBe(1);
    const fatal = parse(run).filter((l) => l['log.level'] === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.message).toMatch(/^cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:1 \(connection refused\)/);
    expect(fatal[0]!.error?.stack_trace).toMatch(/PreflightError: cannot reach Elasticsearch[^]*\n\s+at /);
  });

  it('credentials refused (401): at once, naming the settings, never the key', async () => {
    const es = await fakeElasticsearch(401, {
      error: { type: 'security_exception', reason: 'unable to authenticate with provided credentials and anonymous access is not allowed for this request' },
      status: 401,
    });
    cleanups.push(es.close);
    const apiKey = 'aW52YWxpZC1rZXktaWQ6aW52YWxpZC1rZXktc2VjcmV0';
    const run = await runMain({ ELASTICSEARCH_URL: es.url, ELASTICSEARCH_API_KEY: apiKey, ELASTICSEARCH_MAX_WAIT: '60' });
    const fatal = onlyFatal(run);
    expect(fatal.message).toBe(
      `Elasticsearch at ${es.url} refused the credentials (401). Check ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD.`,
    );
    expect(run.ms).toBeLessThan(15_000);
    expect(run.lines.join('\n')).not.toContain(apiKey);
  });

  it('version refused by preflight: the existing message, which names ALLOW_ES_VERSION_MISMATCH', async () => {
    const es = await fakeElasticsearch(200, {
      name: 'old', cluster_name: 'old', cluster_uuid: 'u', version: { number: '8.11.0', build_flavor: 'default' }, tagline: 'You Know, for Search',
    });
    cleanups.push(es.close);
    const run = await runMain({ ELASTICSEARCH_URL: es.url, ELASTICSEARCH_MAX_WAIT: '60' });
    const fatal = onlyFatal(run);
    expect(fatal.message).toMatch(
      /^Elasticsearch 8\.11\.0 is not supported by client 9\.\d+\.\d+: the major versions must match \(set ALLOW_ES_VERSION_MISMATCH=true to try anyway\)$/,
    );
  });

  it('HTTP_PORT taken (EADDRINUSE), against the live Elasticsearch: names the port and HTTP_PORT', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const { port } = taken.address() as net.AddressInfo;
    const run = await runMain({ ELASTICSEARCH_URL: serviceSettings().elasticsearchUrl, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' });
    const fatal = onlyFatal(run);
    expect(fatal.message).toBe(`port ${port} is already in use (another connector service or demo?). Stop it or set HTTP_PORT.`);
  });

  it('SIGTERM while waiting for Elasticsearch stops at once, exit 0, as a stop and not a failure', async () => {
    const run = await runMain({ ELASTICSEARCH_URL: 'http://127.0.0.1:1', ELASTICSEARCH_MAX_WAIT: '60' }, 1500);
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(10_000);
    const lines = parse(run);
    expect(lines.filter((l) => l['log.level'] === 'fatal')).toEqual([]);
    expect(lines.some((l) => l.message.startsWith('stopped before start-up completed'))).toBe(true);
  });
});
