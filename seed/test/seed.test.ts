import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedConfig } from '../src/config.js';
import { ESPRESSO, KNOWN_SEARCH_TERMS, PLANTED_PRODUCTS, TABLES, rowCounts } from '../src/dataset.js';
import { runSeed } from '../src/seed.js';
import { quoteIdent } from '../src/schema.js';
import { connectionFor, createTestDatabase, tableChecksums, withClient } from './helpers/db.js';

// A schema name that needs quoting everywhere.
const SCHEMA = 'shop "demo" data';
const q = quoteIdent(SCHEMA);

let db: Awaited<ReturnType<typeof createTestDatabase>>;

function config(scale: number, force = false): SeedConfig {
  return { scale, schema: SCHEMA, force, waitSeconds: 0, connection: connectionFor(db.name) };
}

async function counts(): Promise<Record<string, number>> {
  return withClient(db.url, async (c) => {
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${q}.${quoteIdent(t)}`);
      out[t] = Number(rows[0]?.n);
    }
    return out;
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

describe('seeding a fresh database', () => {
  it('loads the expected row counts at scale 0.05', async () => {
    const summary = await runSeed(config(0.05));
    expect(summary.action).toBe('loaded');
    expect(summary.tables).toEqual(rowCounts(0.05));
    expect(await counts()).toEqual(rowCounts(0.05));
  });

  it('uses the documented PostgreSQL types', async () => {
    const types = await withClient(db.url, async (c) => {
      const { rows } = await c.query<{ table_name: string; column_name: string; udt_name: string }>(
        `SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = $1`,
        [SCHEMA],
      );
      return Object.fromEntries(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.udt_name]));
    });
    expect(types).toMatchObject({
      'products.id': 'uuid',
      'products.price': 'numeric',
      'products.tags': '_text',
      'products.attributes': 'jsonb',
      'products.in_stock': 'bool',
      'products.created_at': 'timestamptz',
      'orders.status': 'order_status',
      'orders.total': 'numeric',
      'reviews.rating': 'int2',
      'customers.signup_at': 'timestamptz',
    });
  });

  it('keys order_lines by (order_id, line_no) and keeps order totals consistent', async () => {
    await withClient(db.url, async (c) => {
      const { rows } = await c.query<{ cols: string[] }>(
        `SELECT array_agg(a.attname ORDER BY k.ord)::text[] AS cols
           FROM pg_constraint con
           CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
          WHERE con.contype = 'p' AND con.conrelid = $1::regclass`,
        [`${q}.order_lines`],
      );
      expect(rows[0]?.cols).toEqual(['order_id', 'line_no']);

      const mismatched = await c.query(
        `SELECT o.id FROM ${q}.orders o JOIN ${q}.order_lines l ON l.order_id = o.id
          GROUP BY o.id, o.total HAVING o.total <> sum(l.quantity * l.unit_price)`,
      );
      expect(mismatched.rowCount).toBe(0);

      await c.query('BEGIN');
      await expect(c.query(`INSERT INTO ${q}.order_lines SELECT * FROM ${q}.order_lines LIMIT 1`)).rejects.toMatchObject({ code: '23505' });
      await c.query('ROLLBACK');
    });
  });

  it('contains the known search terms where dataset.ts says', async () => {
    await withClient(db.url, async (c) => {
      const { rows } = await c.query(`SELECT id, name, sku, price::text FROM ${q}.products WHERE description ~* $1`, [`\\m${ESPRESSO.term}\\M`]);
      expect(rows).toEqual([{ id: ESPRESSO.id, name: ESPRESSO.title, sku: PLANTED_PRODUCTS[0].sku, price: PLANTED_PRODUCTS[0].price }]);
      for (const known of KNOWN_SEARCH_TERMS) {
        const cols = known.fields.map((f) => `${quoteIdent(f)}::text`).join(` || ' ' || `);
        const hits = await c.query<{ id: string }>(`SELECT id::text FROM ${q}.${quoteIdent(known.table)} WHERE (${cols}) ~* $1`, [`\\m${known.term}\\M`]);
        expect(hits.rows.map((r) => r.id), known.term).toEqual([String(known.id)]);
      }
    });
  });
});

describe('idempotence', () => {
  it('skips a second run with the same fingerprint, and a forced reload converges to the same data', async () => {
    const before = await tableChecksums(db.url, SCHEMA, TABLES);

    const again = await runSeed(config(0.05));
    expect(again.action).toBe('skipped');
    expect(await tableChecksums(db.url, SCHEMA, TABLES)).toEqual(before);

    const forced = await runSeed(config(0.05, true));
    expect(forced.action).toBe('loaded');
    expect(await counts()).toEqual(rowCounts(0.05));
    expect(await tableChecksums(db.url, SCHEMA, TABLES)).toEqual(before);
  });

  it('repairs tampered data: changed counts trigger a reload', async () => {
    const before = await tableChecksums(db.url, SCHEMA, TABLES);
    await withClient(db.url, (c) => c.query(`DELETE FROM ${q}.reviews WHERE id > 100`));
    const summary = await runSeed(config(0.05));
    expect(summary).toMatchObject({ action: 'loaded', reason: 'row counts differ from the recorded seed' });
    expect(await tableChecksums(db.url, SCHEMA, TABLES)).toEqual(before);
  });

  it('converges to another scale without leftovers, and back', async () => {
    const small = await tableChecksums(db.url, SCHEMA, TABLES);
    await runSeed(config(1));
    expect(await counts()).toEqual(rowCounts(1));
    await runSeed(config(0.05));
    expect(await counts()).toEqual(rowCounts(0.05));
    expect(await tableChecksums(db.url, SCHEMA, TABLES)).toEqual(small);
  });

  it('leaves the previous data untouched when a load fails midway', async () => {
    const before = await tableChecksums(db.url, SCHEMA, TABLES);
    // NOT VALID: existing rows pass, the reload's 50th review does not.
    await withClient(db.url, (c) => c.query(`ALTER TABLE ${q}.reviews ADD CONSTRAINT few_reviews CHECK (id < 50) NOT VALID`));
    try {
      await expect(runSeed(config(0.05, true))).rejects.toMatchObject({ code: '23514' });
    } finally {
      await withClient(db.url, (c) => c.query(`ALTER TABLE ${q}.reviews DROP CONSTRAINT few_reviews`));
    }
    expect(await tableChecksums(db.url, SCHEMA, TABLES)).toEqual(before);
    expect((await runSeed(config(0.05))).action).toBe('skipped');
  });

  it('records the fingerprint in seed_meta', async () => {
    const { rows } = await withClient(db.url, (c) => c.query(`SELECT generator_version, scale::text, row_counts FROM ${q}.seed_meta`));
    expect(rows).toEqual([{ generator_version: 1, scale: '0.05', row_counts: rowCounts(0.05) }]);
  });
});
