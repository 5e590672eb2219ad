/**
 * DDL of the store schema, and the seed_meta fingerprint table. Every identifier
 * that comes from configuration goes through quoteIdent.
 */
import type pg from 'pg';
import { TABLES, type TableName } from './dataset.js';

/** Bump when the DDL changes: existing seed tables are then dropped and recreated. */
export const SCHEMA_VERSION = 1;

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'] as const;

/** A safely double-quoted SQL identifier (embedded quotes doubled). */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** The CREATE TABLE statements, parents first, for schema `s` (already quoted). */
function tableDdl(s: string): Record<TableName, string> {
  return {
    categories: `CREATE TABLE IF NOT EXISTS ${s}.categories (
      id          integer PRIMARY KEY,
      parent_id   integer REFERENCES ${s}.categories (id),
      name        text NOT NULL,
      slug        text NOT NULL UNIQUE,
      path        text NOT NULL,
      description text NOT NULL
    )`,
    products: `CREATE TABLE IF NOT EXISTS ${s}.products (
      id             uuid PRIMARY KEY,
      sku            text NOT NULL UNIQUE,
      name           text NOT NULL,
      description    text NOT NULL,
      category_id    integer NOT NULL REFERENCES ${s}.categories (id),
      category       text NOT NULL,
      brand          text NOT NULL,
      price          numeric(10,2) NOT NULL CHECK (price >= 0),
      tags           text[] NOT NULL DEFAULT '{}',
      attributes     jsonb NOT NULL DEFAULT '{}',
      in_stock       boolean NOT NULL,
      stock_quantity integer NOT NULL CHECK (stock_quantity >= 0),
      created_at     timestamptz NOT NULL,
      updated_at     timestamptz NOT NULL
    )`,
    customers: `CREATE TABLE IF NOT EXISTS ${s}.customers (
      id               integer PRIMARY KEY,
      name             text NOT NULL,
      email            text NOT NULL UNIQUE,
      country          text NOT NULL,
      city             text NOT NULL,
      signup_at        timestamptz NOT NULL,
      marketing_opt_in boolean NOT NULL
    )`,
    orders: `CREATE TABLE IF NOT EXISTS ${s}.orders (
      id          bigint PRIMARY KEY,
      customer_id integer NOT NULL REFERENCES ${s}.customers (id),
      status      ${s}.order_status NOT NULL,
      placed_at   timestamptz NOT NULL,
      total       numeric(12,2) NOT NULL,
      notes       text
    )`,
    order_lines: `CREATE TABLE IF NOT EXISTS ${s}.order_lines (
      order_id   bigint NOT NULL REFERENCES ${s}.orders (id) ON DELETE CASCADE,
      line_no    smallint NOT NULL CHECK (line_no > 0),
      product_id uuid NOT NULL REFERENCES ${s}.products (id),
      quantity   integer NOT NULL CHECK (quantity > 0),
      unit_price numeric(10,2) NOT NULL,
      PRIMARY KEY (order_id, line_no)
    )`,
    reviews: `CREATE TABLE IF NOT EXISTS ${s}.reviews (
      id                bigint PRIMARY KEY,
      product_id        uuid NOT NULL REFERENCES ${s}.products (id),
      customer_id       integer NOT NULL REFERENCES ${s}.customers (id),
      rating            smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
      title             text NOT NULL,
      body              text NOT NULL,
      verified_purchase boolean NOT NULL,
      helpful_votes     integer NOT NULL DEFAULT 0,
      created_at        timestamptz NOT NULL
    )`,
  };
}

const COMMENTS: Record<TableName, string> = {
  categories: 'Sample store: two-level category tree (departments and their leaves).',
  products: 'Sample store: products with searchable names and descriptions.',
  customers: 'Sample store: customers (fictional; e-mail domains are example.*).',
  orders: 'Sample store: orders; total is the sum of the order lines.',
  order_lines: 'Sample store: lines of an order, keyed by (order_id, line_no).',
  reviews: 'Sample store: product reviews with free-text bodies.',
};

export interface SeedMeta {
  generatorVersion: number;
  schemaVersion: number;
  scale: number;
}

async function exists(client: pg.ClientBase, sql: string, params: unknown[]): Promise<boolean> {
  const { rowCount } = await client.query(sql, params);
  return (rowCount ?? 0) > 0;
}

/**
 * Creates whatever is missing (schema, enum, tables, seed_meta). When seed_meta
 * records another SCHEMA_VERSION, the seed's own tables are dropped first so the
 * new DDL applies. Runs inside the caller's transaction.
 */
export async function ensureSchema(client: pg.ClientBase, schema: string): Promise<{ recreated: boolean }> {
  const s = quoteIdent(schema);
  // CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database; skip it when the schema is there.
  if (!(await exists(client, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]))) {
    await client.query(`CREATE SCHEMA ${s}`);
  }
  await client.query(`CREATE TABLE IF NOT EXISTS ${s}.seed_meta (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    generator_version integer NOT NULL,
    schema_version    integer NOT NULL,
    scale             numeric NOT NULL,
    row_counts        jsonb NOT NULL,
    loaded_at         timestamptz NOT NULL DEFAULT now()
  )`);

  let recreated = false;
  const meta = await readMeta(client, schema);
  if (meta && meta.schemaVersion !== SCHEMA_VERSION) {
    const list = TABLES.map((t) => `${s}.${quoteIdent(t)}`).join(', ');
    await client.query(`DROP TABLE IF EXISTS ${list} CASCADE`);
    await client.query(`DROP TYPE IF EXISTS ${s}.order_status`);
    await client.query(`DELETE FROM ${s}.seed_meta`);
    recreated = true;
  }

  const enumExists = await exists(
    client,
    `SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = 'order_status'`,
    [schema],
  );
  if (!enumExists) {
    await client.query(`CREATE TYPE ${s}.order_status AS ENUM (${ORDER_STATUSES.map((v) => `'${v}'`).join(', ')})`);
  }
  const ddl = tableDdl(s);
  for (const table of TABLES) {
    const { rows } = await client.query<{ oid: string | null }>('SELECT to_regclass($1) AS oid', [`${s}.${quoteIdent(table)}`]);
    if (rows[0]?.oid) continue;
    await client.query(ddl[table]);
    // COMMENT takes a literal; the texts are ours and contain no quotes.
    await client.query(`COMMENT ON TABLE ${s}.${quoteIdent(table)} IS '${COMMENTS[table]}'`);
  }
  return { recreated };
}

export async function readMeta(client: pg.ClientBase, schema: string): Promise<SeedMeta | undefined> {
  const { rows } = await client.query<{ generator_version: number; schema_version: number; scale: string }>(
    `SELECT generator_version, schema_version, scale::text AS scale FROM ${quoteIdent(schema)}.seed_meta`,
  );
  const row = rows[0];
  return row && { generatorVersion: row.generator_version, schemaVersion: row.schema_version, scale: Number(row.scale) };
}

export async function writeMeta(client: pg.ClientBase, schema: string, meta: SeedMeta, rowCounts: Record<string, number>): Promise<void> {
  await client.query(
    `INSERT INTO ${quoteIdent(schema)}.seed_meta (singleton, generator_version, schema_version, scale, row_counts, loaded_at)
     VALUES (true, $1, $2, $3::numeric, $4::jsonb, now())
     ON CONFLICT (singleton) DO UPDATE SET generator_version = EXCLUDED.generator_version,
       schema_version = EXCLUDED.schema_version, scale = EXCLUDED.scale,
       row_counts = EXCLUDED.row_counts, loaded_at = EXCLUDED.loaded_at`,
    [meta.generatorVersion, meta.schemaVersion, String(meta.scale), JSON.stringify(rowCounts)],
  );
}

/** Row count of every seed table, in one round trip. */
export async function countRows(client: pg.ClientBase, schema: string): Promise<Record<TableName, number>> {
  const s = quoteIdent(schema);
  const select = TABLES.map((t) => `(SELECT count(*) FROM ${s}.${quoteIdent(t)}) AS ${quoteIdent(t)}`).join(', ');
  const { rows } = await client.query<Record<TableName, string>>(`SELECT ${select}`);
  const row = rows[0] as Record<TableName, string>;
  return Object.fromEntries(TABLES.map((t) => [t, Number(row[t])])) as Record<TableName, number>;
}

export function qualified(schema: string, table: TableName): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
