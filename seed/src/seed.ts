/**
 * One seed run: schema, data and connector role.
 *
 * Idempotence: the load runs in one transaction that TRUNCATEs every seed table
 * and COPYs the generated rows, so a run either leaves the complete dataset or
 * nothing changed, and never duplicates. The transaction also records a
 * fingerprint (generator version, schema version, scale) in seed_meta; a later
 * run whose fingerprint and row counts match skips the load (SEED_FORCE=true
 * reloads anyway). A transaction-scoped advisory lock serialises concurrent runs.
 */
import type pg from 'pg';
import type { SeedConfig } from './config.js';
import { copyInto } from './copy.js';
import { GENERATOR_VERSION, TABLES, rowCounts, type RowCounts, type TableName } from './dataset.js';
import { connect } from './db.js';
import { GENERATORS } from './generate.js';
import { TableProgress } from './progress.js';
import { ensurePublication, type PublicationResult } from './publication.js';
import { ensureConnectorRole, type RoleResult } from './role.js';
import { SCHEMA_VERSION, countRows, ensureSchema, qualified, quoteIdent, readMeta, writeMeta } from './schema.js';
import { SeedError } from './errors.js';

export interface SeedSummary {
  database: string;
  schema: string;
  scale: number;
  generatorVersion: number;
  action: 'loaded' | 'skipped';
  /** Why the data was (re)loaded or skipped. */
  reason: string;
  tables: RowCounts;
  totalRows: number;
  /** Time spent loading: COPY plus foreign key checks (0 when skipped). */
  loadSeconds: number;
  rowsPerSecond: number;
  seconds: number;
  role: RoleResult | null;
  publication: PublicationResult | null;
}

export interface RunOptions {
  /** Progress and warnings (the CLI prints them on stderr). */
  log?: (line: string) => void;
}

function sameCounts(a: RowCounts, b: RowCounts): boolean {
  return TABLES.every((t) => a[t] === b[t]);
}

/** Whether the stored data can stay (true) or must be (re)loaded, and why. */
async function decide(client: pg.ClientBase, config: SeedConfig, expected: RowCounts): Promise<[boolean, string]> {
  if (config.force) return [false, 'SEED_FORCE is set'];
  const meta = await readMeta(client, config.schema);
  if (!meta) return [false, 'no previous seed'];
  if (meta.generatorVersion !== GENERATOR_VERSION || meta.schemaVersion !== SCHEMA_VERSION) {
    return [false, `generator changed (v${meta.generatorVersion}/schema v${meta.schemaVersion} -> v${GENERATOR_VERSION}/schema v${SCHEMA_VERSION})`];
  }
  if (meta.scale !== config.scale) return [false, `scale changed (${meta.scale} -> ${config.scale})`];
  if (!sameCounts(await countRows(client, config.schema), expected)) return [false, 'row counts differ from the recorded seed'];
  return [true, 'fingerprint and row counts match'];
}

interface ForeignKey {
  table: TableName;
  name: string;
  definition: string;
}

/**
 * Drops the foreign keys among the seed tables and returns them for re-adding.
 * Checking a key once per table with one join (ADD CONSTRAINT) is over twice as
 * fast as a trigger per COPY row; the transaction keeps them atomic.
 */
async function dropForeignKeys(client: pg.ClientBase, schema: string): Promise<ForeignKey[]> {
  const { rows } = await client.query<ForeignKey>(
    `SELECT cl.relname AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c
       JOIN pg_class cl ON cl.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
      WHERE c.contype = 'f' AND n.nspname = $1 AND cl.relname = ANY($2::text[])
      ORDER BY c.oid`,
    [schema, [...TABLES]],
  );
  for (const fk of rows) await client.query(`ALTER TABLE ${qualified(schema, fk.table)} DROP CONSTRAINT ${quoteIdent(fk.name)}`);
  return rows;
}

async function load(client: pg.ClientBase, config: SeedConfig, expected: RowCounts, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  const list = TABLES.map((t) => qualified(config.schema, t)).join(', ');
  await client.query(`TRUNCATE ${list}`);
  const foreignKeys = await dropForeignKeys(client, config.schema);
  for (const table of TABLES) {
    const gen = GENERATORS[table];
    const progress = new TableProgress(table, expected[table], log);
    const columns = gen.columns.map(quoteIdent).join(', ');
    // FREEZE is allowed because the table was truncated in this transaction; it
    // spares the first reader (the connector's full sync) rewriting hint bits.
    const sql = `COPY ${qualified(config.schema, table)} (${columns}) FROM STDIN WITH (FREEZE)`;
    const rows = await copyInto(client, sql, gen.rows(expected), (n) => progress.update(n));
    progress.done(rows);
    if (rows !== expected[table]) throw new SeedError(`${table}: PostgreSQL stored ${rows} rows, expected ${expected[table]}`);
  }
  const checking = performance.now();
  for (const fk of foreignKeys) {
    // The definition comes from pg_get_constraintdef, i.e. from the server itself.
    await client.query(`ALTER TABLE ${qualified(config.schema, fk.table)} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.definition}`);
  }
  if (foreignKeys.length > 0) log(`foreign keys checked in ${((performance.now() - checking) / 1000).toFixed(2)}s`);
  return (performance.now() - started) / 1000;
}

export async function runSeed(config: SeedConfig, options: RunOptions = {}): Promise<SeedSummary> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const expected = rowCounts(config.scale);
  const client = await connect(config.connection, config.waitSeconds, log);
  try {
    await client.query('BEGIN');
    let skipped: boolean;
    let reason: string;
    let loadSeconds = 0;
    try {
      await client.query('SET LOCAL statement_timeout = 0');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pg-es-connectors seed ${config.schema}`]);
      const { recreated } = await ensureSchema(client, config.schema);
      [skipped, reason] = await decide(client, config, expected);
      if (recreated) reason = `schema version changed; ${reason}`;
      if (skipped) {
        log(`schema "${config.schema}" already holds the scale-${config.scale} dataset (${reason}); nothing to load (SEED_FORCE=true reloads)`);
      } else {
        log(`loading scale ${config.scale} into schema "${config.schema}" at ${config.connection.target} (${reason})`);
        loadSeconds = await load(client, config, expected, log);
        await writeMeta(client, config.schema, { generatorVersion: GENERATOR_VERSION, schemaVersion: SCHEMA_VERSION, scale: config.scale }, expected);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    if (!skipped) {
      // Fresh statistics, so the connector's first queries get sensible plans.
      for (const table of TABLES) await client.query(`ANALYZE ${qualified(config.schema, table)}`);
    }

    let role: RoleResult | null = null;
    if (config.role) {
      role = await ensureConnectorRole(client, { ...config.role, schema: config.schema });
      for (const w of role.warnings) log(`warning: ${w}`);
      log(`role "${role.name}" ${role.created ? 'created' : 'updated'}: LOGIN${role.replication ? ', REPLICATION' : ''}, SELECT on schema "${config.schema}"`);
    }

    let publication: PublicationResult | null = null;
    if (config.publication) {
      publication = await ensurePublication(client, config.publication, config.schema, TABLES);
      log(`publication "${publication.name}" ${publication.created ? 'created' : 'updated'} for the ${TABLES.length} tables (incremental sync reads it)`);
    }

    const totalRows = TABLES.reduce((n, t: TableName) => n + expected[t], 0);
    return {
      database: config.connection.target,
      schema: config.schema,
      scale: config.scale,
      generatorVersion: GENERATOR_VERSION,
      action: skipped ? 'skipped' : 'loaded',
      reason,
      tables: expected,
      totalRows,
      loadSeconds: Number(loadSeconds.toFixed(3)),
      rowsPerSecond: loadSeconds > 0 ? Math.round(totalRows / loadSeconds) : 0,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      role,
      publication,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
