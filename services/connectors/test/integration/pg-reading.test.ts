import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import {
  captureLogger,
  collect,
  createDatabase,
  databaseName,
  dropDatabase,
  openConnections,
  sourceValues,
  withAdmin,
} from '../helpers/pg-fixtures.js';

// Table selection, ids, skips, snapshot, bounded streaming and resumption.
const DB = databaseName('reading');
const BIG_ROWS = 20_000;

const FIXTURE = `
CREATE TABLE composite_pk (region text, n int, label text, PRIMARY KEY (region, n));
INSERT INTO composite_pk VALUES ('eu_west', 1, 'a'), ('ünï ✓', 2, 'b'), ('eu_west', 10, 'c');
CREATE TABLE "Mixed ""Case"" Table" ("Key Col" text PRIMARY KEY, "Value" int);
INSERT INTO "Mixed ""Case"" Table" VALUES ('k1', 1), ('k_2', 2);
CREATE TABLE ts_pk (at timestamp PRIMARY KEY);
INSERT INTO ts_pk VALUES ('2024-01-01 00:00:00'), ('2024-01-01 00:00:00.5');
CREATE TABLE tstz_pk (at timestamptz PRIMARY KEY);
INSERT INTO tstz_pk VALUES ('2024-01-01 02:00:00+02');
CREATE TABLE bool_pk (flag boolean PRIMARY KEY);
INSERT INTO bool_pk VALUES (true), (false);
CREATE TABLE uuid_pk (u uuid PRIMARY KEY);
INSERT INTO uuid_pk VALUES ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11');
CREATE TABLE date_num_pk (d date, n numeric, PRIMARY KEY (d, n));
INSERT INTO date_num_pk VALUES ('2024-01-01', 1.50);
CREATE TABLE float_pk (f float8 PRIMARY KEY);
INSERT INTO float_pk VALUES (0.1), (1e-300), (1.0 / 3), (1e16);
CREATE TABLE long_key (k text PRIMARY KEY);
INSERT INTO long_key VALUES (repeat('k', 600));
CREATE TABLE empty_table (id int PRIMARY KEY);
CREATE TABLE no_pk (x int);
INSERT INTO no_pk VALUES (1);
CREATE VIEW a_view AS SELECT * FROM composite_pk;
CREATE TABLE naming (id int PRIMARY KEY, "table" text, "_secret" text, "Name" text);
INSERT INTO naming VALUES (1, 't', 's', 'n');

CREATE SCHEMA bulk;
CREATE TABLE bulk.big (id int PRIMARY KEY, payload text);
INSERT INTO bulk.big SELECT i, md5(i::text) FROM generate_series(1, ${BIG_ROWS}) i;
CREATE TABLE bulk.resumable (id int PRIMARY KEY, v text);
INSERT INTO bulk.resumable SELECT i, 'v' || i FROM generate_series(1, 1000) i;
CREATE TABLE bulk.snap (id int PRIMARY KEY);
INSERT INTO bulk.snap VALUES (1);
`;

const id = (table: string, ...keys: string[]): string => [DB, 'public', table, ...keys].join('_');

describe('PostgreSQL source: reading', () => {
  beforeAll(async () => {
    await createDatabase(DB, FIXTURE);
  });
  afterAll(async () => {
    await dropDatabase(DB);
  });

  it('reads every table of the schema for "*", skipping (with a notice) what has no primary key', async () => {
    const { log, lines } = captureLogger('info');
    // One row per page: every key type goes through keyset pagination.
    const source = postgresqlSource.create(sourceValues(DB, { tables: '*', fetch_size: 1 }), log);
    const { docs, notices } = await collect(source);
    await source.close();

    expect(new Set(docs.map((d) => d.table))).toEqual(
      new Set(['composite_pk', 'Mixed "Case" Table', 'ts_pk', 'tstz_pk', 'bool_pk', 'uuid_pk', 'date_num_pk', 'float_pk', 'long_key', 'naming']),
    );
    expect(docs).toHaveLength(3 + 2 + 2 + 1 + 2 + 1 + 1 + 4 + 1 + 1);
    expect(new Set(docs.map((d) => d._id)).size).toBe(docs.length);
    expect(docs.filter((d) => d.table === 'composite_pk').map((d) => d.public_composite_pk_label)).toEqual(['a', 'c', 'b']);
    expect(notices.map((n) => [n.kind, n.detail])).toEqual([
      ['table_skipped', { table: 'a_view', reason: 'view (no primary key)' }],
      ['table_skipped', { table: 'no_pk', reason: 'no primary key' }],
    ]);
    expect(notices[1]?.message).toContain('"no_pk"');
    expect(lines.filter((l) => l['log.level'] === 'warn').map((l) => l.table)).toEqual(['a_view', 'no_pk']);
  });

  it('builds ids the way Elastic\'s connector does, for every kind of key', async () => {
    const source = postgresqlSource.create(sourceValues(DB, { fetch_size: 1 }), captureLogger('warn').log);
    const ids = new Set((await collect(source)).docs.map((d) => d._id));
    await source.close();
    const longId = id('long_key', 'k'.repeat(600));
    for (const expected of [
      id('composite_pk', 'eu_west', '1'),
      id('composite_pk', 'eu_west', '10'),
      id('composite_pk', 'ünï ✓', '2'),
      id('Mixed "Case" Table', 'k1'),
      id('Mixed "Case" Table', 'k_2'),
      id('ts_pk', '2024-01-01 00:00:00'),
      id('ts_pk', '2024-01-01 00:00:00.500000'),
      id('tstz_pk', '2024-01-01 00:00:00+00:00'),
      id('bool_pk', 'True'),
      id('bool_pk', 'False'),
      id('uuid_pk', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
      id('date_num_pk', '2024-01-01', '1.50'),
      id('float_pk', '0.1'),
      id('float_pk', '1e-300'),
      id('float_pk', '0.3333333333333333'),
      id('float_pk', '1e+16'),
      createHash('md5').update(longId).digest('hex'),
    ]) {
      expect(ids).toContain(expected);
    }
  });

  it('reads listed tables verbatim (case, spaces, quotes), in the listed order', async () => {
    const source = postgresqlSource.create(sourceValues(DB, { tables: 'Mixed "Case" Table, bool_pk' }), captureLogger('warn').log);
    const { docs } = await collect(source);
    await source.close();
    expect(docs.map((d) => d._id)).toEqual([id('Mixed "Case" Table', 'k1'), id('Mixed "Case" Table', 'k_2'), id('bool_pk', 'False'), id('bool_pk', 'True')]);
    expect(docs[0]).toMatchObject({ 'public_mixed "case" table_key col': 'k1', 'public_mixed "case" table_value': 1 });
  });

  it('names fields by column with field_naming=column, keeping the prefix where a name is reserved', async () => {
    const source = postgresqlSource.create(sourceValues(DB, { tables: ['naming'], field_naming: 'column' }), captureLogger('warn').log);
    const { docs } = await collect(source);
    await source.close();
    expect(Object.keys(docs[0] ?? {})).toEqual([
      '_id',
      'id',
      '_timestamp',
      'database',
      'schema',
      'table',
      'public_naming_id',
      'public_naming_table',
      'public_naming__secret',
      'Name',
    ]);
    expect(docs[0]).toMatchObject({ id: id('naming', '1'), table: 'naming', public_naming_id: 1, public_naming_table: 't', Name: 'n' });
  });

  it('reads all tables from one snapshot: rows committed after the read started are not seen', async () => {
    const source = postgresqlSource.create(sourceValues(DB, { schema: 'bulk', tables: ['resumable', 'snap'], fetch_size: 100 }), captureLogger('warn').log);
    const seen: string[] = [];
    let inserted = false;
    for await (const doc of source.documents({ signal: new AbortController().signal, notice: () => undefined })) {
      seen.push(doc._id);
      if (!inserted) {
        await withAdmin(DB, (c) => c.query('INSERT INTO bulk.snap VALUES (2)'));
        inserted = true;
      }
    }
    await source.close();
    await withAdmin(DB, (c) => c.query('DELETE FROM bulk.snap WHERE id = 2'));
    expect(seen.filter((s) => s.startsWith(`${DB}_bulk_snap_`))).toEqual([`${DB}_bulk_snap_1`]);
  });

  it(`streams ${BIG_ROWS} rows one page at a time`, async () => {
    const { log, lines } = captureLogger('debug');
    const fetchSize = 500;
    const source = postgresqlSource.create(sourceValues(DB, { schema: 'bulk', tables: ['big'], fetch_size: fetchSize }), log);
    const pages = (): number[] => lines.filter((l) => l.message === 'page read').map((l) => Number(l.rows));
    const ids = new Set<string>();
    let consumed = 0;
    let maxBuffered = 0;
    for await (const doc of source.documents({ signal: new AbortController().signal, notice: () => undefined })) {
      ids.add(doc._id);
      consumed++;
      // Rows fetched from PostgreSQL but not yet handed out never exceed one page.
      const fetched = pages().reduce((a, b) => a + b, 0);
      maxBuffered = Math.max(maxBuffered, fetched - consumed);
    }
    await source.close();
    expect(consumed).toBe(BIG_ROWS);
    expect(ids.size).toBe(BIG_ROWS);
    expect(Math.max(...pages())).toBe(fetchSize);
    expect(pages().reduce((a, b) => a + b, 0)).toBe(BIG_ROWS);
    expect(maxBuffered).toBeLessThan(fetchSize);
  });

  it('resumes after the connection is killed mid-table, yielding every row exactly once', async () => {
    const { log, lines } = captureLogger('info');
    const source = postgresqlSource.create(sourceValues(DB, { schema: 'bulk', tables: ['resumable'], fetch_size: 100, retry_count: 3 }), log);
    const keys: number[] = [];
    let killed = 0;
    for await (const doc of source.documents({ signal: new AbortController().signal, notice: () => undefined })) {
      keys.push(Number(doc.bulk_resumable_id));
      if (keys.length === 250) {
        killed = await withAdmin(DB, async (c) => {
          const r = await c.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pg-es-connectors'",
            [DB],
          );
          return r.rowCount ?? 0;
        });
      }
    }
    await source.close();
    expect(killed).toBe(1);
    expect(lines.some((l) => l.message === 'PostgreSQL connection lost; reconnecting')).toBe(true);
    expect(keys).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('closes its connection when the consumer stops early', async () => {
    const source = postgresqlSource.create(sourceValues(DB, { schema: 'bulk', tables: ['big'] }), captureLogger('warn').log);
    let n = 0;
    for await (const _doc of source.documents({ signal: new AbortController().signal, notice: () => undefined })) {
      if (++n === 5) break;
    }
    expect(await openConnections(DB)).toBe(0);
    await source.close();
  });

  it('stops promptly when the signal is aborted', async () => {
    const source = postgresqlSource.create(sourceValues(DB, { schema: 'bulk', tables: ['big'] }), captureLogger('warn').log);
    const controller = new AbortController();
    let n = 0;
    const run = async (): Promise<void> => {
      for await (const _doc of source.documents({ signal: controller.signal, notice: () => undefined })) {
        if (++n === 10) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(n).toBe(10);
    expect(await openConnections(DB)).toBe(0);
    await source.close();
  });
});
