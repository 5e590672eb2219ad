import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { SourceError } from '../../src/sources/types.js';
import { captureLogger, collect, createDatabase, databaseName, dropDatabase, pgService, sourceValues, withAdmin } from '../helpers/pg-fixtures.js';

// Every failure a user can fix surfaces as a SourceError with a stable code
// and a message naming the culprit, never the password.
const DB = databaseName('errors');
const NO_READ_ROLE = `it_pg_noread_${process.pid}`;
const NO_READ_PASSWORD = 'NoRead-pw-4711';

const FIXTURE = `
CREATE TABLE visible (id int PRIMARY KEY);
INSERT INTO visible VALUES (1);
CREATE TABLE secret (id int PRIMARY KEY);
`;

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

function source(overrides: Record<string, unknown> = {}) {
  const { log, lines } = captureLogger('debug');
  return { source: postgresqlSource.create(sourceValues(DB, { retry_count: 0, ...overrides }), log), lines };
}

describe('PostgreSQL source: errors', () => {
  beforeAll(async () => {
    await createDatabase(DB, FIXTURE);
    await withAdmin(DB, async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${NO_READ_ROLE}`);
      await c.query(`CREATE ROLE ${NO_READ_ROLE} LOGIN PASSWORD '${NO_READ_PASSWORD}'`);
      await c.query(`GRANT SELECT ON visible TO ${NO_READ_ROLE}`);
    });
  });
  afterAll(async () => {
    await dropDatabase(DB);
    await withAdmin(pgService.database, (c) => c.query(`DROP ROLE IF EXISTS ${NO_READ_ROLE}`));
  });

  it('reports an unreachable host with host:port', async () => {
    const { source: s } = source({ port: 1 });
    const err = await failure(s.ping());
    expect(err.code).toBe('host_unreachable');
    expect(err.message).toContain(`${pgService.host}:1`);
    const again = await failure(collect(s));
    expect(again.code).toBe('host_unreachable');
  });

  it('reports an unknown host name', async () => {
    const { source: s } = source({ host: 'no-such-host.invalid', connect_timeout: 3 });
    const err = await failure(s.ping());
    expect(err.code).toBe('host_unreachable');
    expect(err.message).toContain('no-such-host.invalid');
  });

  it('reports bad credentials without ever printing the password', async () => {
    const password = 'Wrong-Secret-pw-9931';
    const { source: s, lines } = source({ password });
    for (const op of [() => s.ping(), () => s.validate(), () => collect(s)]) {
      const err = await failure(op());
      expect(err.code).toBe('auth_failed');
      expect(err.message).toContain('Authentication failed for user');
      expect(err.message).not.toContain(password);
      expect(String(err.stack)).not.toContain(password);
    }
    expect(JSON.stringify(lines)).not.toContain(password);
  });

  it('reports a missing database by name', async () => {
    const { source: s } = source({ database: `${DB}_missing` });
    const err = await failure(s.ping());
    expect(err.code).toBe('database_not_found');
    expect(err.message).toContain(`"${DB}_missing"`);
  });

  it('reports a missing schema by name', async () => {
    const { source: s } = source({ schema: 'nope' });
    for (const op of [() => s.validate(), () => collect(s)]) {
      const err = await failure(op());
      expect(err.code).toBe('schema_not_found');
      expect(err.message).toContain('"nope"');
    }
  });

  it('reports configured tables that do not exist, by name', async () => {
    const { source: s } = source({ tables: ['visible', 'Missing One', 'gone'] });
    for (const op of [() => s.validate(), () => collect(s)]) {
      const err = await failure(op());
      expect(err.code).toBe('table_not_found');
      expect(err.message).toContain('"Missing One", "gone"');
    }
  });

  it('reports a table the user may not read, by name, before yielding anything', async () => {
    const { source: s } = source({ username: NO_READ_ROLE, password: NO_READ_PASSWORD, tables: ['visible', 'secret'] });
    for (const op of [() => s.validate(), () => collect(s)]) {
      const err = await failure(op());
      expect(err.code).toBe('permission_denied');
      expect(err.message).toContain('"secret"');
      expect(err.message).not.toContain('"visible"');
    }
    // Under "*" the role gets what it can read, and the rest is named on the job (as Elastic's connector).
    const star = await collect(source({ username: NO_READ_ROLE, password: NO_READ_PASSWORD, tables: '*' }).source);
    expect(star.docs.map((d) => d._id)).toEqual([`${DB}_public_visible_1`]);
    expect(star.notices).toContainEqual(expect.objectContaining({ kind: 'table_skipped', message: `Table "public"."secret" skipped: user "${NO_READ_ROLE}" may not SELECT from it` }));
    const allowed = await collect(source({ username: NO_READ_ROLE, password: NO_READ_PASSWORD, tables: 'visible' }).source);
    expect(allowed.docs.map((d) => d._id)).toEqual([`${DB}_public_visible_1`]);
  });

  it('reports a schema the user may not use, before any job runs, also under *', async () => {
    await withAdmin(DB, (c) => c.query(`CREATE SCHEMA IF NOT EXISTS closed; CREATE TABLE IF NOT EXISTS closed.t (id int PRIMARY KEY); GRANT SELECT ON closed.t TO ${NO_READ_ROLE}`));
    const { source: s } = source({ username: NO_READ_ROLE, password: NO_READ_PASSWORD, schema: 'closed', tables: '*' });
    const err = await failure(s.validate());
    expect(err.code).toBe('permission_denied');
    expect(err.message).toBe(`Permission denied: user "${NO_READ_ROLE}" has no USAGE on schema "closed"; an administrator must run GRANT USAGE ON SCHEMA "closed" TO "${NO_READ_ROLE}"`);
  });

  it('reports SSL problems', async () => {
    // The test server has SSL off, so asking for it fails at the handshake.
    const { source: s } = source({ ssl_enabled: true, ssl_ca: '' });
    const err = await failure(s.ping());
    expect(err.code).toBe('ssl_error');
    expect(err.message).toMatch(/SSL/);
  });

  it('reports unusable configuration values before connecting', async () => {
    const { source: s } = source({ host: '', port: 'abc' });
    const err = await failure(s.ping());
    expect(err.code).toBe('invalid_configuration');
    expect(err.message).toContain('"host" is required');
    expect(err.message).toContain('"port" must be an integer');
  });
});
