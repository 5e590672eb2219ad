import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseScale } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const load = (env: Record<string, string>) => loadConfig({ env, envFiles: false });

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('SEED_SCALE', () => {
  it('defaults to 1 and accepts decimals', () => {
    expect(parseScale(undefined)).toBe(1);
    expect(parseScale('')).toBe(1);
    expect(parseScale(' 20 ')).toBe(20);
    expect(parseScale('0.05')).toBe(0.05);
    expect(parseScale('1e3')).toBe(1000);
  });

  it.each(['abc', '0', '-1', '1e9', 'NaN', 'Infinity', '0x10', '1,5', '2 x'])('rejects %j with a clear message', (raw) => {
    expect(problemOf(() => parseScale(raw))).toMatch(/^SEED_SCALE must be a positive number up to 10000 \(e\.g\. 1, 0\.05, 20\), got "/);
  });
});

describe('loadConfig', () => {
  it('has demo defaults', () => {
    const c = load({ PGHOST: 'db', PGUSER: 'u', PGPASSWORD: 'p' });
    expect(c).toMatchObject({ scale: 1, schema: 'public', force: false, waitSeconds: 30 });
    expect(c.role).toEqual({ name: 'connector_reader', password: 'readerdemo', replication: 'auto' });
    expect(c.connection).toMatchObject({ host: 'db', port: 5432, user: 'u', password: 'p', database: 'u', target: 'u@db:5432/u' });
  });

  it('prefers DATABASE_URL and never shows its password', () => {
    const c = load({ DATABASE_URL: 'postgres://app:s3cret@pg.internal:6543/shop', PGHOST: 'ignored' });
    expect(c.connection.connectionString).toBe('postgres://app:s3cret@pg.internal:6543/shop');
    expect(c.connection.target).toBe('app@pg.internal:6543/shop');
    const message = problemOf(() => load({ DATABASE_URL: 'not a url with s3cret' }));
    expect(message).toMatch(/DATABASE_URL is not a valid URL/);
    expect(message).not.toContain('s3cret');
  });

  it('lists every bad setting at once, without echoing secrets', () => {
    const message = problemOf(() =>
      load({
        SEED_SCALE: 'lots',
        SEED_FORCE: 'maybe',
        SEED_WAIT_SECONDS: '-3',
        SEED_CONNECTOR_ROLE: 'pg_reader',
        SEED_CONNECTOR_PASSWORD: '',
        SEED_CONNECTOR_REPLICATION: 'sometimes',
        SEED_SCHEMA: 'x'.repeat(64),
        PGPORT: '99999',
      }),
    );
    for (const key of ['SEED_SCALE', 'SEED_FORCE', 'SEED_WAIT_SECONDS', 'SEED_CONNECTOR_ROLE', 'SEED_CONNECTOR_PASSWORD', 'SEED_CONNECTOR_REPLICATION', 'SEED_SCHEMA', 'PGPORT']) {
      expect(message).toContain(key);
    }
  });

  it('skips the role when SEED_CONNECTOR_ROLE is empty', () => {
    expect(load({ SEED_CONNECTOR_ROLE: '' }).role).toBeUndefined();
  });

  it('publishes the tables as connectors_demo unless SEED_PUBLICATION says otherwise or is empty', () => {
    expect(load({}).publication).toBe('connectors_demo');
    expect(load({ SEED_PUBLICATION: 'mine' }).publication).toBe('mine');
    expect(load({ SEED_PUBLICATION: '' }).publication).toBeUndefined();
    expect(() => load({ SEED_PUBLICATION: 'x'.repeat(64) })).toThrow(/SEED_PUBLICATION/);
  });

  describe('env files', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'seed-config-'));
    const sub = path.join(root, 'seed');
    mkdirSync(sub);
    writeFileSync(path.join(root, '.services.env'), 'DATABASE_URL=postgres://svc:pw@svc-host:1/svc\nSEED_SCALE=3\nSEED_SCHEMA=from_services\n');
    writeFileSync(path.join(root, '.env'), 'SEED_SCHEMA=from_dotenv\n');
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('reads .env and .services.env from parent directories; environment wins, then .env', () => {
      const c = loadConfig({ env: { SEED_SCALE: '2' }, cwd: sub });
      expect(c.scale).toBe(2);
      expect(c.schema).toBe('from_dotenv');
      expect(c.connection.target).toBe('svc@svc-host:1/svc');
    });

    it('lets PG* in the environment override a DATABASE_URL from a file', () => {
      const c = loadConfig({ env: { PGDATABASE: 'other' }, cwd: sub });
      expect(c.connection.connectionString).toBeUndefined();
      expect(c.connection.database).toBe('other');
    });
  });
});
