import type { Logger } from '../../../log/logger.js';
import { errorMessage } from '../../../log/redact.js';
import { sleep } from '../../../util/sleep.js';
import { ChainBroken, SourceError, type ChainStart, type ChangeCapture, type ChangeEvent, type ChangeOptions } from '../../types.js';
import { parseAdvancedRules } from '../advanced-rules.js';
import { connect, disconnect, errorContext, quoteIdent } from '../connection.js';
import { toSourceError } from '../errors.js';
import { TypeRegistry } from '../pg-types.js';
import { readableTables, type ReaderContext } from '../reader.js';
import { SnapshotSession } from '../session.js';
import type { PgSettings } from '../settings.js';
import {
  captureBlocker,
  defaultPublication,
  dropSlot,
  dropStaleSlots,
  isLogicalCursor,
  newSlotName,
  planPublication,
  PublicationError,
  slotHasChanges,
  slotState,
  tableShapes,
  unusableReplicaIdentity,
  type LogicalCursor,
} from './chain.js';
import { changeEvents } from './changes.js';
import { formatLsn, parseLsn } from './lsn.js';
import { ReplicationConnection } from './replication.js';
import { CURSOR_NOTE, cursorChanges, cursorColumns, cursorHasChanges, cursorValues, isColumnCursor, type ColumnCursor } from './cursor-mode.js';
import type { RowsQuery } from '../pg-types.js';

const LOOKUP_TIMEOUT_MS = 30_000;

type Readable = Awaited<ReturnType<typeof readableTables>>;

/** Another consumer holds the slot (a replica shutting down, a stale connection): retried this many times. */
const SLOT_BUSY_ATTEMPTS = 5;

export type StartedChain =
  | {
      cursor: LogicalCursor;
      snapshot: string;
      /** Holds the exported snapshot: keep it open and idle until the read is done. */
      repl: ReplicationConnection;
    }
  | {
      cursor: ColumnCursor;
      /** Records the cursor values inside the full sync's own snapshot, before it reads. */
      prepare(rows: RowsQuery): Promise<void>;
    };

/** Change capture for the PostgreSQL source: logical replication with pgoutput. */
export class PostgresCapture implements ChangeCapture {
  private repl: ReplicationConnection | undefined;

  constructor(
    private readonly settings: PgSettings,
    private readonly log: Logger,
  ) {}

  private async withLookups<T>(signal: AbortSignal, fn: (ctx: ReaderContext) => Promise<T>, notice: ReaderContext['notice'] = () => undefined): Promise<T> {
    // Catalog lookups and peeks: bounded, so a stuck server cannot stall the poll loop.
    const session = new SnapshotSession(this.lookupSettings(), this.log, signal);
    try {
      return await fn(this.context(session, signal, notice));
    } finally {
      await session.close();
    }
  }

  /** Lookups and publication DDL: one attempt, 30 s on the server (lock waits included) and on the client. */
  private lookupSettings(): PgSettings {
    return { ...this.settings, retryCount: 0, statementTimeoutMs: LOOKUP_TIMEOUT_MS };
  }

  private context(session: SnapshotSession, signal: AbortSignal, notice: ReaderContext['notice']): ReaderContext {
    return { settings: this.settings, session, types: new TypeRegistry(), log: this.log, signal, notice, startedAt: new Date().toISOString() };
  }

  private publicationFor(connectorId: string): string {
    return this.settings.publication || defaultPublication(connectorId);
  }

  async blocker(options: { advancedRules?: unknown; connectorId: string }): Promise<string | null> {
    if (parseAdvancedRules(options.advancedRules).rules.length > 0) {
      return 'Advanced sync rules are active: a change cannot be mapped to the rows of a custom query, so this connector runs full syncs only';
    }
    return this.withLookups(new AbortController().signal, async (ctx) => {
      const readable = await readableTables(ctx, false);
      const logical = await this.logicalBlocker(ctx, this.publicationFor(options.connectorId), readable);
      if (!logical) return null;
      const tables = readable.map((t) => t.relation.name);
      const withColumn = await cursorColumns(ctx.session.rows, this.settings.schema, tables, this.settings.cursorColumn);
      if (withColumn.size > 0) return null;
      return `${logical}; and no synced table has the cursor column "${this.settings.cursorColumn}" (a timestamp or number) for the fallback`;
    });
  }

  /** Why logical replication cannot be used for these tables (as `readableTables` resolved them), or null. */
  private async logicalBlocker(ctx: ReaderContext, publication: string, readable?: Readable): Promise<string | null> {
    const blocker = await captureBlocker(ctx.session.rows, this.settings.username);
    if (blocker) return blocker;
    readable ??= await readableTables(ctx, false);
    // pgoutput names a partition's changes after the partition: list the partitions (or use "*").
    const partitioned = readable.filter((t) => t.relation.kind === 'p').map((t) => `"${t.relation.name}"`);
    if (partitioned.length) return `${partitioned.join(', ')} ${partitioned.length > 1 ? 'are partitioned tables' : 'is a partitioned table'}: list its partitions instead (or use *) to sync it incrementally`;
    const tables = readable.map((t) => t.relation.name);
    const identity = await unusableReplicaIdentity(ctx.session.rows, this.settings.schema, tables);
    if (identity.length) {
      return `Deletes in ${identity.map((t) => `"${t}"`).join(', ')} would not carry the primary key (REPLICA IDENTITY): an administrator must run ${identity.map((t) => `ALTER TABLE ${quoteIdent(this.settings.schema)}.${quoteIdent(t)} REPLICA IDENTITY DEFAULT`).join('; ')}`;
    }
    try {
      await planPublication(ctx.session.rows, publication, this.settings.schema, tables, false);
      return null;
    } catch (err) {
      if (err instanceof PublicationError) return err.message;
      throw err;
    }
  }

  /** The cursor-column fallback: tables without the column are left to full syncs, said on the job. */
  private async startCursorMode(start: ChainStart, signal: AbortSignal, notice: ReaderContext['notice'], why: string): Promise<StartedChain> {
    const column = this.settings.cursorColumn;
    const tables = await this.withLookups(signal, async (ctx) => {
      const names = (await readableTables(ctx, false)).map((t) => t.relation.name);
      const withColumn = await cursorColumns(ctx.session.rows, this.settings.schema, names, column);
      for (const t of names.filter((n) => !withColumn.has(n))) {
        notice({ kind: 'no_cursor_column', message: `Table "${t}" has no cursor column "${column}": its changes are seen only by full syncs`, detail: { table: t } });
      }
      if (withColumn.size === 0) throw new SourceError(`Incremental sync unavailable: ${why}; and no synced table has the cursor column "${column}"`, 'change_capture_unavailable');
      return names.filter((n) => withColumn.has(n));
    });
    notice({ kind: 'cursor_mode', message: `${CURSOR_NOTE} (logical replication unavailable: ${why})` });
    this.log.info({ column, tables, reason: why }, 'change capture: cursor-column fallback');
    const cursor: ColumnCursor = { mode: 'cursor', column, values: {}, tables, publication: this.publicationFor(start.connectorId), note: CURSOR_NOTE };
    return {
      cursor,
      prepare: async (rows) => {
        cursor.values = await cursorValues(rows, this.settings.schema, tables, column);
      },
    };
  }

  /**
   * Before a full sync: the publication, then a new slot whose exported
   * snapshot the full sync reads from. Inactive slots of earlier chains other
   * than the current one are dropped.
   */
  async start(start: ChainStart, signal: AbortSignal, notice: ReaderContext['notice']): Promise<StartedChain> {
    const why = await this.withLookups(signal, (ctx) => this.logicalBlocker(ctx, this.publicationFor(start.connectorId)));
    if (why) return this.startCursorMode(start, signal, notice, why);
    const previous = isLogicalCursor(start.previous) ? start.previous : undefined;
    const publication = this.publicationFor(start.connectorId);
    const { tables, owned, shapes } = await this.withLookups(signal, async (ctx) => {
      const names = (await readableTables(ctx, false)).map((t) => t.relation.name);
      const ownedBefore = previous?.publication === publication && previous.publication_owned;
      let plan;
      try {
        plan = await planPublication(ctx.session.rows, publication, this.settings.schema, names, ownedBefore);
      } catch (err) {
        if (err instanceof PublicationError) throw new SourceError(err.message, 'change_capture_unavailable');
        throw err;
      }
      if (plan.sql.length) await this.runDdl(plan.sql);
      const dropped = await dropStaleSlots(ctx.session.rows, start.connectorId, previous ? [previous.slot] : []);
      if (dropped.length) this.log.info({ slots: dropped }, 'dropped replication slots of earlier change-capture chains');
      return { tables: names, owned: plan.owned, shapes: await tableShapes(ctx.session.rows, this.settings.schema, names) };
    });
    const repl = await ReplicationConnection.open(this.settings, this.log, signal);
    try {
      const slot = newSlotName(start.connectorId);
      const created = await repl.createSlot(slot).catch((err: unknown) => {
        throw toSourceError(err, errorContext(this.settings, { target: `replication slot ${slot}` }));
      });
      const cursor: LogicalCursor = { mode: 'logical', slot, publication, publication_owned: owned, lsn: formatLsn(created.consistentPoint), tables, shapes };
      this.log.info({ slot, publication, lsn: cursor.lsn }, 'change capture: slot created; the full sync reads from its snapshot');
      return { cursor, snapshot: created.snapshot, repl };
    } catch (err) {
      await repl.close();
      throw err;
    }
  }

  /** DDL the connector's role may run (it owns the tables): never inside the read-only snapshot. */
  private async runDdl(statements: string[]): Promise<void> {
    const client = await connect(this.lookupSettings(), this.log);
    try {
      for (const sql of statements) {
        await client.query(sql);
        this.log.info({ sql }, 'change capture: publication updated');
      }
    } catch (err) {
      throw toSourceError(err, errorContext(this.settings, { target: 'the publication' }));
    } finally {
      await disconnect(client);
    }
  }

  /** Why the chain cannot continue, checked before streaming. */
  private async check(ctx: ReaderContext, cursor: LogicalCursor): Promise<void> {
    const state = await slotState(ctx.session.rows, cursor.slot);
    if (!state) throw new ChainBroken(`the replication slot ${cursor.slot} no longer exists`);
    if (state.walStatus === 'lost') throw new ChainBroken(`the replication slot ${cursor.slot} was invalidated (it fell behind max_slot_wal_keep_size)`);
    const now = (await readableTables(ctx, false)).map((t) => t.relation.name);
    const added = now.filter((t) => !cursor.tables.includes(t));
    const removed = cursor.tables.filter((t) => !now.includes(t));
    if (added.length || removed.length) {
      const parts = [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean);
      throw new ChainBroken(`the synced tables changed (${parts.join('; ')})`);
    }
    if (cursor.shapes) {
      const shapes = await tableShapes(ctx.session.rows, this.settings.schema, now);
      const reshaped = now.filter((t) => shapes[t] !== cursor.shapes?.[t]);
      if (reshaped.length) throw new ChainBroken(`columns of ${reshaped.map((t) => `"${t}"`).join(', ')} were added, dropped or changed type`);
    }
    try {
      const plan = await planPublication(ctx.session.rows, cursor.publication, this.settings.schema, now, cursor.publication_owned);
      if (plan.sql.length) throw new ChainBroken(`publication "${cursor.publication}" no longer covers every synced table`);
    } catch (err) {
      if (err instanceof PublicationError) throw new ChainBroken(err.message);
      throw err;
    }
  }

  async *changes(cursor: unknown, options: ChangeOptions): AsyncGenerator<ChangeEvent> {
    if (isColumnCursor(cursor)) {
      yield* this.cursorPass(cursor, options);
      return;
    }
    if (!isLogicalCursor(cursor)) throw new ChainBroken('the connector has no change-capture chain yet');
    const session = new SnapshotSession(this.settings, this.log, options.signal);
    const ctx = this.context(session, options.signal, options.notice);
    try {
      await this.check(ctx, cursor);
      await session.endTransaction();
      for (let attempt = 1; ; attempt++) {
        const repl = await ReplicationConnection.open(this.settings, this.log, options.signal);
        this.repl = repl;
        const onAbort = () => void repl.close();
        options.signal.addEventListener('abort', onAbort, { once: true });
        try {
          yield* changeEvents(ctx, repl, cursor, options.tickMs ?? 250);
          return;
        } catch (err) {
          options.signal.throwIfAborted();
          if ((err as { code?: string }).code !== '55006' || attempt >= SLOT_BUSY_ATTEMPTS) {
            throw toSourceError(err, errorContext(this.settings, { target: `replication slot ${cursor.slot}` }));
          }
          this.log.warn({ slot: cursor.slot, attempt, err: errorMessage(err) }, 'replication slot in use; retrying');
          await sleep(1000 * attempt, options.signal, { rejectOnAbort: true });
        } finally {
          options.signal.removeEventListener('abort', onAbort);
          this.repl = undefined;
          await repl.close();
        }
      }
    } finally {
      await session.close();
    }
  }

  /** One pass of the cursor-column fallback, in one snapshot. Logical replication, once possible, takes over. */
  private async *cursorPass(cursor: ColumnCursor, options: ChangeOptions): AsyncGenerator<ChangeEvent> {
    const session = new SnapshotSession(this.settings, this.log, options.signal);
    const ctx = this.context(session, options.signal, options.notice);
    try {
      const readable = await readableTables(ctx, false);
      const now = readable.map((t) => t.relation.name);
      const withColumn = await cursorColumns(session.rows, this.settings.schema, now, cursor.column);
      const expected = now.filter((t) => withColumn.has(t));
      if (cursor.column !== this.settings.cursorColumn || expected.join() !== cursor.tables.join()) {
        throw new ChainBroken('the synced tables or the cursor column changed');
      }
      if (!(await this.logicalBlocker(ctx, cursor.publication, readable))) throw new ChainBroken('logical replication is available now');
      await session.endTransaction();
      options.notice({ kind: 'cursor_mode', message: CURSOR_NOTE });
      yield* cursorChanges(ctx, cursor, this.settings.cursorWindowSeconds);
    } finally {
      await session.close();
    }
  }

  confirm(position: string): void {
    // Cursor mode has nothing to confirm: its position is the cursor itself.
    if (position.startsWith('{')) return;
    this.repl?.confirm(parseLsn(position));
  }

  cursorAt(cursor: unknown, position: string | undefined): unknown {
    if (isColumnCursor(cursor) && position !== undefined) return { ...cursor, values: JSON.parse(position) as ColumnCursor['values'] };
    if (!isLogicalCursor(cursor) || position === undefined) return cursor;
    return parseLsn(position) > parseLsn(cursor.lsn) ? { ...cursor, lsn: position } : cursor;
  }

  /** True also when the chain cannot continue: the job then repairs it. */
  async hasChanges(cursor: unknown, options: { thorough?: boolean } = {}): Promise<boolean> {
    if (isColumnCursor(cursor)) {
      return this.withLookups(new AbortController().signal, async (ctx) => {
        // Replication became possible: a new chain (full sync) moves to it.
        if (options.thorough && !(await this.logicalBlocker(ctx, cursor.publication))) return true;
        return cursorHasChanges(ctx.session.rows, this.settings.schema, cursor);
      });
    }
    if (!isLogicalCursor(cursor)) return true;
    try {
      return await this.withLookups(new AbortController().signal, async (ctx) => {
        if (options.thorough) await this.check(ctx, cursor);
        return slotHasChanges(ctx.session.rows, cursor.slot, cursor.publication);
      });
    } catch (err) {
      if (err instanceof ChainBroken) return true;
      const code = (err instanceof SourceError ? (err.cause as { code?: string } | undefined) : undefined)?.code;
      // In use: a job of another replica is streaming it.
      if (code === '55006') return false;
      // Gone: the job finds out why and repairs the chain.
      if (code === '42704') return true;
      throw err;
    }
  }

  async dropChain(cursor: unknown, keep?: unknown): Promise<void> {
    if (!isLogicalCursor(cursor)) return;
    const kept = isLogicalCursor(keep) ? keep : undefined;
    if (kept?.slot === cursor.slot) return;
    const signal = new AbortController().signal;
    await this.withLookups(signal, async (ctx) => {
      const state = await slotState(ctx.session.rows, cursor.slot);
      if (state?.active) throw new SourceError(`replication slot ${cursor.slot} is in use (pid ${state.activePid ?? '?'}); it is dropped once free`, 'slot_in_use');
      if (state) await dropSlot(ctx.session.rows, cursor.slot);
    });
    if (cursor.publication_owned && kept?.publication !== cursor.publication) await this.runDdl([`DROP PUBLICATION IF EXISTS ${quoteIdent(cursor.publication)}`]);
    this.log.info({ slot: cursor.slot }, 'change capture: previous chain dropped');
  }

  async retention(cursor: unknown): Promise<{ bytes: number | null; state: string | null } | null> {
    if (!isLogicalCursor(cursor)) return null;
    const state = await this.withLookups(new AbortController().signal, (ctx) => slotState(ctx.session.rows, cursor.slot));
    return state ? { bytes: state.retainedBytes, state: state.walStatus } : null;
  }
}
