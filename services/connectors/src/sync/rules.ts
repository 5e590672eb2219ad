import type { BasicRule, RuleOperator, RulePolicy } from '../protocol/types.js';
import type { FieldKind, FieldKinds } from '../sources/types.js';
import { compareCodePoints } from '../util/text.js';
import { compilePattern, type RulePattern } from './rule-regex.js';
import { compareDecimals, compareInstants, decimalOf, instantOfDate, parseDecimal, parseInstant, type Decimal, type Instant } from './rule-values.js';

/**
 * Basic sync rules (reference F.2) with Elastic's semantics: rules are tried
 * by `order`, the first that matches decides, no match includes; a field the
 * document lacks never matches. The rule's value is read by the kind of the
 * field (the source says, from the column's type; otherwise the value's own
 * type decides):
 *
 * - `starts_with`/`ends_with`/`contains`/`regex` look at the value as indexed
 *   (arrays and objects as their JSON text), case-sensitively; `regex` is
 *   anchored at the start only, like Python's `re.match`;
 * - text: `equals` is exact, `<`/`>` compare by code point (`"10" < "9"`);
 * - number: exact decimal comparison, also for values indexed as exact text
 *   (big `bigint`s, long `numeric`s); NaN matches nothing;
 * - instant (date, timestamp, timestamptz): points in time, no offset = UTC;
 * - boolean: `equals` takes true/false, t/f, yes/no, y/n, on/off, 1/0;
 * - structured (arrays, composites, JSON objects): text operators only.
 *
 * Deliberate differences from Elastic, where its behaviour is a bug: a null
 * matches nothing (Elastic's text operators see "None", its `<`/`>` fail the
 * job); `equals` on a boolean can match (Elastic compares it with a string,
 * so it never does); `<`/`>` on a kind without order, or with a rule value of
 * the wrong type, fail the job with a message naming the rule and the field
 * (Elastic fails it with a Python TypeError).
 */

export const DEFAULT_RULE_ID = 'DEFAULT';

export const RULE_OPERATORS: readonly RuleOperator[] = ['equals', 'starts_with', 'ends_with', 'contains', 'regex', '>', '<'];
export const RULE_POLICIES: readonly RulePolicy[] = ['include', 'exclude'];

/** A rule that cannot be applied; the job must fail rather than sync the wrong documents. */
export class RuleError extends Error {
  override name = 'RuleError';
  constructor(
    readonly ruleId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Sync rule "${ruleId}": ${message}`, options);
  }
}

/** Operators are stored as strings and compared case-insensitively. */
export function parseOperator(raw: unknown): RuleOperator | undefined {
  if (typeof raw !== 'string') return undefined;
  const lower = raw.toLowerCase();
  return RULE_OPERATORS.find((op) => op === lower);
}

export function parsePolicy(raw: unknown): RulePolicy | undefined {
  if (typeof raw !== 'string') return undefined;
  const lower = raw.toLowerCase();
  return RULE_POLICIES.find((policy) => policy === lower);
}

export interface CompiledRule {
  readonly id: string;
  readonly policy: RulePolicy;
  readonly field: string;
  readonly operator: RuleOperator;
  readonly value: string;
  readonly order: number;
}

export interface RuleDecision {
  include: boolean;
  /** The rule that decided; absent when no rule matched (documents are then included). */
  ruleId?: string;
}

export interface RuleSet {
  /** Rules in the order they are tried (DEFAULT removed). */
  readonly rules: readonly CompiledRule[];
  /** `kinds`: the source's kinds of the document's fields, when it knows them. */
  decide(doc: Record<string, unknown>, kinds?: FieldKinds): RuleDecision;
}

/** The rule value pre-read for every kind a field may have. */
interface Matcher extends CompiledRule {
  regex?: RulePattern;
  decimal: Decimal | undefined;
  boolean: boolean | undefined;
  instant: Instant | undefined;
}

type Kind = Exclude<FieldKind, 'dynamic'>;

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off', '0']);

function parseBoolean(text: string): boolean | undefined {
  const lower = text.trim().toLowerCase();
  if (TRUE_WORDS.has(lower)) return true;
  if (FALSE_WORDS.has(lower)) return false;
  return undefined;
}

function kindOf(value: unknown, declared: FieldKind | undefined): Kind {
  if (declared !== undefined && declared !== 'dynamic') return declared;
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return value instanceof Date ? 'instant' : 'structured';
  }
}

/** The value as indexed: what text operators look at. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  return String(value);
}

function instantOf(value: unknown): Instant | undefined {
  return value instanceof Date ? instantOfDate(value) : typeof value === 'string' ? parseInstant(value) : undefined;
}

function compileMatcher(rule: BasicRule, index: number): Matcher {
  const raw = rule as unknown as Record<string, unknown>;
  const id = typeof raw.id === 'string' && raw.id !== '' ? raw.id : `#${index}`;
  const operator = parseOperator(raw.rule);
  if (!operator) throw new RuleError(id, `unknown rule operator ${JSON.stringify(raw.rule)}`);
  const policy = parsePolicy(raw.policy);
  if (!policy) throw new RuleError(id, `policy must be "include" or "exclude", not ${JSON.stringify(raw.policy)}`);
  if (typeof raw.field !== 'string' || raw.field === '') throw new RuleError(id, 'field must be a non-empty string');
  if (typeof raw.value !== 'string') throw new RuleError(id, 'value must be a string');
  if (typeof raw.order !== 'number' || !Number.isFinite(raw.order)) throw new RuleError(id, 'order must be a number');
  const value = raw.value;
  const matcher: Matcher = {
    id,
    policy,
    field: raw.field,
    operator,
    value,
    order: raw.order,
    decimal: parseDecimal(value),
    boolean: parseBoolean(value),
    instant: parseInstant(value),
  };
  if (operator === 'regex') {
    try {
      matcher.regex = compilePattern(value);
    } catch (err) {
      throw new RuleError(id, `invalid regex ${JSON.stringify(value)}: ${(err as Error).message}`, { cause: err });
    }
  }
  return matcher;
}

const KIND_WORDS: Record<Kind, string> = {
  text: 'text',
  number: 'numbers',
  boolean: 'booleans',
  instant: 'dates or timestamps',
  structured: 'arrays or objects',
};

/** A rule that cannot order this field's values is a configuration error, not a silent "no match". */
function cannotOrder(rule: Matcher, kind: Kind, why: string): RuleError {
  return new RuleError(rule.id, `field "${rule.field}" holds ${KIND_WORDS[kind]}; "${rule.operator}" ${why}`);
}

/** -1/0/1 for value against the rule value, undefined when this value has no place in the order (NaN). */
function order(rule: Matcher, value: unknown, kind: Kind): number | undefined {
  switch (kind) {
    case 'text':
      return Math.sign(compareCodePoints(textOf(value), rule.value));
    case 'number': {
      if (!rule.decimal) throw cannotOrder(rule, kind, `needs a number, not ${JSON.stringify(rule.value)}`);
      const own = decimalOf(value);
      return own && compareDecimals(own, rule.decimal);
    }
    case 'instant': {
      if (!rule.instant) throw cannotOrder(rule, kind, `needs an ISO 8601 date or timestamp, not ${JSON.stringify(rule.value)}`);
      const own = instantOf(value);
      return own && compareInstants(own, rule.instant);
    }
    default:
      throw cannotOrder(rule, kind, 'cannot compare them');
  }
}

function equals(rule: Matcher, value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'text':
      return textOf(value) === rule.value;
    case 'number': {
      const own = decimalOf(value);
      return !!own && !!rule.decimal && compareDecimals(own, rule.decimal) === 0;
    }
    case 'boolean':
      return rule.boolean !== undefined && rule.boolean === (typeof value === 'boolean' ? value : parseBoolean(textOf(value)));
    case 'instant': {
      const own = instantOf(value);
      return own && rule.instant ? compareInstants(own, rule.instant) === 0 : textOf(value) === rule.value;
    }
    case 'structured':
      return false;
  }
}

function matches(rule: Matcher, value: unknown, declared: FieldKind | undefined): boolean {
  if (value === undefined || value === null) return false;
  const kind = kindOf(value, declared);
  switch (rule.operator) {
    case 'starts_with':
      return textOf(value).startsWith(rule.value);
    case 'ends_with':
      return textOf(value).endsWith(rule.value);
    case 'contains':
      return textOf(value).includes(rule.value);
    case 'regex':
      return (rule.regex as RulePattern).test(textOf(value));
    case 'equals':
      return equals(rule, value, kind);
    case '<':
      return order(rule, value, kind) === -1;
    case '>':
      return order(rule, value, kind) === 1;
  }
}

/**
 * Drops the DEFAULT rule, orders the rest by `order` (ties keep their given
 * order) and pre-compiles them. Throws a RuleError for a rule that cannot be
 * applied (unknown operator or policy, bad regex, malformed fields); `decide`
 * throws one for a comparison the field's kind does not allow.
 */
export function compileRules(rules: readonly BasicRule[]): RuleSet {
  const matchers = rules
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) => rule.id !== DEFAULT_RULE_ID)
    .map(({ rule, index }) => compileMatcher(rule, index))
    .sort((a, b) => a.order - b.order);

  return {
    rules: matchers.map(({ id, policy, field, operator, value, order }) => ({ id, policy, field, operator, value, order })),
    decide(doc, kinds) {
      for (const rule of matchers) {
        // Own keys only: a column named "constructor" must not find Object.prototype's.
        const value = Object.hasOwn(doc, rule.field) ? doc[rule.field] : undefined;
        const declared = kinds && Object.hasOwn(kinds, rule.field) ? kinds[rule.field] : undefined;
        if (matches(rule, value, declared)) return { include: rule.policy === 'include', ruleId: rule.id };
      }
      return { include: true };
    },
  };
}
