import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { SourceError, type DataSource } from '../../src/sources/types.js';
import { captureLogger, collect, createDatabase, databaseName, dropDatabase, sourceValues, withAdmin } from '../helpers/pg-fixtures.js';

// Advanced sync rules (reference G.5): validation against the schema, and
// execution inside the read-only snapshot with a statement timeout.
const DB = databaseName('rules');

const FIXTURE = `
CREATE TABLE departments (id int PRIMARY KEY, title text);
INSERT INTO departments VALUES (1, 'Engineering'), (2, 'Sales');
CREATE TABLE employees (id int PRIMARY KEY, name text, dept_id int REFERENCES departments);
INSERT INTO employees VALUES (1, 'Ada', 1), (2, 'Grace', 1), (3, 'Linus', 2);
CREATE TABLE no_key (x int, y text);
INSERT INTO no_key VALUES (1, 'a');
CREATE SEQUENCE counter;
CREATE TABLE many (id int PRIMARY KEY);
INSERT INTO many SELECT generate_series(1, 1000);
`;

const JOIN = {
  tables: ['employees', 'departments'],
  query: 'SELECT e.id, e.name, d.title FROM public.employees e JOIN public.departments d ON d.id = e.dept_id ORDER BY e.id;',
  id_columns: ['id'],
};

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}

describe('PostgreSQL source: advanced rules', () => {
  let source: DataSource;
  beforeAll(async () => {
    await createDatabase(DB, FIXTURE);
    source = postgresqlSource.create(sourceValues(DB, { tables: 'no_key', statement_timeout: 1 }), captureLogger('warn').log);
  });
  afterAll(async () => {
    await source?.close();
    await dropDatabase(DB);
  });

  it('validates rules against the schema', async () => {
    for (const empty of [null, undefined, '', {}, []]) expect(await source.validateAdvancedRules(empty)).toEqual([]);
    expect(await source.validateAdvancedRules([JOIN])).toEqual([]);
    expect(await source.validateAdvancedRules([JOIN, { tables: ['ghost', 'employees', 'Ghost 2'], query: 'SELECT 1' }])).toEqual([
      { ids: ['advanced_snippet'], messages: ['Tables not found or inaccessible: ghost, Ghost 2'] },
    ]);
    const [shape] = await source.validateAdvancedRules([{ tables: 'employees', query: '' }]);
    expect(shape?.ids).toEqual(['advanced_snippet']);
    expect(shape?.messages).toEqual(['Rule 1: "tables" must be a non-empty array of table names', 'Rule 1: "query" must be a non-empty string']);
  });

  it('runs a join with explicit id columns: ids and field prefix use the sorted tables, `table` lists them', async () => {
    const { docs } = await collect(source, { advancedRules: [JOIN] });
    expect(docs.map((d) => d._id)).toEqual([1, 2, 3].map((n) => `${DB}_public_departments_employees_${n}`));
    expect(docs[0]).toEqual({
      _id: `${DB}_public_departments_employees_1`,
      id: `${DB}_public_departments_employees_1`,
      _timestamp: expect.stringMatching(/\+00:00$/) as unknown,
      database: DB,
      schema: 'public',
      table: ['employees', 'departments'],
      public_departments_employees_id: 1,
      public_departments_employees_name: 'Ada',
      public_departments_employees_title: 'Engineering',
    });
  });

  it('falls back to the primary keys of the listed tables, and runs every rule in turn', async () => {
    const { docs } = await collect(source, {
      advancedRules: [
        { tables: ['employees'], query: 'SELECT * FROM public.employees WHERE id > 1' },
        { tables: ['departments'], query: 'SELECT id, upper(title) AS title FROM public.departments' },
      ],
    });
    expect(docs.map((d) => d._id)).toEqual([
      `${DB}_public_employees_2`,
      `${DB}_public_employees_3`,
      `${DB}_public_departments_1`,
      `${DB}_public_departments_2`,
    ]);
    expect(docs[2]).toMatchObject({ table: ['departments'], public_departments_title: 'ENGINEERING' });
  });

  it('fails clearly when the result lacks an id column', async () => {
    const err = await failure(collect(source, { advancedRules: [{ tables: ['employees'], query: 'SELECT name FROM public.employees' }] }));
    expect(err.code).toBe('advanced_rule_invalid');
    expect(err.message).toContain('advanced rule #1');
    expect(err.message).toContain('"id"');
    const noKey = await failure(collect(source, { advancedRules: [{ tables: ['no_key'], query: 'SELECT * FROM public.no_key' }] }));
    expect(noKey.code).toBe('advanced_rule_invalid');
    expect(noKey.message).toContain('id_columns');
  });

  it('refuses rules naming unknown tables at sync time too', async () => {
    const err = await failure(collect(source, { advancedRules: [{ tables: ['ghost'], query: 'SELECT 1 AS id', id_columns: ['id'] }] }));
    expect(err.code).toBe('table_not_found');
    expect(err.message).toBe('Tables not found or inaccessible: ghost');
  });

  it('cancels a query that exceeds the statement timeout', async () => {
    const started = Date.now();
    const err = await failure(
      collect(source, { advancedRules: [{ tables: ['employees'], query: 'SELECT 1 AS id, pg_sleep(5)', id_columns: ['id'] }] }),
    );
    expect(err.code).toBe('query_timeout');
    expect(err.message).toContain('advanced rule #1');
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('runs rule queries read-only, one statement each', async () => {
    for (const [query, code, message] of [
      ['SELECT nextval(\'public.counter\') AS id', 'query_failed', /read-only transaction/],
      ['SELECT 1 AS id; DELETE FROM public.no_key', 'query_failed', /multiple commands/],
      // Refused before PostgreSQL sees it: only a reading statement can be a rule's query.
      ["INSERT INTO public.no_key VALUES (2, 'b') RETURNING x AS id", 'advanced_rule_invalid', /it starts with INSERT/],
    ] as const) {
      const err = await failure(collect(source, { advancedRules: [{ tables: ['no_key'], query, id_columns: ['id'] }] }));
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
    }
    const rows = await withAdmin(DB, (c) => c.query("SELECT count(*)::int AS n, nextval('counter')::int AS next FROM no_key"));
    expect(rows.rows[0]).toEqual({ n: 1, next: 1 });
  });

  it('re-runs a rule query from the start after a lost connection (rows already sent come again, same ids)', async () => {
    const { log, lines } = captureLogger('info');
    const s = postgresqlSource.create(sourceValues(DB, { fetch_size: 100 }), log);
    const ids: string[] = [];
    for await (const doc of s.documents({
      advancedRules: [{ tables: ['many'], query: 'SELECT id FROM public.many ORDER BY id' }],
      signal: new AbortController().signal,
      notice: () => undefined,
    })) {
      ids.push(doc._id);
      if (ids.length === 250) {
        await withAdmin(DB, (c) =>
          c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pg-es-connectors'", [DB]),
        );
      }
    }
    await s.close();
    expect(lines.some((l) => l.message === 'advanced rule query restarted; rows already sent are sent again')).toBe(true);
    expect(new Set(ids).size).toBe(1000);
    expect(ids.length).toBeGreaterThan(1000);
    expect(ids.slice(-1000)).toEqual(Array.from({ length: 1000 }, (_, i) => `${DB}_public_many_${i + 1}`));
  });

  it('derives mappings from the rule query result columns', async () => {
    const mappings = await source.contentMappings({ advancedRules: [JOIN] });
    expect(mappings?.properties).toMatchObject({
      id: { type: 'keyword' },
      table: { type: 'keyword' },
      public_departments_employees_id: { type: 'integer' },
      public_departments_employees_title: { type: 'text' },
    });
  });
});
