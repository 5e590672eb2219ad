import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, withEnvFiles } from '../../src/config/load.js';

const load = (env: Record<string, string>, cwd?: string) => loadConfig({ env, envFiles: false, ...(cwd ? { cwd } : {}) });

function problemsOf(env: Record<string, string>, cwd?: string): string[] {
  try {
    load(env, cwd);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives documented defaults', () => {
    const c = load({});
    expect(c.elasticsearch.url).toBe('http://localhost:9200');
    expect(c.protocol).toBe('auto');
    expect(c.pollIntervalMs).toBe(30_000);
    expect(c.heartbeatIntervalMs).toBe(300_000);
    expect(c.cleanupIntervalMs).toBe(300_000);
    expect(c.idleJobThresholdMs).toBe(300_000);
    expect(c.maxConcurrentSyncs).toBe(1);
    expect(c.http).toEqual({ port: 8080, host: '0.0.0.0' });
    expect(c.connectors).toEqual([]);
  });

  it('reads every variable', () => {
    const c = load({
      ELASTICSEARCH_URL: 'https://es.example:9243',
      ELASTICSEARCH_API_KEY: 'a2V5OnNlY3JldA==',
      CONNECTORS_PROTOCOL: 'index',
      CONNECTOR_IDS: ' a, b ,,c ',
      CONNECTORS_SERVICE_TYPES: 'postgresql',
      CONNECTORS_POLL_INTERVAL: '0.5',
      CONNECTORS_HEARTBEAT_INTERVAL: '10',
      CONNECTORS_CLEANUP_INTERVAL: '2',
      CONNECTORS_IDLE_JOB_THRESHOLD: '4',
      CONNECTORS_MAX_CONCURRENT_SYNCS: '3',
      HTTP_PORT: '0',
      LOG_LEVEL: 'debug',
    });
    expect(c.elasticsearch.url).toBe('https://es.example:9243');
    expect(c.elasticsearch.apiKey).toBe('a2V5OnNlY3JldA==');
    expect(c.protocol).toBe('index');
    expect(c.connectors.map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(c.serviceTypes).toEqual(['postgresql']);
    expect(c.pollIntervalMs).toBe(500);
    expect(c.heartbeatIntervalMs).toBe(10_000);
    expect(c.cleanupIntervalMs).toBe(2000);
    expect(c.idleJobThresholdMs).toBe(4000);
    expect(c.maxConcurrentSyncs).toBe(3);
    expect(c.http.port).toBe(0);
    expect(c.logLevel).toBe('debug');
  });

  it.each([
    [{ ELASTICSEARCH_URL: 'localhost:9200' }, 'ELASTICSEARCH_URL: must be an http:// or https:// URL (got "localhost:9200")'],
    [{ CONNECTORS_PROTOCOL: 'grpc' }, 'CONNECTORS_PROTOCOL: must be one of auto, api, index (got "grpc")'],
    [{ CONNECTORS_POLL_INTERVAL: 'soon' }, 'CONNECTORS_POLL_INTERVAL: must be a number of seconds'],
    [{ CONNECTORS_POLL_INTERVAL: '-1' }, 'CONNECTORS_POLL_INTERVAL: must be a number of seconds ≥ 0.05 (got "-1")'],
    [{ CONNECTORS_MAX_CONCURRENT_SYNCS: '0' }, 'CONNECTORS_MAX_CONCURRENT_SYNCS: must be at least 1 (got "0")'],
    [{ CONNECTORS_MAX_CONCURRENT_SYNCS: '1.5' }, 'CONNECTORS_MAX_CONCURRENT_SYNCS: must be a whole number (got "1.5")'],
    [{ HTTP_PORT: '70000' }, 'HTTP_PORT: must be between 0 and 65535 (got "70000")'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent (got "loud")'],
    [{ ALLOW_ES_VERSION_MISMATCH: 'perhaps' }, 'ALLOW_ES_VERSION_MISMATCH: must be true or false (got "perhaps")'],
    [{ ELASTICSEARCH_USERNAME: 'elastic' }, 'ELASTICSEARCH_PASSWORD: is required when ELASTICSEARCH_USERNAME is set'],
    [{ CONNECTOR_IDS: 'changeme' }, 'CONNECTOR_IDS: still holds the placeholder "changeme"'],
    [{ ELASTICSEARCH_CA_CERT: '/nonexistent/ca.pem' }, 'ELASTICSEARCH_CA_CERT: cannot read certificate file /nonexistent/ca.pem: ENOENT'],
  ])('rejects %j with one clear message', (env, message) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports every bad field at once', () => {
    const problems = problemsOf({ HTTP_PORT: 'x', CONNECTORS_PROTOCOL: 'y', CONNECTORS_POLL_INTERVAL: 'z' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['CONNECTORS_POLL_INTERVAL', 'CONNECTORS_PROTOCOL', 'HTTP_PORT']);
  });

  it('never echoes a secret in a message', () => {
    const problems = problemsOf({ ELASTICSEARCH_PASSWORD: 'hunter2-secret' });
    expect(problems.join('\n')).not.toContain('hunter2-secret');
  });

  it('reads a YAML file with per-connector API keys; the environment wins', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(
      path.join(dir, 'connectors.yml'),
      [
        'elasticsearch_url: http://yaml:9200',
        'CONNECTORS_POLL_INTERVAL: 7',
        'connectors:',
        '  - connector_id: pg-1',
        '    service_type: postgresql',
        '    api_key: c2VjcmV0',
      ].join('\n'),
    );
    const c = load({ CONNECTORS_CONFIG_FILE: 'connectors.yml', CONNECTORS_POLL_INTERVAL: '3' }, dir);
    expect(c.elasticsearch.url).toBe('http://yaml:9200');
    expect(c.pollIntervalMs).toBe(3000);
    expect(c.connectors).toEqual([{ id: 'pg-1', serviceType: 'postgresql', apiKey: 'c2VjcmV0' }]);
  });

  it('names unknown YAML keys and unreadable files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, 'c.yml'), 'pol_interval: 3\n');
    expect(problemsOf({ CONNECTORS_CONFIG_FILE: 'c.yml' }, dir)[0]).toMatch(/^pol_interval: unknown setting/);
    expect(problemsOf({ CONNECTORS_CONFIG_FILE: 'missing.yml' }, dir)[0]).toMatch(/^CONNECTORS_CONFIG_FILE: cannot read/);
    writeFileSync(path.join(dir, 'bad.yml'), 'a: [1,\n');
    expect(problemsOf({ CONNECTORS_CONFIG_FILE: 'bad.yml' }, dir)[0]).toMatch(/not valid YAML/);
  });

  it('reads .env and .services.env, .env first, then the environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, '.services.env'), 'ELASTICSEARCH_URL=http://native:9250\nHTTP_PORT=1\n');
    writeFileSync(path.join(dir, '.env'), 'HTTP_PORT=2\nLOG_LEVEL=warn\n');
    const c = loadConfig({ env: { LOG_LEVEL: 'error' }, cwd: dir });
    expect(c.elasticsearch.url).toBe('http://native:9250');
    expect(c.http.port).toBe(2);
    expect(c.logLevel).toBe('error');
  });

  it('USE_DOTENV=false skips .env but still reads .services.env (what make test sets)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, '.services.env'), 'ELASTICSEARCH_URL=http://native:9250\nHTTP_PORT=1\n');
    writeFileSync(path.join(dir, '.env'), 'HTTP_PORT=2\nLOG_LEVEL=warn\n');
    const c = loadConfig({ env: { USE_DOTENV: 'false' }, cwd: dir });
    expect(c.elasticsearch.url).toBe('http://native:9250');
    expect(c.http.port).toBe(1);
    expect(c.logLevel).toBe('info');
  });

  it('withEnvFiles gives commands run by hand the same precedence: environment, .env, .services.env', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, '.services.env'), 'ELASTICSEARCH_URL=http://native:9250\nA=services\nB=services\n');
    // dotenv rules: an unquoted value with spaces is one value, never run by a shell.
    writeFileSync(path.join(dir, '.env'), 'A=dotenv\nCONNECTOR_NAME=PostgreSQL demo\n');
    const env = withEnvFiles({ B: 'environment' }, dir);
    expect(env).toMatchObject({ ELASTICSEARCH_URL: 'http://native:9250', A: 'dotenv', B: 'environment', CONNECTOR_NAME: 'PostgreSQL demo' });
  });
});
