import { createHash } from 'node:crypto';
import { quoteIdent } from '../connection.js';
import type { RowsQuery } from '../pg-types.js';

/**
 * A change-capture chain: the slot a full sync created (reading from its
 * exported snapshot) and every incremental sync since, streaming from it.
 * Stored as the connector's `sync_cursor`; jobs get a copy at claim.
 */
export interface LogicalCursor {
  mode: 'logical';
  slot: string;
  publication: string;
  /** The service created the publication, so it may alter and drop it. */
  publication_owned: boolean;
  /** Position confirmed when the last job of the chain ended. */
  lsn: string;
  /** Tables the chain's full sync read; another set needs a new chain. */
  tables: string[];
  /**
   * A fingerprint of each table's columns: a column added or dropped changes
   * every document of the table, which only a full sync rewrites.
   */
  shapes?: Record<string, string>;
}

export function isLogicalCursor(value: unknown): value is LogicalCursor {
  const c = value as Partial<LogicalCursor> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    c.mode === 'logical' &&
    typeof c.slot === 'string' &&
    typeof c.publication === 'string' &&
    typeof c.lsn === 'string' &&
    Array.isArray(c.tables)
  );
}

/** `pgesc_<16 hex of the connector id's SHA-256>`: the same on every replica, ≤ 63 bytes, `[a-z0-9_]`. */
export function chainPrefix(connectorId: string): string {
  return `pgesc_${createHash('sha256').update(connectorId).digest('hex').slice(0, 16)}`;
}

/** One slot per chain: a new full sync makes a new slot, so a stale cursor can never read a newer chain's slot. */
export function newSlotName(connectorId: string, now = Date.now()): string {
  return `${chainPrefix(connectorId)}_${now.toString(36)}`;
}

export const defaultPublication = chainPrefix;

export interface SlotState {
  active: boolean;
  activePid: number | null;
  /** `reserved`, `extended`, `unreserved` or `lost` (PostgreSQL 13+). */
  walStatus: string | null;
  confirmedLsn: string | null;
  /** WAL the slot keeps, in bytes. */
  retainedBytes: number | null;
}

export async function slotState(query: RowsQuery, slot: string): Promise<SlotState | null> {
  const rows = await query(
    `SELECT active, active_pid, wal_status, confirmed_flush_lsn::text,
            pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), restart_lsn)::bigint
     FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND database = pg_catalog.current_database()`,
    [slot],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    active: r[0] === 't',
    activePid: r[1] === null ? null : Number(r[1]),
    walStatus: r[2] ?? null,
    confirmedLsn: r[3] ?? null,
    retainedBytes: r[4] === null ? null : Number(r[4]),
  };
}

/** Why change capture cannot work for this database and role, or null when it can. */
export async function captureBlocker(query: RowsQuery, user: string): Promise<string | null> {
  const rows = await query(
    `SELECT pg_catalog.current_setting('wal_level'), r.rolreplication OR r.rolsuper
     FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
  );
  const [walLevel, replication] = rows[0] ?? [];
  if (walLevel !== 'logical') {
    return `PostgreSQL's wal_level is "${walLevel ?? 'unknown'}": change capture needs wal_level = logical (a server restart)`;
  }
  if (replication !== 't') {
    return `User "${user}" lacks the REPLICATION attribute: an administrator must run ALTER ROLE ${quoteIdent(user)} REPLICATION`;
  }
  return null;
}

export interface PublicationPlan {
  /** SQL to run as the connector's role, if any (it owns the tables). */
  sql: string[];
  owned: boolean;
}

/**
 * What it takes for `publication` to publish every one of `tables` (inserts,
 * updates, deletes and truncates). Throws, naming the SQL an administrator
 * must run, when the role cannot do it itself.
 */
export async function planPublication(query: RowsQuery, publication: string, schema: string, tables: string[], ownedBefore: boolean): Promise<PublicationPlan> {
  const pubs = await query(
    `SELECT p.pubinsert AND p.pubupdate AND p.pubdelete AND p.pubtruncate, p.puballtables,
            pg_catalog.pg_has_role(p.pubowner, 'USAGE')
     FROM pg_catalog.pg_publication p WHERE p.pubname = $1`,
    [publication],
  );
  const owners = await query(
    `SELECT c.relname, pg_catalog.pg_has_role(c.relowner, 'USAGE')
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = ANY($2::pg_catalog.text[])`,
    [schema, tables],
  );
  const notOwned = owners.filter((r) => r[1] !== 't').map((r) => r[0] ?? '');
  const list = tables.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ');
  const pub = pubs[0];
  if (!pub) {
    const create = `CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${list}`;
    if (notOwned.length > 0) throw new PublicationError(`Publication "${publication}" does not exist and the connector's user does not own ${notOwned.map((t) => `"${t}"`).join(', ')}: an administrator must run ${create}`);
    return { sql: [create], owned: true };
  }
  if (pub[0] !== 't') throw new PublicationError(`Publication "${publication}" does not publish every operation: an administrator must run ALTER PUBLICATION ${quoteIdent(publication)} SET (publish = 'insert, update, delete, truncate')`);
  if (pub[1] === 't') return { sql: [], owned: ownedBefore };
  const published = new Set((await query(`SELECT tablename FROM pg_catalog.pg_publication_tables WHERE pubname = $1 AND schemaname = $2`, [publication, schema])).map((r) => r[0]));
  const missing = tables.filter((t) => !published.has(t));
  if (missing.length === 0) return { sql: [], owned: ownedBefore };
  const add = `ALTER PUBLICATION ${quoteIdent(publication)} ADD TABLE ${missing.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ')}`;
  const canAlter = pub[2] === 't' && missing.every((t) => !notOwned.includes(t));
  if (!canAlter) throw new PublicationError(`Publication "${publication}" does not include ${missing.map((t) => `"${t}"`).join(', ')}: an administrator must run ${add}`);
  return { sql: [add], owned: ownedBefore };
}

export class PublicationError extends Error {
  override name = 'PublicationError';
}

/** Drops inactive slots of this connector other than `keep` (chains that ended or crashed). */
export async function dropStaleSlots(query: RowsQuery, connectorId: string, keep: string[]): Promise<string[]> {
  const rows = await query(
    `SELECT slot_name FROM pg_catalog.pg_replication_slots
     WHERE slot_name LIKE $1 AND NOT active AND slot_name <> ALL($2::pg_catalog.text[])`,
    [`${chainPrefix(connectorId)}\\_%`, keep],
  );
  const dropped: string[] = [];
  for (const [slot] of rows) if (slot && (await dropSlot(query, slot))) dropped.push(slot);
  return dropped;
}

/**
 * Drops the slot if it exists and nobody streams from it. A slot someone
 * else dropped meanwhile (another replica, an administrator) is not an error.
 */
export async function dropSlot(query: RowsQuery, slot: string): Promise<boolean> {
  try {
    const rows = await query(
      `SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active`,
      [slot],
    );
    return rows.length > 0;
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
    if (code === '42704' || code === '55006') return false;
    throw err;
  }
}

/**
 * Whether the slot holds a published change not yet confirmed, without
 * consuming it. PostgreSQL 15+ skips transactions that touched no published
 * table, so an idle connector on a busy server reads as idle. When there is
 * none, the slot is moved up to the position checked: otherwise a quiet slot
 * on a busy server would keep every byte of WAL written since its last job.
 * Changes committed after that position stay in the slot.
 */
export async function slotHasChanges(query: RowsQuery, slot: string, publication: string): Promise<boolean> {
  // The flushed position, not the written one: decoding only reaches what is flushed, and
  // moving the slot past WAL it never looked at could skip a commit.
  const [[position]] = (await query('SELECT pg_catalog.pg_current_wal_flush_lsn()::text')) as [[string]];
  const rows = await query(
    `SELECT 1 FROM pg_catalog.pg_logical_slot_peek_binary_changes($1, $2::pg_catalog.pg_lsn, 1, 'proto_version', '1', 'publication_names', $3) LIMIT 1`,
    [slot, position, publication],
  );
  if (rows.length > 0) return true;
  await query('SELECT pg_catalog.pg_replication_slot_advance($1, $2::pg_catalog.pg_lsn)', [slot, position]);
  return false;
}

/** Per table, a short hash of its column names and types (table order). */
export async function tableShapes(query: RowsQuery, schema: string, tables: string[]): Promise<Record<string, string>> {
  const rows = await query(
    `SELECT c.relname, pg_catalog.string_agg(a.attname || ':' || a.atttypid::text, ',' ORDER BY a.attnum)
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = $1 AND c.relname = ANY($2::pg_catalog.text[]) GROUP BY c.relname`,
    [schema, tables],
  );
  return Object.fromEntries(rows.map((r) => [r[0] ?? '', createHash('sha256').update(r[1] ?? '').digest('hex').slice(0, 12)]));
}

/**
 * Tables whose deletes and key changes would not carry the primary key:
 * REPLICA IDENTITY NOTHING, or USING INDEX on an index that is not the key.
 */
export async function unusableReplicaIdentity(query: RowsQuery, schema: string, tables: string[]): Promise<string[]> {
  const rows = await query(
    `SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = ANY($2::pg_catalog.text[])
       AND (c.relreplident = 'n' OR (c.relreplident = 'i' AND NOT EXISTS (
         SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisreplident AND i.indisprimary)))`,
    [schema, tables],
  );
  return rows.map((r) => r[0] ?? '');
}
