import { describe, expect, it } from 'vitest';
import type { BasicRule, RuleOperator, RulePolicy } from '../../src/protocol/types.js';
import type { FieldKind } from '../../src/sources/types.js';
import { compilePattern } from '../../src/sync/rule-regex.js';
import { RULE_OPERATORS, RuleError, compileRules, parseOperator } from '../../src/sync/rules.js';

let counter = 0;
function rule(field: string, op: string, value: string, policy: RulePolicy = 'exclude', order?: number, id?: string): BasicRule {
  counter++;
  return { id: id ?? `r${counter}`, policy, field, rule: op as RuleOperator, value, order: order ?? counter };
}

const DEFAULT: BasicRule = { id: 'DEFAULT', policy: 'include', field: '_', rule: 'regex', value: '.*', order: 999 };

/** Whether a single rule matches the value of field `v`, of the given kind when the source says. */
function hits(op: string, ruleValue: string, docValue: unknown, kind?: FieldKind): boolean {
  const set = compileRules([rule('v', op, ruleValue, 'exclude')]);
  return set.decide({ v: docValue }, kind ? { v: kind } : undefined).include === false;
}

describe('compileRules', () => {
  it('drops the DEFAULT rule and sorts by order, keeping ties in input order', () => {
    const set = compileRules([
      rule('a', 'equals', '1', 'include', 3, 'third'),
      DEFAULT,
      rule('a', 'equals', '1', 'include', 1, 'first'),
      rule('a', 'equals', '1', 'include', 2, 'tie-1'),
      rule('a', 'equals', '1', 'include', 2, 'tie-2'),
    ]);
    expect(set.rules.map((r) => r.id)).toEqual(['first', 'tie-1', 'tie-2', 'third']);
  });

  it('includes everything when only DEFAULT is present, even with a match-nothing field', () => {
    const set = compileRules([DEFAULT]);
    expect(set.rules).toEqual([]);
    expect(set.decide({})).toEqual({ include: true });
    expect(set.decide({ _: 'x' })).toEqual({ include: true });
  });

  it('includes documents that no rule matches', () => {
    const set = compileRules([rule('a', 'equals', 'x', 'exclude'), DEFAULT]);
    expect(set.decide({ a: 'y' })).toEqual({ include: true });
  });

  it('lets the first matching rule decide', () => {
    const set = compileRules([
      rule('status', 'equals', 'archived', 'exclude', 2, 'drop-archived'),
      rule('vip', 'equals', 'true', 'include', 1, 'keep-vip'),
      rule('name', 'starts_with', 'a', 'exclude', 3, 'drop-a'),
    ]);
    expect(set.decide({ status: 'archived', vip: true })).toEqual({ include: true, ruleId: 'keep-vip' });
    expect(set.decide({ status: 'archived', vip: false })).toEqual({ include: false, ruleId: 'drop-archived' });
    expect(set.decide({ status: 'open', vip: false, name: 'alice' })).toEqual({ include: false, ruleId: 'drop-a' });
    expect(set.decide({ status: 'open', vip: false, name: 'bob' })).toEqual({ include: true });
  });

  it('applies order, not input position', () => {
    const set = compileRules([rule('a', 'contains', 'x', 'exclude', 10, 'late'), rule('a', 'contains', 'x', 'include', 5, 'early')]);
    expect(set.decide({ a: 'x' })).toEqual({ include: true, ruleId: 'early' });
  });

  it('reads operators and policies case-insensitively', () => {
    const set = compileRules([rule('a', 'STARTS_WITH', 'x', 'EXCLUDE' as RulePolicy, 1, 'up')]);
    expect(set.rules[0]).toMatchObject({ operator: 'starts_with', policy: 'exclude' });
    expect(set.decide({ a: 'xy' })).toEqual({ include: false, ruleId: 'up' });
    expect(parseOperator('Regex')).toBe('regex');
    expect(parseOperator('gt')).toBeUndefined();
  });

  it('rejects an unknown operator, naming the rule', () => {
    expect(() => compileRules([rule('a', 'like', 'x', 'include', 1, 'bad-op')])).toThrow(RuleError);
    expect(() => compileRules([rule('a', 'like', 'x', 'include', 1, 'bad-op')])).toThrow(/"bad-op".*like/);
  });

  it('rejects a bad regex with a RuleError naming the rule', () => {
    let caught: unknown;
    try {
      compileRules([rule('a', 'regex', '(unclosed', 'include', 1, 'broken')]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RuleError);
    expect((caught as RuleError).ruleId).toBe('broken');
    expect((caught as RuleError).message).toContain('broken');
    expect((caught as RuleError).message).toContain('(unclosed');
  });

  it('rejects malformed rules', () => {
    expect(() => compileRules([{ ...rule('a', 'equals', 'x'), policy: 'keep' as RulePolicy }])).toThrow(RuleError);
    expect(() => compileRules([{ ...rule('', 'equals', 'x') }])).toThrow(/field/);
    expect(() => compileRules([{ ...rule('a', 'equals', 'x'), value: 5 as unknown as string }])).toThrow(/value/);
    expect(() => compileRules([{ ...rule('a', 'equals', 'x'), order: '1' as unknown as number }])).toThrow(/order/);
  });
});

describe('string operators', () => {
  it.each(['starts_with', 'ends_with', 'contains', 'regex', 'equals', '<', '>'])('%s works with include and exclude', (op) => {
    const value = op === '<' ? 'b' : op === '>' ? 'a' : 'ab';
    const doc = { f: op === '<' || op === '>' ? (op === '<' ? 'a' : 'b') : 'ab' };
    const include = compileRules([rule('f', op, value, 'include', 1, 'i'), rule('f', 'regex', '.', 'exclude', 2, 'rest')]);
    const exclude = compileRules([rule('f', op, value, 'exclude', 1, 'e')]);
    expect(include.decide(doc)).toEqual({ include: true, ruleId: 'i' });
    expect(exclude.decide(doc)).toEqual({ include: false, ruleId: 'e' });
    // A non-matching document falls through to the next rule, or is included.
    const other = { f: op === '<' ? 'z' : op === '>' ? '0' : 'zz' };
    expect(include.decide(other)).toEqual({ include: false, ruleId: 'rest' });
    expect(exclude.decide(other)).toEqual({ include: true });
  });
});

describe('regex', () => {
  it('is anchored at the start but needs no full match (re.match)', () => {
    expect(hits('regex', 'ab', 'abc')).toBe(true);
    expect(hits('regex', 'bc', 'abc')).toBe(false);
    expect(hits('regex', '.*bc', 'abc')).toBe(true);
    expect(hits('regex', 'a|b', 'xb')).toBe(false);
    expect(hits('regex', 'a|b', 'bx')).toBe(true);
  });

  it('is case-sensitive unless the pattern says otherwise', () => {
    expect(hits('regex', 'abc', 'ABC')).toBe(false);
    expect(hits('regex', '(?i)abc', 'ABC')).toBe(true);
  });

  it('gives the same answer on repeated use (no sticky state leaks)', () => {
    const set = compileRules([rule('v', 'regex', '\\d+', 'exclude', 1, 'digits')]);
    for (let i = 0; i < 3; i++) {
      expect(set.decide({ v: '123' }).include).toBe(false);
      expect(set.decide({ v: '1' }).include).toBe(false);
    }
  });

  it('applies to the string form of non-strings', () => {
    expect(hits('regex', '\\d{3}$', 123)).toBe(true);
    expect(hits('regex', 'false', false)).toBe(true);
  });

  it('reads Python syntax', () => {
    expect(hits('regex', '(?P<y>\\d{4})-\\d\\d', '2024-03')).toBe(true);
    expect(hits('regex', '\\Aab\\Z', 'ab')).toBe(true);
    expect(hits('regex', '\\Aab\\Z', 'abc')).toBe(false);
    expect(hits('regex', '[]a]+x', ']ax')).toBe(true);
    expect(hits('regex', '[^]a]', 'b')).toBe(true);
    expect(hits('regex', '[^]a]', ']')).toBe(false);
    expect(hits('regex', '(?s)a.b', 'a\nb')).toBe(true);
    expect(hits('regex', 'a.b', 'a\nb')).toBe(false);
    expect(compilePattern('[(?P<x>]').test('P')).toBe(true);
  });

  it('rejects patterns it cannot translate', () => {
    expect(() => compilePattern('(?x) a b')).toThrow(SyntaxError);
    expect(() => compilePattern('[')).toThrow(SyntaxError);
  });

  it('refuses what needs backtracking, by name', () => {
    expect(() => compilePattern('(?P<y>\\d{4})-(?P=y)')).toThrow(/backreferences \(\(\?P=name\)\) are not supported: rule regexes run in linear time/);
    expect(() => compilePattern('(a)\\1')).toThrow(/backreferences/);
    expect(() => compilePattern('a(?=b)')).toThrow(/lookaround/);
    expect(() => compilePattern('(?<!a)b')).toThrow(/lookaround/);
    expect(compilePattern('(?P<name>a)(?<other>b)').test('ab')).toBe(true);
    // Escaped or inside a class, the same characters are plain text.
    expect(compilePattern('\\\\1').test('\\1')).toBe(true);
    expect(compilePattern('\\(?=x').test('(=x')).toBe(true);
    expect(compilePattern('[(?!]+').test('(?!')).toBe(true);
  });

  it('runs in linear time: catastrophic patterns answer at once', () => {
    // A backtracking engine needs ~2^40 steps for each of these; the test would never end.
    const text = `${'a'.repeat(40)}!`;
    expect(compilePattern('(a+)+$').test(text)).toBe(false);
    expect(compilePattern('(a|aa)*$').test(text)).toBe(false);
    expect(compilePattern('(.*a){12}$').test(text)).toBe(false);
    expect(compilePattern('(a+)+!').test(text)).toBe(true);
  });

  it('handles astral and non-ASCII text by code point', () => {
    expect(compilePattern('.\\u00e9$').test('😀é')).toBe(true);
    expect(compilePattern('(?i)ÉCOLE').test('école')).toBe(true);
  });
});


// Every operator on every kind of field, as PostgreSQL values are indexed
// (reference F.2; the README's sync-rule table). `error`: the job fails with a
// RuleError naming the rule and the field.
type Expect = boolean | 'error';
interface Family {
  name: string;
  kind: FieldKind | undefined;
  value: unknown;
  cases: Partial<Record<RuleOperator, [string, Expect][]>>;
}

const FAMILIES: Family[] = [
  {
    name: 'text (varchar "10")',
    kind: 'text',
    value: '10',
    cases: {
      equals: [['10', true], ['10.0', false], [' 10', false]],
      '>': [['9', false], ['1', true], ['10', false]],
      '<': [['9', true], ['2', true], ['10', false]],
      starts_with: [['1', true], ['0', false]],
      ends_with: [['0', true], ['1', false]],
      contains: [['10', true], ['100', false]],
      regex: [['\\d+$', true], ['0', false]],
    },
  },
  {
    name: 'text, beyond the BMP (by code point, as Python)',
    kind: 'text',
    value: '\u{1F600}',
    cases: { '>': [['\uffff', true]], '<': [['\uffff', false]] },
  },
  {
    name: 'integer (int4 42)',
    kind: 'number',
    value: 42,
    cases: {
      equals: [['42', true], ['42.0', true], [' 4_2 ', true], ['41', false], ['forty-two', false]],
      '>': [['41.5', true], ['42', false], ['1e1', true], ['forty', 'error']],
      '<': [['100', true], ['9', false], ['inf', true]],
      starts_with: [['4', true], ['2', false]],
      ends_with: [['2', true], ['.0', false]],
      contains: [['42', true], ['43', false]],
      regex: [['4\\d$', true], ['\\d{3}', false]],
    },
  },
  {
    name: 'bigint above 2^53 (indexed as exact text)',
    kind: 'number',
    value: '9007199254740993',
    cases: {
      equals: [['9007199254740993', true], ['9007199254740992', false]],
      '>': [['9007199254740992', true], ['1e16', false]],
      '<': [['9007199254740994', true], ['9', false]],
      starts_with: [['9007', true]],
      ends_with: [['993', true]],
      contains: [['7199', true]],
      regex: [['9+0+7', true]],
    },
  },
  {
    name: 'numeric (40 digits, indexed as exact text)',
    kind: 'number',
    value: '1234567890123456789012345678901234567.891',
    cases: {
      equals: [['1234567890123456789012345678901234567.891', true], ['1234567890123456789012345678901234567.89', false]],
      '>': [['1234567890123456789012345678901234567.89', true], ['1.3e36', false]],
      '<': [['1234567890123456789012345678901234567.8911', true], ['-5', false]],
    },
  },
  {
    name: 'numeric 2.50 (a number)',
    kind: 'number',
    value: 2.5,
    cases: { equals: [['2.50', true], ['2.5', true]], '>': [['2.49', true], ['10', false]], '<': [['10', true], ['2.5', false]] },
  },
  {
    name: 'float NaN',
    kind: 'number',
    value: 'NaN',
    cases: { equals: [['NaN', false]], '>': [['0', false]], '<': [['0', false]], contains: [['Na', true]] },
  },
  {
    name: 'float Infinity',
    kind: 'number',
    value: 'Infinity',
    cases: { equals: [['inf', true], ['1e308', false]], '>': [['1e308', true], ['infinity', false]], '<': [['0', false]] },
  },
  {
    name: 'boolean true',
    kind: 'boolean',
    value: true,
    cases: {
      equals: [['true', true], ['TRUE', true], ['t', true], ['yes', true], ['on', true], ['1', true], ['false', false], ['maybe', false]],
      '>': [['false', 'error']],
      '<': [['true', 'error']],
      starts_with: [['tr', true], ['Tr', false]],
      ends_with: [['ue', true]],
      contains: [['ru', true], ['false', false]],
      regex: [['t', true], ['True', false]],
    },
  },
  {
    name: 'boolean false',
    kind: 'boolean',
    value: false,
    cases: { equals: [['false', true], ['f', true], ['no', true], ['off', true], ['0', true], ['true', false]] },
  },
  {
    name: 'date',
    kind: 'instant',
    value: '2024-03-01',
    cases: {
      equals: [['2024-03-01', true], ['2024-03-01T00:00:00Z', true], ['2024-03-02', false]],
      '>': [['2024-02-29', true], ['2024-03-01', false], ['2024-02-29T23:59:59.999999-01:00', false], ['yesterday', 'error']],
      '<': [['2024-03-01T00:00:00.000001', true], ['2023-12-31', false], ['2024-02-30', 'error']],
      starts_with: [['2024-03', true], ['03', false]],
      ends_with: [['-01', true]],
      contains: [['-03-', true], ['/', false]],
      regex: [['\\d{4}-03', true], ['03', false]],
    },
  },
  {
    name: 'timestamp (no offset: UTC)',
    kind: 'instant',
    value: '2024-01-01T10:00:00.000002',
    cases: {
      equals: [['2024-01-01 10:00:00.000002', true], ['2024-01-01T10:00:00.000002+00:00', true], ['2024-01-01T10:00:00', false]],
      '>': [['2024-01-01T10:00:00.000001', true], ['2024-01-01T11:00:00+02:00', true], ['2024-01-01T10:00:00.000002', false]],
      '<': [['2024-01-01T10:00:00.000003', true], ['2024-01-01', false]],
      starts_with: [['2024-01-01T10', true]],
      contains: [['T10:', true]],
      regex: [['.*\\.000002$', true]],
    },
  },
  {
    name: 'timestamptz (offset)',
    kind: 'instant',
    value: '2024-01-01T10:00:00+02:00',
    cases: {
      equals: [['2024-01-01T08:00:00Z', true], ['2024-01-01T10:00:00', false]],
      // As text this timestamp would sort after 09:00Z; as an instant (08:00Z) it is before.
      '>': [['2024-01-01T09:00:00Z', false], ['2024-01-01T07:59:59Z', true]],
      '<': [['2024-01-01T09:00:00Z', true]],
      ends_with: [['+02:00', true]],
    },
  },
  {
    name: 'date: infinity and BC',
    kind: 'instant',
    value: '-0043-03-15',
    cases: { '<': [['0001-01-01', true], ['-infinity', false]], '>': [['-infinity', true], ['-0044-12-31', true]], equals: [['-0043-03-15', true]] },
  },
  {
    name: 'timestamp infinity',
    kind: 'instant',
    value: 'infinity',
    cases: { '>': [['9999-12-31T23:59:59', true]], equals: [['infinity', true]], '<': [['infinity', false]] },
  },
  {
    name: 'array (int4[])',
    kind: 'structured',
    value: [1, 20, 3],
    cases: {
      equals: [['20', false], ['[1,20,3]', false]],
      '>': [['10', 'error']],
      '<': [['10', 'error']],
      starts_with: [['[1,', true], ['1', false]],
      ends_with: [[',3]', true]],
      contains: [['20', true], ['21', false]],
      regex: [['\\[1,\\d+', true]],
    },
  },
  {
    name: 'jsonb object (by its value: structured)',
    kind: 'dynamic',
    value: { k: 'v', n: 1 },
    cases: { equals: [['{"k":"v","n":1}', false]], contains: [['"k":"v"', true]], '>': [['a', 'error']] },
  },
  {
    name: 'jsonb number (by its value: a number)',
    kind: 'dynamic',
    value: 7,
    cases: { equals: [['7.0', true]], '>': [['10', false], ['6', true]] },
  },
  {
    name: 'jsonb string (by its value: text)',
    kind: 'dynamic',
    value: '7',
    cases: { equals: [['7.0', false], ['7', true]], '>': [['10', true]] },
  },
  {
    name: 'a source that says nothing: a JS number',
    kind: undefined,
    value: 9007199254740993n,
    cases: { equals: [['9007199254740993', true]], '>': [['9007199254740992', true]] },
  },
  {
    name: 'a source that says nothing: a Date',
    kind: undefined,
    value: new Date('2024-01-02T03:04:05Z'),
    cases: { equals: [['2024-01-02T04:04:05+01:00', true]], starts_with: [['2024-01-02T03', true]], '<': [['2025', 'error']] },
  },
];

describe('every operator on every kind of field', () => {
  const rows = FAMILIES.flatMap((f) =>
    Object.entries(f.cases).flatMap(([op, cases]) => cases.map(([ruleValue, expected]) => ({ family: f, op, ruleValue, expected }))),
  );

  it('covers every operator for the main families', () => {
    for (const name of ['text (varchar "10")', 'integer (int4 42)', 'boolean true', 'date', 'array (int4[])']) {
      const family = FAMILIES.find((f) => f.name === name);
      expect(Object.keys(family?.cases ?? {}).sort(), name).toEqual([...RULE_OPERATORS].sort());
    }
  });

  it.each(rows.map((r) => [r.family.name, r.op, r.ruleValue, r.expected, r] as const))('%s: %s %j ⇒ %s', (_n, op, ruleValue, expected, r) => {
    if (expected === 'error') {
      expect(() => hits(op, ruleValue, r.family.value, r.family.kind)).toThrow(RuleError);
      expect(() => hits(op, ruleValue, r.family.value, r.family.kind)).toThrow(/field "v" holds/);
    } else {
      expect(hits(op, ruleValue, r.family.value, r.family.kind)).toBe(expected);
    }
  });

  it('null and a missing field match nothing, whatever the kind (Elastic: "None" for text operators, a failed job for < and >)', () => {
    for (const kind of ['text', 'number', 'boolean', 'instant', 'structured', 'dynamic', undefined] as const) {
      for (const op of RULE_OPERATORS) {
        for (const value of ['null', '', 'None', '.?', '0']) {
          if (op === 'regex' && value === '') continue;
          expect(hits(op, value, null, kind), `${op} ${value} on null ${kind}`).toBe(false);
          const set = compileRules([rule('v', op, value, 'exclude', 1)]);
          expect(set.decide({ other: 'x' }, kind ? { v: kind } : undefined)).toEqual({ include: true });
        }
      }
    }
  });

  it('a string "null" is a string, not a null', () => {
    expect(hits('equals', 'null', 'null', 'text')).toBe(true);
    expect(hits('equals', '', 'null', 'text')).toBe(false);
  });

  it('the source\'s kind wins over the value\'s own type', () => {
    // A varchar holding digits compares as text; the same text in a numeric column as a number.
    expect(hits('>', '9', '10', 'text')).toBe(false);
    expect(hits('>', '9', '10', 'number')).toBe(true);
    expect(hits('>', '9', '10')).toBe(false);
  });

  it('names the rule and the field when a comparison cannot be made', () => {
    const set = compileRules([rule('public_items_active', '>', 'false', 'exclude', 1, 'gt-bool')]);
    expect(() => set.decide({ public_items_active: true }, { public_items_active: 'boolean' })).toThrow(
      'Sync rule "gt-bool": field "public_items_active" holds booleans; ">" cannot compare them',
    );
  });
});

describe('field lookup', () => {
  it('only looks at own top-level keys', () => {
    expect(compileRules([rule('constructor', 'contains', 'Object', 'exclude')]).decide({}).include).toBe(true);
    expect(compileRules([rule('a.b', 'equals', 'x', 'exclude')]).decide({ a: { b: 'x' } }).include).toBe(true);
    expect(compileRules([rule('a.b', 'equals', 'x', 'exclude')]).decide({ 'a.b': 'x' }).include).toBe(false);
  });
});
