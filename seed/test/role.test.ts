import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedConfig } from '../src/config.js';
import { SeedError, oneLine } from '../src/errors.js';
import { rowCounts } from '../src/dataset.js';
import { scramVerifier } from '../src/role.js';
import { runSeed } from '../src/seed.js';
import { quoteIdent } from '../src/schema.js';
import { admin, connectionFor, createTestDatabase, uniqueName, urlFor, withClient } from './helpers/db.js';

const SCHEMA = 'store';
// Quotes, spaces and a backslash: identifiers and passwords must survive quoting.
const ROLE = `${uniqueName('it_seed_reader')} "x"`;
const PASSWORD_1 = `pa'ss"wo\\rd; DROP ROLE x; --`;
const PASSWORD_2 = 'second-Password-2';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const extraRoles: string[] = [];

function config(password: string, overrides: Partial<SeedConfig> = {}): SeedConfig {
  return {
    scale: 0.05,
    schema: SCHEMA,
    force: false,
    waitSeconds: 0,
    connection: connectionFor(db.name),
    role: { name: ROLE, password, replication: 'auto' },
    ...overrides,
  };
}

async function asRole<T>(password: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return withClient(urlFor(db.name, ROLE, password), fn);
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop([ROLE, ...extraRoles]);
});

describe('connector role', () => {
  it('is created with LOGIN, and REPLICATION only when the seeding user may grant it', async () => {
    const summary = await runSeed(config(PASSWORD_1));
    const superuser = await admin(async (c) => (await c.query<{ s: boolean }>('SELECT rolsuper AS s FROM pg_roles WHERE rolname = current_user')).rows[0]?.s);
    expect(summary.role).toMatchObject({ name: ROLE, created: true, login: true, replication: superuser });
    if (!superuser) expect(summary.role?.warnings.join()).toMatch(/REPLICATION/);
  });

  it('can read every table', async () => {
    const n = await asRole(PASSWORD_1, async (c) => (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.products`)).rows[0]?.n);
    expect(Number(n)).toBe(rowCounts(0.05).products);
  });

  it('cannot write, change the schema or create objects', async () => {
    await asRole(PASSWORD_1, async (c) => {
      for (const sql of [
        `INSERT INTO ${SCHEMA}.categories (id, name, slug, path, description) VALUES (999, 'x', 'x', 'x', 'x')`,
        `UPDATE ${SCHEMA}.products SET price = 0`,
        `DELETE FROM ${SCHEMA}.reviews`,
        `TRUNCATE ${SCHEMA}.orders`,
        `CREATE TABLE ${SCHEMA}.intruder (id int)`,
        `CREATE SCHEMA intruder`,
        `ALTER TABLE ${SCHEMA}.products ADD COLUMN x int`,
      ]) {
        await expect(c.query(sql), sql).rejects.toMatchObject({ code: expect.stringMatching(/^(42501|42809)$/) });
      }
    });
  });

  it('sees tables created later (default privileges)', async () => {
    await withClient(db.url, (c) => c.query(`CREATE TABLE ${SCHEMA}.later (id int); INSERT INTO ${SCHEMA}.later VALUES (7)`));
    const rows = await asRole(PASSWORD_1, async (c) => (await c.query(`SELECT id FROM ${SCHEMA}.later`)).rows);
    expect(rows).toEqual([{ id: 7 }]);
    await withClient(db.url, (c) => c.query(`DROP TABLE ${SCHEMA}.later`));
  });

  it('is updated, not duplicated, on the next run (new password works, old one does not)', async () => {
    const summary = await runSeed(config(PASSWORD_2));
    expect(summary.action).toBe('skipped');
    expect(summary.role).toMatchObject({ created: false, login: true });
    await expect(asRole(PASSWORD_2, (c) => c.query('SELECT 1'))).resolves.toBeTruthy();
    await expect(asRole(PASSWORD_1, (c) => c.query('SELECT 1'))).rejects.toMatchObject({ code: '28P01' });
    const { rows } = await admin((c) => c.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [ROLE]));
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('accepts non-ASCII passwords (hashed by the server)', async () => {
    expect(scramVerifier('pässwörd')).toBeUndefined();
    await runSeed(config('pässwörd'));
    await expect(asRole('pässwörd', (c) => c.query('SELECT 1'))).resolves.toBeTruthy();
  });
});

describe('permission problems', () => {
  it('names the missing privilege when the seeding user cannot create roles', async () => {
    const owner = uniqueName('it_seed_owner');
    extraRoles.push(owner);
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${quoteIdent(owner)} LOGIN PASSWORD 'owner-pw'`);
      await c.query(`GRANT CREATE ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(owner)}`);
    });
    const asOwner = (schema: string, roleName: string) =>
      runSeed({ ...config('x', { schema, connection: connectionFor(db.name, owner, 'owner-pw') }), role: { name: roleName, password: 'x', replication: 'auto' } });

    const denied = asOwner('owned', uniqueName('it_seed_never'));
    await expect(denied).rejects.toBeInstanceOf(SeedError);
    await expect(denied).rejects.toThrow(/cannot create role "it_seed_never_.*": permission denied to create role\. The seeding user needs CREATEROLE/);
    // The data was committed before the role step.
    const n = await withClient(urlFor(db.name, owner, 'owner-pw'), async (c) => (await c.query<{ n: string }>('SELECT count(*) AS n FROM owned.products')).rows[0]?.n);
    expect(Number(n)).toBe(rowCounts(0.05).products);
  });

  it('explains a schema the seeding user does not own', async () => {
    const stranger = uniqueName('it_seed_stranger');
    extraRoles.push(stranger);
    await admin((c) => c.query(`CREATE ROLE ${quoteIdent(stranger)} LOGIN PASSWORD 'stranger-pw'`));
    const err = await runSeed({ ...config('x', { connection: connectionFor(db.name, stranger, 'stranger-pw') }) }).catch((e: unknown) => e);
    expect(oneLine(err)).toMatch(/^permission denied for schema store \(SQLSTATE 42501: permission denied: the seeding user must own the schema/);
  });
});
