import { describe, expect, it } from 'vitest';
import { fieldNamer, fieldPrefix } from '../../src/sources/postgresql/fields.js';
import { compareCodePoints } from '../../src/util/text.js';

describe('field naming', () => {
  it('prefixes with schema and table, lower-casing the whole name (Elastic-compatible)', () => {
    const name = fieldNamer('prefixed', 'public', ['employees']);
    expect(name('Salary')).toBe('public_employees_salary');
    expect(fieldNamer('prefixed', 'HR', ['Mixed "Case" Table'])('Key Col')).toBe('hr_mixed "case" table_key col');
  });

  it('uses the sorted table names for advanced rules', () => {
    expect(fieldPrefix('public', ['employees', 'departments'])).toBe('public_departments_employees_');
    expect(fieldNamer('prefixed', 'public', ['employees', 'departments'])('Title')).toBe('public_departments_employees_title');
  });

  it('sorts by code point like Python', () => {
    expect(['b', 'a', 'B', '😀', '\uffff'].sort(compareCodePoints)).toEqual(['B', 'a', 'b', '\uffff', '😀']);
  });

  it('keeps plain column names with field_naming=column, except reserved ones', () => {
    const name = fieldNamer('column', 'public', ['t']);
    expect(name('Name')).toBe('Name');
    expect(name('salary')).toBe('salary');
    for (const reserved of ['id', 'table', 'schema', 'database']) expect(name(reserved)).toBe(`public_t_${reserved}`);
    expect(name('_id')).toBe('public_t__id');
    expect(name('_timestamp')).toBe('public_t__timestamp');
  });
});
