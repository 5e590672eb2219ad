import type { ChangeEvent } from '../../types.js';
import { primaryKey } from '../catalog.js';
import { qualifiedName, quoteIdent } from '../connection.js';
import { builderFor, type DocumentBuilder, type ReaderContext } from '../reader.js';
import type { LogicalCursor } from './chain.js';
import { formatLsn, parseLsn } from './lsn.js';
import type { RelationMessage, Tuple } from './pgoutput.js';
import type { ReplicationConnection } from './replication.js';

/** A synced table as the stream describes it, with what turns its rows into documents. */
interface TableState {
  table: string;
  builder: DocumentBuilder;
  /** Positions of the primary-key columns in the table's rows (what the builder reads). */
  key: number[];
  /** Positions of the primary-key columns in the stream's rows. */
  streamKey: number[];
  /** Column names of the stream's rows. */
  streamColumns: string[];
  /** Width of the table's rows. */
  width: number;
  /**
   * The stream leaves columns out (stored generated columns; a publication's
   * column list): every upsert reads the whole row by key instead.
   */
  reread: boolean;
}

async function tableState(ctx: ReaderContext, m: RelationMessage): Promise<TableState | null> {
  // Relation messages carry the replica identity, which is the whole row under
  // REPLICA IDENTITY FULL: the document id always comes from the primary key.
  const pk = await primaryKey(ctx.session.rows, m.oid);
  const streamColumns = m.columns.map((c) => c.name);
  const streamKey = pk.map((k) => streamColumns.indexOf(k));
  if (pk.length === 0 || streamKey.includes(-1)) {
    const message = `Changes to "${m.schema}"."${m.table}" are ignored: the table has no primary key any more`;
    ctx.log.warn({ table: m.table }, message);
    ctx.notice({ kind: 'table_skipped', message, detail: { table: m.table } });
    return null;
  }
  const target = qualifiedName(ctx.settings.schema, m.table);
  const { fields } = await ctx.session.query(target, `SELECT * FROM ${target} LIMIT 0`);
  const names = fields.map((f) => f.name);
  const reread = names.length !== streamColumns.length || names.some((n, i) => n !== streamColumns[i]);
  const key = pk.map((k) => names.indexOf(k));
  const builder = await builderFor(ctx, fields, [m.table], m.table, key, ctx.startedAt);
  return { table: m.table, builder, key, streamKey, streamColumns, width: names.length, reread };
}

/**
 * The row as a full sync would read it. An update that left a TOASTed column
 * unchanged does not send it, and some columns are never sent (see `reread`):
 * the row is then read again by key, as it is now (later changes in the stream
 * apply on top, so the index converges). Null when the row is gone: its delete follows.
 */
async function completeRow(ctx: ReaderContext, t: TableState, row: Tuple): Promise<(string | null)[] | null> {
  if (!t.reread && !row.includes(undefined)) return row as (string | null)[];
  const where = t.streamKey.map((i, n) => `${quoteIdent(t.streamColumns[i] ?? '')} = $${n + 1}`).join(' AND ');
  const target = qualifiedName(ctx.settings.schema, t.table);
  const res = await ctx.session.query(target, `SELECT * FROM ${target} WHERE ${where}`, t.streamKey.map((i) => row[i]));
  await ctx.session.endTransaction();
  const current = res.rows[0];
  if (!current) return null;
  if (t.reread) return current;
  return row.map((v, i) => (v === undefined ? (current[res.fields.findIndex((f) => f.name === t.streamColumns[i])] ?? null) : v));
}

/** The document id of a stream row: only its key is needed. */
function idOf(t: TableState, row: Tuple): string {
  const full: (string | null)[] = new Array<string | null>(t.width).fill(null);
  t.key.forEach((k, n) => (full[k] = row[t.streamKey[n] ?? -1] ?? null));
  return String(t.builder.build(full)._id);
}

/**
 * pgoutput messages of the chain's slot turned into document changes, one
 * transaction at a time. `_timestamp` is the transaction's commit time.
 */
export async function* changeEvents(ctx: ReaderContext, repl: ReplicationConnection, cursor: LogicalCursor, tickMs: number): AsyncGenerator<ChangeEvent> {
  const synced = new Set(cursor.tables);
  const tables = new Map<number, TableState | null>();
  let inTransaction = false;
  let committedAt = ctx.startedAt;
  for await (const item of repl.start(cursor.slot, cursor.publication, parseLsn(cursor.lsn), tickMs)) {
    if (item.kind !== 'data') {
      // A keepalive's position is safe to confirm only between transactions.
      if (!inTransaction) yield item.kind === 'keepalive' ? { kind: 'idle', position: formatLsn(item.walEnd) } : { kind: 'idle' };
      continue;
    }
    const m = item.message;
    switch (m.tag) {
      case 'begin':
        inTransaction = true;
        committedAt = m.commitTime.toISOString();
        break;
      case 'commit':
        inTransaction = false;
        yield { kind: 'commit', position: formatLsn(m.endLsn), more: repl.hasBuffered(), committedAt: m.commitTime };
        break;
      case 'relation':
        tables.set(m.oid, m.schema === ctx.settings.schema && synced.has(m.table) ? await tableState(ctx, m) : null);
        await ctx.session.endTransaction();
        break;
      case 'insert':
      case 'update': {
        const t = tables.get(m.relation);
        if (!t) break;
        if (m.tag === 'update' && m.old) {
          const oldId = idOf(t, m.old);
          if (oldId !== idOf(t, m.row)) yield { kind: 'delete', id: oldId };
        }
        const row = await completeRow(ctx, t, m.row);
        if (!row) break;
        const doc = t.builder.build(row);
        doc._timestamp = committedAt;
        yield { kind: 'upsert', doc };
        break;
      }
      case 'delete': {
        const t = tables.get(m.relation);
        if (t) yield { kind: 'delete', id: idOf(t, m.old) };
        break;
      }
      case 'truncate': {
        const names = m.relations.map((oid) => tables.get(oid)?.table).filter((n): n is string => n !== undefined);
        if (names.length > 0) yield { kind: 'truncate', tables: names };
        break;
      }
      default:
        break;
    }
  }
}
