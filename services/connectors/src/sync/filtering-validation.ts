import type { BasicRule, FilteringValidation } from '../protocol/types.js';
import { compilePattern } from './rule-regex.js';
import { DEFAULT_RULE_ID, RULE_OPERATORS, parseOperator, parsePolicy } from './rules.js';

/**
 * The basic-rule validators of reference F.4, run on a draft before it is
 * activated and on a job's snapshot before it syncs. Rules come straight from
 * Elasticsearch documents, so nothing about their shape is assumed.
 */

type ValidationError = FilteringValidation['errors'][number];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/**
 * True for patterns that match every value under `re.match` semantics: `.*`
 * and the same optionally anchored with `^`, wrapped in groups, or lazy.
 * (Elastic checks only `.*` and `(.*)`; the variants are just as unbounded.)
 */
export function isMatchAllPattern(pattern: string): boolean {
  let p = pattern.trim();
  for (;;) {
    const before = p;
    p = p.replace(/^\^+/, '');
    // Unwrapping `(a)|(b)` yields `a)|(b`, which can never equal `.*`, so no balance check is needed.
    const group = /^\((?:\?:)?(.*)\)$/s.exec(p);
    if (group) p = group[1] ?? '';
    if (p === before) break;
  }
  return p === '.*' || p === '.*?';
}

function schemaProblems(rule: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of ['id', 'field', 'value'] as const) {
    if (!isNonEmptyString(rule[key])) problems.push(`${key} must be a non-empty string (got ${quote(rule[key])})`);
  }
  if (!parsePolicy(rule.policy)) problems.push(`policy must be "include" or "exclude" (got ${quote(rule.policy)})`);
  if (!parseOperator(rule.rule)) problems.push(`rule must be one of ${RULE_OPERATORS.join(', ')} (got ${quote(rule.rule)})`);
  if (typeof rule.order !== 'number' || !Number.isFinite(rule.order)) problems.push(`order must be a number (got ${quote(rule.order)})`);
  return problems;
}

/**
 * Errors for basic rules, one entry per offending rule id (in rule order),
 * each with every problem found for it. A rule without a usable id is
 * reported as `rules[<index>]`. Empty ⇒ valid.
 */
export function validateBasicRules(rules: readonly BasicRule[]): ValidationError[] {
  // Groups are emitted in the order their rules appear, whichever check found the problem.
  const groups = new Map<string, { position: number; messages: string[] }>();
  const positions = new Map<string, number>();
  const report = (id: string, message: string) => {
    const group = groups.get(id);
    if (group) group.messages.push(message);
    else groups.set(id, { position: positions.get(id) ?? 0, messages: [message] });
  };

  const candidates: { index: number; id: string; key: string }[] = [];

  rules.forEach((entry: unknown, index) => {
    if (!isRecord(entry)) {
      positions.set(`rules[${index}]`, index);
      report(`rules[${index}]`, 'must be an object with id, policy, field, rule, value and order');
      return;
    }
    const id = isNonEmptyString(entry.id) ? entry.id : `rules[${index}]`;
    if (!positions.has(id)) positions.set(id, index);
    for (const problem of schemaProblems(entry)) report(id, problem);

    const operator = parseOperator(entry.rule);
    const { field, value } = entry;
    if (!operator || !isNonEmptyString(field) || !isNonEmptyString(value)) return;

    if (operator === 'regex') {
      try {
        compilePattern(value);
      } catch (err) {
        report(id, `invalid regex ${quote(value)}: ${(err as Error).message}`);
      }
    }
    // The DEFAULT rule is the one rule meant to match everything, and users cannot edit it.
    if (entry.id === DEFAULT_RULE_ID) return;
    if (operator === 'regex' && isMatchAllPattern(value)) {
      report(id, `regex ${quote(value)} matches every document; only the DEFAULT rule may match everything`);
    }
    // Operators are case-insensitive, so `EQUALS` and `equals` are the same rule.
    candidates.push({ index, id, key: JSON.stringify([field, operator, value]) });
  });

  const byKey = new Map<string, typeof candidates>();
  for (const candidate of candidates) byKey.set(candidate.key, [...(byKey.get(candidate.key) ?? []), candidate]);
  for (const { index, id, key } of candidates) {
    const others = (byKey.get(key) ?? []).filter((other) => other.index !== index).map((other) => `"${other.id}"`);
    if (others.length > 0) {
      report(id, `duplicates ${others.length === 1 ? 'rule' : 'rules'} ${others.join(', ')} (same field, rule and value)`);
    }
  }

  return [...groups]
    .sort(([, a], [, b]) => a.position - b.position)
    .map(([id, { messages }]) => ({ ids: [id], messages }));
}

export function combineValidation(errors: FilteringValidation['errors']): FilteringValidation {
  return { state: errors.length > 0 ? 'invalid' : 'valid', errors };
}
