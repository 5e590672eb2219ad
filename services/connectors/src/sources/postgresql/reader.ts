import type pg from 'pg';
import type { Logger } from '../../log/logger.js';
import { errorMessage } from '../../log/redact.js';
import { FIELD_KINDS, SerializedPage, SourceError, type BodyShape, type FieldKinds, type ReadProgress, type SourceDocument, type SyncNotice } from '../types.js';
import type { AdvancedRule } from './advanced-rules.js';
import { estimatedRowCount, findRelations, listRelations, primaryKey, unreadableReason, type Relation } from './catalog.js';
import { qualifiedName, quoteIdent } from './connection.js';
import { isTransient, noTablesConfigured, selectDenied, tablesNotFound } from './errors.js';
import { fieldNamer, sortedTables } from './fields.js';
import { documentIds, pythonStrOf } from './ids.js';
import { setField } from '../../util/fields.js';
import type { PgType, TypeRegistry } from './pg-types.js';
import { PageSizer } from './paging.js';
import type { QueryResultRows, SnapshotSession } from './session.js';
import type { PgSettings } from './settings.js';
import { bodySerializer } from './serialize.js';
import { isoTimestamp } from './iso.js';
import { fieldKind, jsonConverter, valueConverter } from './values.js';

export interface ReaderContext {
  settings: PgSettings;
  session: SnapshotSession;
  types: TypeRegistry;
  log: Logger;
  signal: AbortSignal;
  notice(n: SyncNotice): void;
  progress?(p: ReadProgress): void;
  /** ISO time the sync started: `_timestamp` when the table's commit time is unknown. */
  startedAt: string;
  /** The sync takes serialized bodies of this shape (`ReadOptions.serialize`). */
  serialize?: BodyShape;
}

interface Field {
  name: string;
  dataTypeID: number;
}

/** Converts result rows of one table or query into documents. */
export interface DocumentBuilder {
  build(row: (string | null)[]): SourceDocument;
  /** Present when the sync asked for serialized bodies (`ctx.serialize`) and the fields allow them. */
  serialize?(rows: (string | null)[][]): SerializedPage;
}

export async function builderFor(
  ctx: ReaderContext,
  fields: Field[],
  tables: string[],
  tableValue: string | string[],
  idColumns: number[],
  timestamp: string,
): Promise<DocumentBuilder> {
  const { settings, types } = ctx;
  await types.load(ctx.session.rows, fields.map((f) => f.dataTypeID));
  const name = fieldNamer(settings.fieldNaming, settings.schema, tables);
  const keys = fields.map((f) => name(f.name));
  const fieldTypes = fields.map((f) => types.get(f.dataTypeID));
  const columns = fields.flatMap((_, i) => {
    const type = fieldTypes[i];
    return type ? [{ index: i, key: keys[i] ?? '', type, convert: valueConverter(type) }] : [];
  });
  const idTable = sortedTables(tables).join('_');
  // Later columns win on a name collision, as they do for the values; `table` (a name or a list) goes by its value.
  const kinds: FieldKinds = {
    id: 'text',
    _timestamp: 'instant',
    database: 'text',
    schema: 'text',
    ...Object.fromEntries(fields.map((f, i) => [keys[i], fieldKind(types.get(f.dataTypeID))])),
  };
  const idOf = idMaker(settings, idTable, idColumns, fieldTypes);
  const meta: [string, unknown][] = [
    ['_timestamp', timestamp],
    ['database', settings.database],
    ['schema', settings.schema],
    ['table', tableValue],
  ];
  const build = (row: (string | null)[]): SourceDocument => {
    const id = idOf(row);
    // Fixed key order: metadata first, then columns in result order.
    const doc: SourceDocument = { _id: id, id, _timestamp: timestamp, database: settings.database, schema: settings.schema, table: tableValue };
    // Not enumerable: never copied into the indexed body, never compared as data.
    Object.defineProperty(doc, FIELD_KINDS, { value: kinds });
    for (const c of columns) setField(doc, c.key, c.convert(row[c.index] ?? null));
    return doc;
  };
  const serialize = ctx.serialize && bodySerializer({ meta, columns: columns.map((c) => ({ index: c.index, key: c.key, json: jsonConverter(c.type) })) }, ctx.serialize);
  if (!serialize) return { build };
  return { build, serialize: (rows) => new RowsPage(rows, idOf, serialize) };
}

/** Rows of one page, serialized on demand. */
class RowsPage extends SerializedPage {
  constructor(
    private readonly rows: (string | null)[][],
    private readonly idOf: (row: (string | null)[]) => string,
    private readonly serialize: (row: (string | null)[], id: string) => string,
  ) {
    super();
  }

  get length(): number {
    return this.rows.length;
  }

  // documentId is already final: at most 512 bytes.
  id(i: number): string {
    return this.idOf(this.rows[i] as (string | null)[]);
  }

  body(i: number, id: string): string {
    return this.serialize(this.rows[i] as (string | null)[], id);
  }
}

/** A row's document id, from its key columns; the usual one-column key without an array per row. */
function idMaker(settings: PgSettings, idTable: string, idColumns: number[], fieldTypes: (PgType | undefined)[]): (row: (string | null)[]) => string {
  const make = documentIds(settings.database, settings.schema, idTable);
  const keys = idColumns.map((index) => {
    const type = fieldTypes[index];
    return { index, str: type ? pythonStrOf(type) : undefined };
  });
  const keyOf = (row: (string | null)[], k: (typeof keys)[number]): string | null => {
    const text = row[k.index] ?? null;
    return text === null || !k.str ? null : k.str(text);
  };
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only) {
    const one: (string | null)[] = [null];
    return (row) => {
      one[0] = keyOf(row, only);
      return make(one);
    };
  }
  return (row) => make(keys.map((k) => keyOf(row, k)));
}

/** Warns once when two columns would write the same field (e.g. `Name` and `name` once lower-cased). */
function reportCollisions(ctx: ReaderContext, fields: Field[], tables: string[], target: string): void {
  const name = fieldNamer(ctx.settings.fieldNaming, ctx.settings.schema, tables);
  const seen = new Map<string, string>();
  for (const f of fields) {
    const key = name(f.name);
    const first = seen.get(key);
    if (first !== undefined) {
      const message = `Columns "${first}" and "${f.name}" of ${target} both map to field "${key}"; the later column wins`;
      ctx.log.warn({ target, field: key }, message);
      ctx.notice({ kind: 'field_collision', message, detail: { target, field: key, columns: [first, f.name] } });
    } else seen.set(key, f.name);
  }
}

/**
 * Last commit time of a table (`track_commit_timestamp` must be on). Runs in
 * a savepoint: when commit timestamps are unavailable the error must not
 * abort the snapshot transaction.
 */
async function lastCommitTime(ctx: ReaderContext, schema: string, table: string): Promise<string | null> {
  return ctx.session.run(qualifiedName(schema, table), async (client) => {
    await client.query('SAVEPOINT pg_es_commit_ts');
    try {
      const res = await client.query({
        text: `SELECT pg_catalog.max(pg_catalog.pg_xact_commit_timestamp(xmin)) FROM ${qualifiedName(schema, table)}`,
        rowMode: 'array',
      });
      await client.query('RELEASE SAVEPOINT pg_es_commit_ts');
      const text = (res.rows[0] as (string | null)[] | undefined)?.[0] ?? null;
      return text === null ? null : isoTimestamp(text, 'T');
    } catch (err) {
      // A lost connection is retried by `run`; anything else means no commit timestamps.
      if (isTransient(err)) throw err;
      await client.query('ROLLBACK TO SAVEPOINT pg_es_commit_ts');
      ctx.log.debug({ table, err: errorMessage(err) }, 'commit timestamps unavailable');
      return null;
    }
  });
}

/** The relations to read for the `tables` setting, in a stable order. */
async function resolveTables(ctx: ReaderContext): Promise<{ relation: Relation; explicit: boolean }[]> {
  const { settings, session } = ctx;
  if (settings.tables.length === 0) throw noTablesConfigured();
  if (settings.tables[0] === '*') return (await listRelations(session.rows, settings.schema)).map((relation) => ({ relation, explicit: false }));
  const found = await findRelations(session.rows, settings.schema, settings.tables);
  const missing = settings.tables.filter((t) => !found.has(t));
  if (missing.length > 0) throw tablesNotFound(missing, settings.schema, settings.database);
  return settings.tables.map((t) => ({ relation: found.get(t) as Relation, explicit: true }));
}

function assertReadable(ctx: ReaderContext, relations: Relation[]): void {
  const denied = relations.filter((r) => !r.canSelect).map((r) => r.name);
  if (denied.length > 0) throw selectDenied(denied, ctx.settings.username, ctx.settings.schema);
}

function skip(ctx: ReaderContext, table: string, reason: string): void {
  const message = `Table "${ctx.settings.schema}"."${table}" skipped: ${reason}`;
  ctx.log.warn({ table, reason }, message);
  ctx.notice({ kind: 'table_skipped', message, detail: { table, reason } });
}

/** Every readable table with its primary key; the others are reported and left out. */
export async function readableTables(ctx: ReaderContext, withNotices: boolean): Promise<{ relation: Relation; pk: string[] }[]> {
  const resolved = await resolveTables(ctx);
  const out: { relation: Relation; pk: string[] }[] = [];
  for (const { relation, explicit } of resolved) {
    // Under "*" partitions are listed themselves; reading the parent too would duplicate rows.
    if (relation.kind === 'p' && !explicit) {
      if (withNotices) skip(ctx, relation.name, 'partitioned table (its partitions are read individually)');
      continue;
    }
    // Under "*", as Elastic does: the tables the role can read; the others are named on the job.
    if (!explicit && !relation.canSelect) {
      if (withNotices) skip(ctx, relation.name, `user "${ctx.settings.username}" may not SELECT from it`);
      continue;
    }
    const pk = relation.kind === 'r' || relation.kind === 'p' ? await primaryKey(ctx.session.rows, relation.oid) : [];
    const reason = unreadableReason(relation, pk);
    if (reason) {
      if (withNotices) skip(ctx, relation.name, reason);
      continue;
    }
    out.push({ relation, pk });
  }
  assertReadable(
    ctx,
    out.map((t) => t.relation),
  );
  return out;
}

/**
 * Reads one table in primary-key order, a page of about `fetch_bytes` per
 * query (keyset pagination: `WHERE (pk…) > (last…) ORDER BY pk… LIMIT n`), the
 * next page already on its way while one is handed out, so memory is bounded
 * by two pages. After a reconnect the next page starts right after the last
 * row of the page before it: no row is sent twice, none skipped — rows
 * changed meanwhile are seen as of the new snapshot.
 */
async function* readTable(ctx: ReaderContext, relation: Relation, pk: string[]): AsyncGenerator<SourceDocument | SerializedPage> {
  const { settings, session, log, signal } = ctx;
  const table = relation.name;
  const target = qualifiedName(settings.schema, table);
  const timestamp = (await lastCommitTime(ctx, settings.schema, table)) ?? ctx.startedAt;
  const order = pk.map(quoteIdent).join(', ');
  const bounds = pk.map((_, i) => `$${i + 2}`).join(', ');
  const first = `SELECT * FROM ${target} ORDER BY ${order} LIMIT $1`;
  const next = `SELECT * FROM ${target} WHERE (${order}) > (${bounds}) ORDER BY ${order} LIMIT $1`;

  let builder: DocumentBuilder | undefined;
  let keyIndexes: number[] = [];
  let count = 0;
  const pages = new PageSizer(settings);
  // The key goes back as the text PostgreSQL printed, so it compares exactly.
  interface Pending {
    limit: number;
    query: Promise<QueryResultRows>;
  }
  const fetchPage = (limit: number, last?: (string | null)[]): Pending => {
    const query = session.query(target, last ? next : first, [limit, ...(last ?? [])]);
    // Awaited below; until then a failure must not count as unhandled.
    query.catch(() => undefined);
    return { limit, query };
  };
  log.info({ table, primaryKey: pk }, 'reading table');
  let pending: Pending | undefined = fetchPage(pages.next());
  while (pending) {
    signal.throwIfAborted();
    const { limit, query }: Pending = pending;
    const page: QueryResultRows = await query;
    pages.observe(page.rows);
    log.debug({ table, rows: page.rows.length, limit }, 'page read');
    if (!builder) {
      const names = page.fields.map((f) => f.name);
      keyIndexes = pk.map((k) => names.indexOf(k));
      reportCollisions(ctx, page.fields, [table], `table ${target}`);
      builder = await builderFor(ctx, page.fields, [table], table, keyIndexes, timestamp);
    }
    // The next page is read while this one is turned into documents: PostgreSQL and the sync overlap.
    const lastRow = page.rows.at(-1);
    pending = page.rows.length < limit || !lastRow ? undefined : fetchPage(pages.next(), keyIndexes.map((i) => lastRow[i] ?? null));
    count += page.rows.length;
    if (builder.serialize) yield builder.serialize(page.rows);
    else {
      for (const row of page.rows) {
        signal.throwIfAborted();
        yield builder.build(row);
      }
    }
  }
  log.info({ table, documents: count }, 'table read');
}

/** Documents of every configured table, all from one snapshot. */
export async function* readTables(ctx: ReaderContext): AsyncGenerator<SourceDocument | SerializedPage> {
  const tables = await readableTables(ctx, true);
  // Only for progress displays: a failed estimate leaves the bar without a percentage, never fails the read.
  const estimatedRows = ctx.progress ? await estimatedRowCount(ctx.session.rows, tables.map((t) => t.relation.oid)).catch(() => undefined) : undefined;
  for (const [i, { relation, pk }] of tables.entries()) {
    ctx.progress?.({ table: relation.name, tablesDone: i, tablesTotal: tables.length, ...(estimatedRows !== undefined ? { estimatedRows } : {}) });
    yield* readTable(ctx, relation, pk);
  }
}

/** Primary keys of the rule's tables, in the order the tables are listed. */
async function ruleIdColumns(ctx: ReaderContext, rule: AdvancedRule, label: string): Promise<string[]> {
  if (rule.id_columns) return rule.id_columns;
  const found = await findRelations(ctx.session.rows, ctx.settings.schema, rule.tables);
  const columns: string[] = [];
  for (const t of rule.tables) {
    const rel = found.get(t);
    if (rel) columns.push(...(await primaryKey(ctx.session.rows, rel.oid)));
  }
  if (columns.length === 0) {
    throw new SourceError(
      `${label}: none of its tables (${rule.tables.join(', ')}) has a primary key; list the id columns in "id_columns"`,
      'advanced_rule_invalid',
    );
  }
  return columns;
}

const RULE_CURSOR = 'pg_es_rule';

/** The user's SQL without trailing semicolons, so it can follow DECLARE … FOR. */
export function ruleSql(query: string): string {
  return query.replace(/[\s;]+$/, '');
}

/**
 * Runs one advanced-rule query through an SQL cursor (DECLARE/FETCH inside
 * the snapshot transaction), `fetch_size` rows per FETCH. Unlike a protocol
 * portal, an SQL cursor leaves the connection free for the catalog lookups
 * done between pages. The extended protocol refuses several statements in
 * one string, and the read-only transaction refuses writes.
 *
 * A custom query has no key to resume from: after a lost connection it is
 * run again from the start on a new snapshot, so rows already sent are sent
 * again (same `_id`s, so the index ends up the same).
 */
async function* readRule(ctx: ReaderContext, rule: AdvancedRule, index: number): AsyncGenerator<SourceDocument | SerializedPage> {
  const { settings, session, log, signal } = ctx;
  const label = `advanced rule #${index + 1}`;
  const idColumns = await ruleIdColumns(ctx, rule, label);
  let timestamp: string | null = null;
  for (const t of rule.tables) {
    const ts = await lastCommitTime(ctx, settings.schema, t);
    if (ts !== null && (timestamp === null || ts > timestamp)) timestamp = ts;
  }
  const name = fieldNamer(settings.fieldNaming, settings.schema, rule.tables);
  const tableValue = [...rule.tables];
  // FETCH takes no parameters; the count is an integer the sizer computed.
  const fetch = (rows: number) => `FETCH FORWARD ${Math.trunc(rows)} FROM ${RULE_CURSOR}`;
  log.info({ rule: index + 1, tables: rule.tables }, 'running advanced rule query');

  for (let attempt = 0; ; attempt++) {
    let count = 0;
    try {
      const client = await session.acquire();
      await client.query({
        text: `DECLARE ${RULE_CURSOR} NO SCROLL CURSOR FOR\n${ruleSql(rule.query)}`,
        queryMode: 'extended',
      } as pg.QueryConfig);
      let builder: DocumentBuilder | undefined;
      const pages = new PageSizer(settings);
      for (;;) {
        signal.throwIfAborted();
        const limit = pages.next();
        const page = await client.query({ text: fetch(limit), rowMode: 'array' });
        const rows = page.rows as (string | null)[][];
        pages.observe(rows);
        if (!builder) {
          const fields = page.fields;
          const keys = fields.map((f) => name(f.name));
          const missing = idColumns.filter((c) => !keys.includes(name(c)));
          if (missing.length > 0) {
            throw new SourceError(
              `${label}: the query result has no column ${missing.map((c) => `"${c}"`).join(', ')} needed for document ids ` +
                `(id columns: ${idColumns.join(', ')}; result columns: ${fields.map((f) => f.name).join(', ') || 'none'})`,
              'advanced_rule_invalid',
            );
          }
          reportCollisions(ctx, fields, rule.tables, label);
          const idIndexes = idColumns.map((c) => keys.indexOf(name(c)));
          builder = await builderFor(ctx, fields, rule.tables, tableValue, idIndexes, timestamp ?? ctx.startedAt);
        }
        log.debug({ rule: index + 1, rows: rows.length }, 'page read');
        if (builder.serialize) {
          count += rows.length;
          yield builder.serialize(rows);
        } else {
          for (const row of rows) {
            signal.throwIfAborted();
            count++;
            yield builder.build(row);
          }
        }
        if (rows.length < limit) break;
      }
      await client.query(`CLOSE ${RULE_CURSOR}`);
      log.info({ rule: index + 1, documents: count }, 'advanced rule read');
      return;
    } catch (err) {
      if (err instanceof SourceError && err.cause === undefined) throw err;
      await session.recover(err, attempt, label);
      if (count > 0) log.warn({ rule: index + 1, resent: count }, 'advanced rule query restarted; rows already sent are sent again');
    }
  }
}

export async function* readRules(ctx: ReaderContext, rules: AdvancedRule[]): AsyncGenerator<SourceDocument | SerializedPage> {
  for (const [i, rule] of rules.entries()) {
    ctx.progress?.({ table: `query ${i + 1} (${rule.tables.join(", ")})`, tablesDone: i, tablesTotal: rules.length });
    yield* readRule(ctx, rule, i);
  }
}
