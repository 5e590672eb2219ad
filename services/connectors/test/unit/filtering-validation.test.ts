import { describe, expect, it } from 'vitest';
import type { BasicRule, RuleOperator } from '../../src/protocol/types.js';
import { combineValidation, isMatchAllPattern, validateBasicRules } from '../../src/sync/filtering-validation.js';

const DEFAULT: BasicRule = { id: 'DEFAULT', policy: 'include', field: '_', rule: 'regex', value: '.*', order: 3 };

function rule(id: string, field: string, op: string, value: string, order = 1): BasicRule {
  return { id, policy: 'exclude', field, rule: op as RuleOperator, value, order };
}

/** Casts a deliberately malformed rule. */
const raw = (value: unknown) => value as BasicRule;

const messagesFor = (rules: readonly BasicRule[], id: string) => validateBasicRules(rules).find((e) => e.ids[0] === id)?.messages ?? [];

describe('validateBasicRules', () => {
  it('accepts well-formed rules with the DEFAULT rule', () => {
    expect(validateBasicRules([rule('a', 'name', 'equals', 'x'), rule('b', 'age', '>', '18', 2), DEFAULT])).toEqual([]);
    expect(validateBasicRules([DEFAULT])).toEqual([]);
    expect(validateBasicRules([])).toEqual([]);
  });

  it('accepts operators and policies in any case', () => {
    expect(validateBasicRules([{ ...rule('a', 'f', 'STARTS_WITH', 'x'), policy: 'Include' as BasicRule['policy'] }])).toEqual([]);
  });

  describe('schema', () => {
    it.each([
      ['id', { id: '' }, /^id must be a non-empty string/],
      ['id', { id: 7 }, /^id must be a non-empty string \(got 7\)/],
      ['field', { field: '' }, /^field must be a non-empty string/],
      ['field', { field: undefined }, /^field must be a non-empty string \(got nothing\)/],
      ['value', { value: '   ' }, /^value must be a non-empty string/],
      ['value', { value: 3 }, /^value must be a non-empty string \(got 3\)/],
      ['policy', { policy: 'keep' }, /^policy must be "include" or "exclude" \(got "keep"\)/],
      ['rule', { rule: 'like' }, /^rule must be one of equals, starts_with, ends_with, contains, regex, >, < \(got "like"\)/],
      ['rule', { rule: null }, /^rule must be one of/],
      ['order', { order: '1' }, /^order must be a number \(got "1"\)/],
      ['order', { order: Number.NaN }, /^order must be a number/],
    ])('checks %s: %j', (_name, patch, message) => {
      const errors = validateBasicRules([raw({ ...rule('r', 'f', 'equals', 'x'), ...patch }), DEFAULT]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.messages).toHaveLength(1);
      expect(errors[0]?.messages[0]).toMatch(message);
    });

    it('collects every problem of a rule under its id', () => {
      const errors = validateBasicRules([raw({ id: 'r', policy: 'x', field: '', rule: 'nope', value: '', order: null })]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.ids).toEqual(['r']);
      expect(errors[0]?.messages).toHaveLength(5);
    });

    it('names rules without a usable id by position', () => {
      const errors = validateBasicRules([rule('ok', 'f', 'equals', 'x'), raw({ ...rule('', 'f', 'equals', 'y') }), raw(null)]);
      expect(errors.map((e) => e.ids)).toEqual([['rules[1]'], ['rules[2]']]);
      expect(errors[1]?.messages[0]).toMatch(/must be an object/);
    });
  });

  describe('match-all regex', () => {
    it.each(['.*', '(.*)', '^.*', '(?:.*)', '^(.*)', '((.*))', ' .* ', '.*?'])('rejects %j on a user rule', (pattern) => {
      expect(messagesFor([rule('all', 'f', 'regex', pattern), DEFAULT], 'all')).toEqual([
        expect.stringMatching(/matches every document; only the DEFAULT rule may match everything/),
      ]);
    });

    it('allows it on DEFAULT', () => {
      expect(validateBasicRules([DEFAULT])).toEqual([]);
    });

    it('is only a concern for the regex operator', () => {
      expect(validateBasicRules([rule('c', 'f', 'contains', '.*')])).toEqual([]);
    });

    it('does not flag patterns that restrict', () => {
      for (const pattern of ['.*x', 'a.*', '(a)|(.*)', '.+', '(.*)x', '\\(.*\\)']) expect(isMatchAllPattern(pattern), pattern).toBe(false);
      for (const pattern of ['.*', '(.*)', '^^.*', '(?:(.*))']) expect(isMatchAllPattern(pattern), pattern).toBe(true);
    });
  });

  describe('duplicates', () => {
    it('reports both rules with identical field, rule and value', () => {
      const errors = validateBasicRules([rule('a', 'f', 'equals', 'x', 1), rule('b', 'f', 'equals', 'x', 2), DEFAULT]);
      expect(errors).toEqual([
        { ids: ['a'], messages: ['duplicates rule "b" (same field, rule and value)'] },
        { ids: ['b'], messages: ['duplicates rule "a" (same field, rule and value)'] },
      ]);
    });

    it('ignores the policy and operator case', () => {
      const a = rule('a', 'f', 'equals', 'x');
      const b = { ...rule('b', 'f', 'EQUALS', 'x'), policy: 'include' as const };
      expect(validateBasicRules([a, b]).map((e) => e.ids[0])).toEqual(['a', 'b']);
    });

    it('lists every other duplicate', () => {
      const errors = validateBasicRules([rule('a', 'f', 'contains', 'x'), rule('b', 'f', 'contains', 'x'), rule('c', 'f', 'contains', 'x')]);
      expect(errors[0]?.messages).toEqual(['duplicates rules "b", "c" (same field, rule and value)']);
    });

    it('reports rules sharing an id as duplicates too', () => {
      const errors = validateBasicRules([rule('a', 'f', 'contains', 'x'), rule('a', 'f', 'contains', 'x')]);
      expect(errors).toEqual([{ ids: ['a'], messages: [expect.stringMatching(/duplicates/), expect.stringMatching(/duplicates/)] }]);
    });

    it('does not confuse rules that differ in field, rule or value', () => {
      expect(
        validateBasicRules([
          rule('a', 'f', 'equals', 'x'),
          rule('b', 'g', 'equals', 'x'),
          rule('c', 'f', 'contains', 'x'),
          rule('d', 'f', 'equals', 'X'),
          rule('e', 'f', 'equals', 'x,'),
        ]),
      ).toEqual([]);
    });

    it('does not pair a user rule with DEFAULT (the match-all check covers that)', () => {
      const errors = validateBasicRules([rule('u', '_', 'regex', '.*'), DEFAULT]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.ids).toEqual(['u']);
      expect(errors[0]?.messages).toHaveLength(1);
    });
  });

  describe('invalid regex', () => {
    it('is reported with the reason', () => {
      expect(messagesFor([rule('bad', 'f', 'regex', '(unclosed')], 'bad')).toEqual([expect.stringMatching(/^invalid regex "\(unclosed": .+/)]);
      expect(messagesFor([rule('bad', 'f', 'regex', '[z-a]')], 'bad')).toHaveLength(1);
    });

    it('accepts valid and Python-flavoured patterns', () => {
      expect(validateBasicRules([rule('ok', 'f', 'regex', '(?P<n>\\d+)-\\d'), rule('ok2', 'f', 'regex', '(?i)abc')])).toEqual([]);
    });

    it('refuses backreferences, which need a backtracking engine, by name', () => {
      const [error] = validateBasicRules([rule('backref', 'f', 'regex', '(?P<n>\\d+)-(?P=n)')]);
      expect(error?.ids).toEqual(['backref']);
      expect(error?.messages.join()).toMatch(/backreferences .* are not supported: rule regexes run in linear time/);
    });

    it('is only checked for the regex operator', () => {
      expect(validateBasicRules([rule('s', 'f', 'starts_with', '(')])).toEqual([]);
    });
  });

  it('groups errors per rule id, in rule order', () => {
    const errors = validateBasicRules([
      rule('first', 'f', 'equals', 'dup', 1),
      rule('second', 'f', 'regex', '(', 2),
      rule('third', 'f', 'equals', 'dup', 3),
      raw({ ...rule('fourth', 'f', 'regex', '.*', 4), order: 'x' }),
      DEFAULT,
    ]);
    expect(errors.map((e) => e.ids)).toEqual([['first'], ['second'], ['third'], ['fourth']]);
    expect(errors[3]?.messages).toEqual([expect.stringMatching(/^order must be a number/), expect.stringMatching(/matches every document/)]);
  });
});

describe('combineValidation', () => {
  it('is valid without errors', () => {
    expect(combineValidation([])).toEqual({ state: 'valid', errors: [] });
  });

  it('is invalid with errors, which it keeps', () => {
    const errors = [{ ids: ['advanced_snippet'], messages: ['bad'] }];
    expect(combineValidation(errors)).toEqual({ state: 'invalid', errors });
    expect(combineValidation(validateBasicRules([rule('a', 'f', 'regex', '(')])).state).toBe('invalid');
  });
});
