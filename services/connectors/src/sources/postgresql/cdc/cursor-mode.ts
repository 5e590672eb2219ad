import type { ChangeEvent } from '../../types.js';
import { primaryKey } from '../catalog.js';
import { qualifiedName, quoteIdent } from '../connection.js';
import type { RowsQuery } from '../pg-types.js';
import { builderFor, type ReaderContext } from '../reader.js';

/**
 * The fallback where logical replication is unavailable (managed databases,
 * wal_level = replica): rows whose cursor column (say `updated_at`) moved past
 * the last value seen are indexed again. Deletes are not seen: full syncs
 * remove deleted rows.
 */
export interface ColumnCursor {
  mode: 'cursor';
  column: string;
  /** Per table, the highest cursor value seen (PostgreSQL's text), null when the table was empty. */
  values: Record<string, string | null>;
  /** Tables of the schema's selection that have the column, in the order read. */
  tables: string[];
  /** The publication logical replication would use: once it can, a full sync moves the chain to it. */
  publication: string;
  note: string;
}

export const CURSOR_NOTE = 'Incremental sync follows the cursor column: deleted rows are not seen; full syncs remove them';

export function isColumnCursor(value: unknown): value is ColumnCursor {
  const c = value as Partial<ColumnCursor> | null;
  return typeof c === 'object' && c !== null && c.mode === 'cursor' && typeof c.column === 'string' && typeof c.values === 'object' && Array.isArray(c.tables);
}

/** Tables that have the column, with its type category (`D` date/time, `N` numeric…). */
export async function cursorColumns(query: RowsQuery, schema: string, tables: string[], column: string): Promise<Map<string, string>> {
  const rows = await query(
    `SELECT c.relname, t.typcategory
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = $3 AND NOT a.attisdropped
     JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     WHERE n.nspname = $1 AND c.relname = ANY($2::pg_catalog.text[]) AND t.typcategory IN ('D', 'N')`,
    [schema, tables, column],
  );
  return new Map(rows.map((r) => [r[0] ?? '', r[1] ?? '']));
}

/** The highest cursor value of each table, in the caller's snapshot. */
export async function cursorValues(query: RowsQuery, schema: string, tables: string[], column: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const t of tables) {
    const [[max]] = (await query(`SELECT pg_catalog.max(${quoteIdent(column)})::text FROM ${qualifiedName(schema, t)}`)) as [[string | null]];
    out[t] = max;
  }
  return out;
}

/** Whether any table has a row past its cursor value. */
export async function cursorHasChanges(query: RowsQuery, schema: string, cursor: ColumnCursor): Promise<boolean> {
  for (const t of cursor.tables) {
    const from = cursor.values[t];
    const where = from === null || from === undefined ? `${quoteIdent(cursor.column)} IS NOT NULL` : `${quoteIdent(cursor.column)} > $1`;
    const rows = await query(`SELECT 1 FROM ${qualifiedName(schema, t)} WHERE ${where} LIMIT 1`, from == null ? [] : [from]);
    if (rows.length > 0) return true;
  }
  return false;
}

/**
 * One pass over every table: rows past the cursor value minus `windowSeconds`
 * (a transaction that commits late carries an older timestamp), in
 * (column, key) order, `fetch_size` at a time. Rows already indexed are
 * indexed again: same ids, same content. Ends with one commit whose position
 * is the new cursor values.
 */
export async function* cursorChanges(ctx: ReaderContext, cursor: ColumnCursor, windowSeconds: number): AsyncGenerator<ChangeEvent> {
  const { settings, session } = ctx;
  const col = quoteIdent(cursor.column);
  const categories = await cursorColumns(session.rows, settings.schema, cursor.tables, cursor.column);
  const values = { ...cursor.values };
  for (const table of cursor.tables) {
    const target = qualifiedName(settings.schema, table);
    const [[oid]] = (await session.rows('SELECT $1::pg_catalog.regclass::oid', [target])) as [[string]];
    const pk = await primaryKey(session.rows, Number(oid));
    const order = [col, ...pk.map(quoteIdent)].join(', ');
    const from = cursor.values[table];
    // Written so that $2 takes the column's own type.
    const windowed = categories.get(table) === 'D' && windowSeconds > 0 ? `(${col} + interval '${Math.trunc(windowSeconds)} seconds')` : col;
    const start = from == null ? `${col} IS NOT NULL` : `${windowed} > $2`;
    let last: (string | null)[] | undefined;
    let builder: Awaited<ReturnType<typeof builderFor>> | undefined;
    let keyIndexes: number[] = [];
    let colIndex = -1;
    for (;;) {
      ctx.signal.throwIfAborted();
      const bounds = last ? last.map((_, i) => `$${i + 2}`).join(', ') : '';
      const text = last
        ? `SELECT * FROM ${target} WHERE (${order}) > (${bounds}) ORDER BY ${order} LIMIT $1`
        : `SELECT * FROM ${target} WHERE ${start} ORDER BY ${order} LIMIT $1`;
      const page = await session.query(target, text, [settings.fetchSize, ...(last ?? (from == null ? [] : [from]))]);
      if (!builder) {
        const names = page.fields.map((f) => f.name);
        keyIndexes = pk.map((k) => names.indexOf(k));
        colIndex = names.indexOf(cursor.column);
        builder = await builderFor(ctx, page.fields, [table], table, keyIndexes, ctx.startedAt);
      }
      for (const row of page.rows) {
        last = [row[colIndex] ?? null, ...keyIndexes.map((i) => row[i] ?? null)];
        yield { kind: 'upsert', doc: builder.build(row) };
      }
      if (page.rows.length < settings.fetchSize) break;
    }
    // The highest value in this snapshot, never lower than before (the window re-reads older rows).
    const [[highest]] = (await session.rows(
      from == null
        ? `SELECT pg_catalog.max(${col})::text FROM ${target}`
        : `SELECT coalesce((SELECT pg_catalog.max(${col}) FROM ${target} WHERE ${col} >= $1)::text, $2)`,
      from == null ? [] : [from, from],
    )) as [[string | null]];
    values[table] = highest;
  }
  yield { kind: 'commit', position: JSON.stringify(values), more: false, committedAt: new Date() };
}
