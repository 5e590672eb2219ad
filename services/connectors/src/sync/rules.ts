import type { BasicRule, RuleOperator, RulePolicy } from '../protocol/types.js';

/**
 * Basic sync rules applied to documents (reference F.2), keeping Elastic's
 * order/first-match semantics but comparing values by their actual type:
 *
 * - a field absent from the document (or undefined) never matches;
 * - `null` matches only `equals` with the rule value `null` (any case) or
 *   `""`, so "exclude where x is null" can be written; every other operator
 *   treats null as "no value" and does not match;
 * - arrays match when any element matches (an empty array never does);
 * - `starts_with`/`ends_with`/`contains`/`regex` look at the value's string
 *   form (objects as JSON, dates as ISO 8601, booleans as `true`/`false`),
 *   case-sensitively; `regex` is anchored at the start only, like `re.match`;
 * - `equals`/`<`/`>` coerce the rule value to the document value's type:
 *   numbers and bigints compare numerically (a non-numeric rule value never
 *   matches); booleans accept true/false, 1/0, yes/no (`<`/`>` never match);
 *   strings use exact equality, and for `<`/`>` compare as instants when both
 *   sides are ISO dates/timestamps (no offset ⇒ UTC), numerically when both
 *   are numbers, otherwise by UTF-16 code units; Date objects compare as
 *   instants; other objects only support `equals` on their JSON text.
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

/**
 * Compiles a rule regex written for Python's `re` into a JS RegExp used with
 * `re.match` semantics (sticky: anchored at the start, no full match needed).
 * Translates what differs and is common in such rules: leading global flags
 * `(?i)`/`(?m)`/`(?s)`, named groups `(?P<n>…)`/`(?P=n)`, `\A`/`\Z`, and a
 * leading `]` in a character class. Throws a SyntaxError for anything invalid
 * or untranslatable (e.g. verbose mode).
 */
export function compilePattern(pattern: string): RegExp {
  let rest = pattern;
  const flags = new Set<string>(['y']);
  for (let lead = /^\(\?([a-zA-Z]+)\)/.exec(rest); lead; lead = /^\(\?([a-zA-Z]+)\)/.exec(rest)) {
    for (const flag of lead[1] ?? '') {
      if (flag === 'i' || flag === 'm' || flag === 's') flags.add(flag);
      else if (flag !== 'u' && flag !== 'a') throw new SyntaxError(`Invalid regular expression: /${pattern}/: unsupported flag "${flag}"`);
    }
    rest = rest.slice(lead[0].length);
  }

  let out = '';
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i] as string;
    if (ch === '\\') {
      const next = rest[i + 1];
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'Z') out += '(?![\\s\\S])';
      else out += ch + (next ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (rest[i + 1] === '^') out += rest[++i];
      // Python reads a `]` right after `[`/`[^` as a literal; JS would end the class there.
      if (rest[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (rest.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(rest.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    out += ch;
  }
  return new RegExp(out, [...flags].join(''));
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
  decide(doc: Record<string, unknown>): RuleDecision;
}

/** A point in time with sub-millisecond precision (PostgreSQL has microseconds). */
interface Instant {
  seconds: number;
  nanos: number;
}

/** The rule value pre-parsed for every type a document value may have. */
interface Matcher extends CompiledRule {
  regex?: RegExp;
  number?: number;
  bigint?: bigint;
  boolean?: boolean;
  instant?: Instant;
  isNull: boolean;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
const INTEGER = /^[+-]?\d+$/;
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : undefined;
}

function parseBoolean(text: string): boolean | undefined {
  const lower = text.trim().toLowerCase();
  if (TRUE_WORDS.has(lower)) return true;
  if (FALSE_WORDS.has(lower)) return false;
  return undefined;
}

/** ISO 8601 date or timestamp; a timestamp without offset is taken as UTC. */
function parseInstant(text: string): Instant | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = parts;
  // setUTCFullYear, unlike Date.UTC, does not remap years 0–99 to 19xx.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (date.getUTCHours() !== hour || date.getUTCMinutes() !== minute || date.getUTCSeconds() !== second) return undefined;

  let offsetSeconds = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return undefined;
    offsetSeconds = sign * (hours * 3600 + minutes * 60);
  }
  return { seconds: date.getTime() / 1000 - offsetSeconds, nanos: Number(frac.slice(0, 9).padEnd(9, '0')) };
}

function compareInstants(a: Instant, b: Instant): number {
  return a.seconds - b.seconds || a.nanos - b.nanos;
}

function instantOfDate(date: Date): Instant | undefined {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  return String(value);
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
    number: parseNumber(value),
    boolean: parseBoolean(value),
    instant: parseInstant(value),
    isNull: value === '' || value.trim().toLowerCase() === 'null',
  };
  if (INTEGER.test(value.trim())) matcher.bigint = BigInt(value.trim());
  if (operator === 'regex') {
    try {
      matcher.regex = compilePattern(value);
    } catch (err) {
      throw new RuleError(id, `invalid regex ${JSON.stringify(value)}: ${(err as Error).message}`, { cause: err });
    }
  }
  return matcher;
}

/** -1/0/1 comparing the document value with the rule value, or undefined when they cannot be compared. */
function compare(value: unknown, rule: Matcher): number | undefined {
  switch (typeof value) {
    case 'number':
      return rule.number === undefined || Number.isNaN(value) ? undefined : sign(value - rule.number);
    case 'bigint':
      if (rule.bigint !== undefined) return value < rule.bigint ? -1 : value > rule.bigint ? 1 : 0;
      return rule.number === undefined ? undefined : sign(Number(value) - rule.number);
    case 'string': {
      const instant = rule.instant && parseInstant(value);
      if (rule.instant && instant) return sign(compareInstants(instant, rule.instant));
      const number = rule.number !== undefined ? parseNumber(value) : undefined;
      if (rule.number !== undefined && number !== undefined) return sign(number - rule.number);
      return value < rule.value ? -1 : value > rule.value ? 1 : 0;
    }
    default:
      if (value instanceof Date) {
        const instant = instantOfDate(value);
        return instant && rule.instant ? sign(compareInstants(instant, rule.instant)) : undefined;
      }
      return undefined;
  }
}

function equals(value: unknown, rule: Matcher): boolean {
  switch (typeof value) {
    case 'string':
      return value === rule.value;
    case 'boolean':
      return rule.boolean === value;
    case 'number':
    case 'bigint':
      return compare(value, rule) === 0;
    case 'object':
      if (value instanceof Date) return compare(value, rule) === 0;
      return textOf(value) === rule.value;
    default:
      return false;
  }
}

function matches(rule: Matcher, value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.some((element) => matches(rule, element));
  if (value === null) return rule.operator === 'equals' && rule.isNull;
  switch (rule.operator) {
    case 'starts_with':
      return textOf(value).startsWith(rule.value);
    case 'ends_with':
      return textOf(value).endsWith(rule.value);
    case 'contains':
      return textOf(value).includes(rule.value);
    case 'regex': {
      const regex = rule.regex as RegExp;
      regex.lastIndex = 0;
      return regex.test(textOf(value));
    }
    case 'equals':
      return equals(value, rule);
    case '<':
      return compare(value, rule) === -1;
    case '>':
      return compare(value, rule) === 1;
  }
}

/**
 * Drops the DEFAULT rule, orders the rest by `order` (ties keep their given
 * order) and pre-compiles them. Throws a RuleError for a rule that cannot be
 * applied (unknown operator or policy, bad regex, malformed fields).
 */
export function compileRules(rules: readonly BasicRule[]): RuleSet {
  const matchers = rules
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) => rule.id !== DEFAULT_RULE_ID)
    .map(({ rule, index }) => compileMatcher(rule, index))
    .sort((a, b) => a.order - b.order);

  return {
    rules: matchers.map(({ id, policy, field, operator, value, order }) => ({ id, policy, field, operator, value, order })),
    decide(doc: Record<string, unknown>): RuleDecision {
      for (const rule of matchers) {
        // Own keys only: a column named "constructor" must not find Object.prototype's.
        const value = Object.hasOwn(doc, rule.field) ? doc[rule.field] : undefined;
        if (matches(rule, value)) return { include: rule.policy === 'include', ruleId: rule.id };
      }
      return { include: true };
    },
  };
}
