import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedConfig } from '../src/config.js';
import { TABLES } from '../src/dataset.js';
import { runSeed } from '../src/seed.js';
import { quoteIdent } from '../src/schema.js';
import { admin, connectionFor, createTestDatabase, uniqueName, urlFor, withClient } from './helpers/db.js';

const SCHEMA = 'pubs';
const PUBLICATION = 'connectors_demo';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const roles: string[] = [];

function config(overrides: Partial<SeedConfig> = {}): SeedConfig {
  return { scale: 0.05, schema: SCHEMA, force: false, waitSeconds: 0, connection: connectionFor(db.name), publication: PUBLICATION, ...overrides };
}

const published = () =>
  withClient(urlFor(db.name), async (c) =>
    (await c.query<{ t: string }>(`SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1`, [PUBLICATION])).rows.map((r) => r.t),
  );

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop(roles);
});

describe('publication for incremental sync', () => {
  it('publishes exactly the seed tables, for every operation, and keeps it so on later runs', async () => {
    const first = await runSeed(config());
    expect(first.publication).toEqual({ name: PUBLICATION, created: true });
    const expected = TABLES.map((t) => `${SCHEMA}.${t}`).sort();
    expect(await published()).toEqual(expected);
    const ops = await withClient(urlFor(db.name), async (c) => (await c.query('SELECT pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = $1', [PUBLICATION])).rows[0]);
    expect(ops).toEqual({ pubinsert: true, pubupdate: true, pubdelete: true, pubtruncate: true });

    // Someone adds a table by hand: the next run puts the publication back to the seed's tables.
    await withClient(urlFor(db.name), async (c) => {
      await c.query(`CREATE TABLE ${SCHEMA}.extra (id int PRIMARY KEY)`);
      await c.query(`ALTER PUBLICATION ${PUBLICATION} ADD TABLE ${SCHEMA}.extra`);
    });
    const second = await runSeed(config());
    expect(second.publication).toEqual({ name: PUBLICATION, created: false });
    expect(await published()).toEqual(expected);
  });

  it('is skipped when SEED_PUBLICATION is empty', async () => {
    const summary = await runSeed(config({ schema: 'nopub', publication: undefined }));
    expect(summary.publication).toBeNull();
  });

  it('names what to do when the seeding user does not own the tables', async () => {
    const stranger = uniqueName('it_seed_pub');
    roles.push(stranger);
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${quoteIdent(stranger)} LOGIN PASSWORD 'pub-pw'`);
      await c.query(`GRANT CREATE ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(stranger)}`);
    });
    // The stranger loads its own schema, but the publication's tables belong to someone else.
    await withClient(urlFor(db.name), (c) => c.query(`GRANT USAGE ON SCHEMA ${SCHEMA} TO ${quoteIdent(stranger)}`));
    const err = await runSeed(config({ schema: 'mine', connection: connectionFor(db.name, stranger, 'pub-pw') })).catch((e: unknown) => e);
    expect(String(err)).toMatch(/cannot alter publication "connectors_demo": must be owner of publication connectors_demo\. The seeding user must own the tables; or set SEED_PUBLICATION= \(empty\) to skip it/);
  });
});
