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

  it('requires an array', () => {
    for (const value of [{ tables: ['a'], query: 'x' }, 'SELECT 1', 42, true]) {
      expect(parseAdvancedRules(value).problems).toEqual([
        'Advanced rules must be a JSON array of {"tables": [...], "query": "...", "id_columns"?: [...]} objects',
      ]);
    }
  });

  it.each([
    [[null], 'Rule 1: must be an object with "tables" and "query"'],
    [[['a']], 'Rule 1: must be an object with "tables" and "query"'],
    [[{ query: 'x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: [], query: 'x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: 'a', query: 'x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: ['a', ''], query: 'x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: ['a', 3], query: 'x' }], 'Rule 1: "tables" must be a non-empty array of table names'],
    [[{ tables: ['a'] }], 'Rule 1: "query" must be a non-empty string'],
    [[{ tables: ['a'], query: '  ' }], 'Rule 1: "query" must be a non-empty string'],
    [[{ tables: ['a'], query: 'x', id_columns: [] }], 'Rule 1: "id_columns" must be a non-empty array of column names'],
    [[{ tables: ['a'], query: 'x', id_columns: 'id' }], 'Rule 1: "id_columns" must be a non-empty array of column names'],
    [[{ tables: ['a'], query: 'x', id_columns: null }], 'Rule 1: "id_columns" must be a non-empty array of column names'],
    [[{ tables: ['a'], query: 'x', where: 'y' }], 'Rule 1: unknown property "where" (allowed: tables, query, id_columns)'],
    [[{ tables: ['a'], query: 'x' }, { tables: ['b'] }], 'Rule 2: "query" must be a non-empty string'],
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
