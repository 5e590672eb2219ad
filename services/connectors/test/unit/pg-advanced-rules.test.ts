import { describe, expect, it } from 'vitest';
import { parseAdvancedRules } from '../../src/sources/postgresql/advanced-rules.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { createLogger } from '../../src/log/logger.js';

// Shape checks of advanced rules (reference G.5); table checks need PostgreSQL
// and live in the integration tests.
describe('advanced rule shape', () => {
  it('treats empty values as no rules', () => {
    for (const empty of [null, undefined, '', '  ', {}, [], '[]']) expect(parseAdvancedRules(empty)).toEqual({ rules: [], problems: [] });
  });

  it('accepts tables + query, with optional id_columns', () => {
    const rules = [
      { tables: ['a'], query: 'SELECT * FROM a' },
      { tables: ['a', 'b'], query: 'SELECT 1', id_columns: ['x', 'y'] },
    ];
    expect(parseAdvancedRules(rules)).toEqual({ rules, problems: [] });
    expect(parseAdvancedRules(JSON.stringify(rules)).rules).toEqual(rules);
  });

  it('accepts reading statements past comments and parentheses', () => {
    for (const query of ['select 1', ' WITH x AS (SELECT 1) SELECT * FROM x', '-- note\n/* block */ (SELECT 1) UNION (SELECT 2)', 'VALUES (1)', 'TABLE a']) {
      expect(parseAdvancedRules([{ tables: ['a'], query }]).problems, query).toEqual([]);
    }
  });

  it('names the statement when a query is not one that reads', () => {
    const cases: [string, string][] = [
      ['CREATE TABLE x (a int)', 'CREATE'],
      ['/* hidden */ DELETE FROM a', 'DELETE'],
      ["COPY (SELECT 1) TO PROGRAM 'id'", 'COPY'],
      ['; SELECT 1', '"; SELECT 1"'],
    ];
    for (const [query, word] of cases) {
      expect(parseAdvancedRules([{ tables: ['a'], query }]).problems).toEqual([
        `Rule 1: "query" must be one SELECT statement (or WITH … SELECT, VALUES, TABLE); it starts with ${word}`,
      ]);
    }
  });

  it('requires an array', () => {
    for (const value of [{ tables: ['a'], query: 'SELECT x' }, 'SELECT 1', 42, true]) {
      expect(parseAdvancedRules(value).problems).toEqual([
        'Advanced rules must be a JSON array of {"tables": [...], "query": "...", "id_columns"?: [...]} objects',
      ]);
    }
  });

  it.each([
    [[null], 'Rule 1: must be an object with "tables" and "query"'],
    [[['a']], 'Rule 1: must be an object with "tables" and "query"'],
    [[{ query: 'SELECT x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: [], query: 'SELECT x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: 'a', query: 'SELECT x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: ['a', ''], query: 'SELECT x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: ['a', 3], query: 'SELECT x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: ['a'] }], 'Rule 1: "query" must be a non-empty string'],
    [[{ tables: ['a'], query: '  ' }], 'Rule 1: "query" must be a non-empty string'],
    [[{ tables: ['a'], query: 'SELECT x', id_columns: [] }], 'Rule 1: "id_columns" must be a non-empty array of column names'],
    [[{ tables: ['a'], query: 'SELECT x', id_columns: 'id' }], 'Rule 1: "id_columns" must be a non-empty array of column names'],
    [[{ tables: ['a'], query: 'SELECT x', id_columns: null }], 'Rule 1: "id_columns" must be a non-empty array of column names'],
    [[{ tables: ['a'], query: 'SELECT x', where: 'y' }], 'Rule 1: unknown property "where" (allowed: tables, query, id_columns)'],
    [[{ tables: ['a'], query: 'SELECT x' }, { tables: ['b'] }], 'Rule 2: "query" must be a non-empty string'],
  ])('rejects %j', (value, message) => {
    const { rules, problems } = parseAdvancedRules(value);
    expect(problems).toEqual([message]);
    expect(rules.length).toBe((value as unknown[]).length - 1);
  });

  it('reports shape problems under advanced_snippet without touching the database', async () => {
    // Port 1: a database query would fail, proving none is made.
    const source = postgresqlSource.create({ host: '127.0.0.1', port: 1, username: 'u', password: 'p', database: 'd', schema: 's' }, createLogger('silent'));
    expect(await source.validateAdvancedRules([{ tables: [], query: '' }])).toEqual([
      {
        ids: ['advanced_snippet'],
        messages: ['Rule 1: "tables" must be a non-empty array of table names', 'Rule 1: "query" must be a non-empty string'],
      },
    ]);
    expect(await source.validateAdvancedRules({})).toEqual([]);
    await source.close();
  });
});
