import { SourceError } from '../types.js';
import type { RowsQuery } from './pg-types.js';

/** A relation of the configured schema. */
export interface Relation {
  oid: number;
  name: string;
  /** pg_class.relkind: r table, p partitioned table, v view, m materialized view, f foreign table. */
  kind: string;
  canSelect: boolean;
}

export interface Column {
  name: string;
  typeOid: number;
}

const RELATIONS_SQL = `SELECT c.oid, c.relname, c.relkind, pg_catalog.has_table_privilege(c.oid, 'SELECT')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`;

function relation(row: (string | null)[]): Relation {
  return { oid: Number(row[0]), name: row[1] ?? '', kind: row[2] ?? '', canSelect: row[3] === 't' };
}

export async function schemaExists(query: RowsQuery, schema: string): Promise<boolean> {
  const rows = await query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema]);
  return rows.length > 0;
}

export async function assertSchema(query: RowsQuery, schema: string, database: string): Promise<void> {
  if (!(await schemaExists(query, schema))) {
    throw new SourceError(`Schema "${schema}" does not exist in database "${database}"`, 'schema_not_found');
  }
}

/**
 * Without USAGE on the schema no table in it can be read, whatever the table
 * grants say: a configuration error, shown before any job runs.
 */
export async function assertSchemaUsage(query: RowsQuery, schema: string, user: string): Promise<void> {
  const rows = await query(`SELECT pg_catalog.has_schema_privilege($1, 'USAGE')`, [schema]);
  if (rows[0]?.[0] !== 't') {
    throw new SourceError(`Permission denied: user "${user}" has no USAGE on schema "${schema}"; an administrator must run GRANT USAGE ON SCHEMA "${schema}" TO "${user}"`, 'permission_denied');
  }
}

/** Every table-like relation of the schema, by name (stable order). */
export async function listRelations(query: RowsQuery, schema: string): Promise<Relation[]> {
  const rows = await query(`${RELATIONS_SQL} ORDER BY c.relname`, [schema]);
  return rows.map(relation);
}

/** The named relations that exist, keyed by name (names are matched exactly, case included). */
export async function findRelations(query: RowsQuery, schema: string, names: string[]): Promise<Map<string, Relation>> {
  const rows = await query(`${RELATIONS_SQL} AND c.relname = ANY($2::pg_catalog.text[])`, [schema, names]);
  return new Map(rows.map((r) => [r[1] ?? '', relation(r)]));
}

/** Primary-key column names in key order; empty when there is none. */
export async function primaryKey(query: RowsQuery, oid: number): Promise<string[]> {
  const rows = await query(
    `SELECT a.attname
     FROM pg_catalog.pg_constraint c
     CROSS JOIN LATERAL pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, position)
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
     WHERE c.conrelid = $1 AND c.contype = 'p'
     ORDER BY k.position`,
    [oid],
  );
  return rows.map((r) => r[0] ?? '');
}

/** Columns in table order, as `SELECT *` returns them. */
export async function columns(query: RowsQuery, oid: number): Promise<Column[]> {
  const rows = await query(
    `SELECT attname, atttypid FROM pg_catalog.pg_attribute
     WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [oid],
  );
  return rows.map((r) => ({ name: r[0] ?? '', typeOid: Number(r[1]) }));
}

/** Why a relation cannot be read with keyset pagination, or null when it can. */
export function unreadableReason(rel: Relation, pk: string[]): string | null {
  if (rel.kind === 'v') return 'view (no primary key)';
  if (rel.kind === 'm') return 'materialized view (no primary key)';
  if (rel.kind === 'f') return 'foreign table (no primary key)';
  if (pk.length === 0) return 'no primary key';
  return null;
}

/**
 * The planner's row estimate (pg_class.reltuples) summed over the leaves of
 * these relations (a partitioned table's own figure would count its rows
 * twice): free to read, and close enough for an ETA. Undefined when no leaf
 * has been analyzed yet (reltuples -1).
 */
export async function estimatedRowCount(query: RowsQuery, oids: number[]): Promise<number | undefined> {
  if (oids.length === 0) return undefined;
  const rows = await query(
    // pg_partition_tree lists nothing for a plain table: those count themselves.
    `SELECT sum(greatest(c.reltuples, 0))::text, bool_or(c.reltuples >= 0)
     FROM pg_catalog.pg_class c
     WHERE (c.oid = ANY($1::oid[]) AND c.relkind IN ('r', 'm', 'f'))
        OR c.oid IN (SELECT t.relid FROM unnest($1::oid[]) AS r(oid), LATERAL pg_catalog.pg_partition_tree(r.oid::regclass) AS t WHERE t.isleaf)`,
    [oids],
  );
  const [sum, known] = rows[0] ?? [];
  return known === 't' ? Math.round(Number(sum)) : undefined;
}
