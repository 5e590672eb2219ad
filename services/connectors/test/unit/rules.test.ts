import { describe, expect, it } from 'vitest';
import type { BasicRule, RuleOperator, RulePolicy } from '../../src/protocol/types.js';
import { RuleError, compilePattern, compileRules, parseOperator } from '../../src/sync/rules.js';

let counter = 0;
function rule(field: string, op: string, value: string, policy: RulePolicy = 'exclude', order?: number, id?: string): BasicRule {
  counter++;
  return { id: id ?? `r${counter}`, policy, field, rule: op as RuleOperator, value, order: order ?? counter };
}

const DEFAULT: BasicRule = { id: 'DEFAULT', policy: 'include', field: '_', rule: 'regex', value: '.*', order: 999 };

/** Whether a single rule matches the value of field `v`. */
function hits(op: string, ruleValue: string, docValue: unknown): boolean {
  const set = compileRules([rule('v', op, ruleValue, 'exclude')]);
  return set.decide({ v: docValue }).include === false;
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
  it.each<[string, string, unknown, boolean]>([
    ['starts_with', 'ab', 'abc', true],
    ['starts_with', 'bc', 'abc', false],
    ['starts_with', 'AB', 'abc', false],
    ['ends_with', 'bc', 'abc', true],
    ['ends_with', 'ab', 'abc', false],
    ['contains', 'b', 'abc', true],
    ['contains', 'x', 'abc', false],
    ['starts_with', '12', 123, true],
    ['ends_with', '.5', 1.5, true],
    ['contains', 'ru', true, true],
    ['starts_with', '9007', 9007199254740993n, true],
    ['contains', '"k":"v"', { k: 'v' }, true],
    ['starts_with', '2024-01-02T', new Date('2024-01-02T03:04:05Z'), true],
  ])('%s %s on %s ⇒ %s', (op, ruleValue, docValue, expected) => {
    expect(hits(op, ruleValue, docValue)).toBe(expected);
  });

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

  it('translates Python-only syntax', () => {
    expect(hits('regex', '(?P<y>\\d{4})-(?P=y)', '2024-2024')).toBe(true);
    expect(hits('regex', '(?P<y>\\d{4})-(?P=y)', '2024-2025')).toBe(false);
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
});

describe('equals', () => {
  it('compares strings exactly', () => {
    expect(hits('equals', 'abc', 'abc')).toBe(true);
    expect(hits('equals', 'abc', 'ABC')).toBe(false);
    expect(hits('equals', 'abc', 'abc ')).toBe(false);
    expect(hits('equals', '2024-01-01', '2024-01-01T00:00:00Z')).toBe(false);
  });

  it('works on booleans (unlike Elastic)', () => {
    for (const word of ['true', 'TRUE', 'True', '1', 'yes', ' Yes ']) {
      expect(hits('equals', word, true)).toBe(true);
      expect(hits('equals', word, false)).toBe(false);
    }
    for (const word of ['false', 'FALSE', '0', 'no']) {
      expect(hits('equals', word, false)).toBe(true);
      expect(hits('equals', word, true)).toBe(false);
    }
    expect(hits('equals', 'maybe', true)).toBe(false);
    expect(hits('equals', 'maybe', false)).toBe(false);
  });

  it('compares numbers numerically', () => {
    expect(hits('equals', '5', 5)).toBe(true);
    expect(hits('equals', '5.0', 5)).toBe(true);
    expect(hits('equals', ' 1e3 ', 1000)).toBe(true);
    expect(hits('equals', '5', 5.5)).toBe(false);
    expect(hits('equals', 'five', 5)).toBe(false);
    expect(hits('equals', '', 0)).toBe(false);
    expect(hits('equals', '0x10', 16)).toBe(false);
    expect(hits('equals', 'NaN', Number.NaN)).toBe(false);
  });

  it('compares bigints exactly beyond double precision', () => {
    expect(hits('equals', '9007199254740993', 9007199254740993n)).toBe(true);
    expect(hits('equals', '9007199254740992', 9007199254740993n)).toBe(false);
    expect(hits('equals', '1.0', 1n)).toBe(true);
  });

  it('compares Date objects as instants', () => {
    expect(hits('equals', '2024-01-02T04:04:05+01:00', new Date('2024-01-02T03:04:05Z'))).toBe(true);
    expect(hits('equals', 'not a date', new Date('2024-01-02T03:04:05Z'))).toBe(false);
  });

  it('compares objects by their JSON text', () => {
    expect(hits('equals', '{"a":1}', { a: 1 })).toBe(true);
    expect(hits('equals', '{"a":2}', { a: 1 })).toBe(false);
  });
});

describe('< and >', () => {
  it('compare numbers numerically', () => {
    expect(hits('>', '10', 11)).toBe(true);
    expect(hits('>', '10', 10)).toBe(false);
    expect(hits('>', '10', 9)).toBe(false);
    expect(hits('<', '10', 9)).toBe(true);
    expect(hits('<', '10', 10)).toBe(false);
    expect(hits('<', '-1.5', -2)).toBe(true);
    expect(hits('<', 'ten', 9)).toBe(false);
    expect(hits('>', 'ten', 11)).toBe(false);
    expect(hits('>', '9007199254740992', 9007199254740993n)).toBe(true);
    expect(hits('<', '2.5', 2n)).toBe(true);
  });

  it('compare ISO dates and timestamps as instants', () => {
    expect(hits('>', '2024-01-01', '2024-01-01T00:00:01Z')).toBe(true);
    // 10:00+02:00 is 08:00Z: as instants the document is later, as text it would sort first.
    expect(hits('>', '2024-01-01T10:00:00+02:00', '2024-01-01T09:00:00Z')).toBe(true);
    expect(hits('<', '2024-01-01T10:00:00+02:00', '2024-01-01T09:00:00Z')).toBe(false);
    expect(hits('>', '2024-01-01T10:00:00+02:00', '2024-01-01T09:00:00-01:00')).toBe(true);
    // PostgreSQL-style: space separator, microseconds, short offset; no offset means UTC.
    expect(hits('>', '2024-01-01 00:00:00.000001', '2024-01-01 00:00:00.000002')).toBe(true);
    expect(hits('<', '2024-01-01 00:00:00.000001', '2024-01-01 00:00:00.000002')).toBe(false);
    expect(hits('<', '2024-06-01T00:00:00', '2024-06-01 01:00:00+02')).toBe(true);
    expect(hits('>', '2024-02-28', new Date('2024-03-01T00:00:00Z'))).toBe(true);
    expect(hits('<', 'yesterday', new Date('2024-03-01T00:00:00Z'))).toBe(false);
  });

  it('fall back to text for impossible dates', () => {
    // Not a real date, so not an instant; compared as text instead.
    expect(hits('<', '2024-02-30', '2024-02-29')).toBe(true);
    expect(hits('>', '2024-02-30', '2024-03-01')).toBe(true);
  });

  it('compare numeric strings numerically', () => {
    expect(hits('>', '9', '10')).toBe(true);
    expect(hits('<', '9', '10')).toBe(false);
    expect(hits('<', '1e3', '999.5')).toBe(true);
  });

  it('compare other strings lexicographically', () => {
    expect(hits('>', 'apple', 'banana')).toBe(true);
    expect(hits('<', 'apple', 'banana')).toBe(false);
    expect(hits('<', 'b', 'B')).toBe(true);
    expect(hits('>', '9', 'abc')).toBe(true);
    expect(hits('<', 'm', 'm')).toBe(false);
    expect(hits('>', 'm', 'm')).toBe(false);
  });

  it('never match booleans or plain objects', () => {
    expect(hits('>', 'false', true)).toBe(false);
    expect(hits('<', 'true', false)).toBe(false);
    expect(hits('>', 'a', { a: 1 })).toBe(false);
  });
});

describe('missing, null and array values', () => {
  it('never matches a field absent from the document', () => {
    for (const op of ['equals', 'starts_with', 'ends_with', 'contains', 'regex', '<', '>']) {
      const set = compileRules([rule('missing', op, op === 'regex' ? '.?' : 'x', 'exclude', 1)]);
      expect(set.decide({ other: 'x' })).toEqual({ include: true });
      expect(set.decide({ missing: undefined })).toEqual({ include: true });
    }
  });

  it('only looks at own top-level keys', () => {
    expect(compileRules([rule('constructor', 'contains', 'Object', 'exclude')]).decide({}).include).toBe(true);
    expect(compileRules([rule('a.b', 'equals', 'x', 'exclude')]).decide({ a: { b: 'x' } }).include).toBe(true);
    expect(compileRules([rule('a.b', 'equals', 'x', 'exclude')]).decide({ 'a.b': 'x' }).include).toBe(false);
  });

  it('matches null only with equals "null" or ""', () => {
    expect(hits('equals', 'null', null)).toBe(true);
    expect(hits('equals', 'NULL', null)).toBe(true);
    expect(hits('equals', '', null)).toBe(true);
    expect(hits('equals', 'None', null)).toBe(false);
    expect(hits('equals', 'null', 'x')).toBe(false);
    expect(hits('contains', 'ul', null)).toBe(false);
    expect(hits('starts_with', 'n', null)).toBe(false);
    expect(hits('regex', '.*', null)).toBe(false);
    expect(hits('<', 'z', null)).toBe(false);
    expect(hits('>', '', null)).toBe(false);
  });

  it('a string "null" is a string, not a null', () => {
    expect(hits('equals', 'null', 'null')).toBe(true);
    expect(hits('equals', '', 'null')).toBe(false);
  });

  it('matches arrays when any element matches', () => {
    expect(hits('equals', 'b', ['a', 'b'])).toBe(true);
    expect(hits('equals', 'c', ['a', 'b'])).toBe(false);
    expect(hits('>', '10', [1, 2, 30])).toBe(true);
    expect(hits('>', '10', [1, 2, 3])).toBe(false);
    expect(hits('equals', 'true', [false, true])).toBe(true);
    expect(hits('starts_with', 'x', ['ax', ['xa']])).toBe(true);
    expect(hits('equals', 'null', ['a', null])).toBe(true);
    expect(hits('regex', '.*', [])).toBe(false);
    expect(hits('equals', '', [])).toBe(false);
  });
});
