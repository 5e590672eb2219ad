/**
 * Values as sync rules compare them: numbers exactly (a `numeric` of 40 digits
 * or a `bigint` above 2^53 arrives as text and must still order correctly),
 * dates and timestamps as instants (BC years, `infinity`, offsets included).
 */

/** A number with its decimal digits kept: `sign × 0.digits × 10^exponent`. */
export type Decimal =
  | { kind: 'finite'; sign: -1 | 0 | 1; digits: string; exponent: number }
  | { kind: 'infinite'; sign: -1 | 1 }
  | { kind: 'nan' };

// Python's float() syntax (the rule value side): underscores between digits, inf/nan words.
const DECIMAL = /^([+-]?)(?:(\d+(?:_\d+)*)(?:\.(\d+(?:_\d+)*)?)?|\.(\d+(?:_\d+)*))(?:e([+-]?\d+(?:_\d+)*))?$/i;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;
const NAN = /^[+-]?nan$/i;

export function parseDecimal(text: string): Decimal | undefined {
  const trimmed = text.trim();
  if (NAN.test(trimmed)) return { kind: 'nan' };
  const inf = INFINITY.exec(trimmed);
  if (inf) return { kind: 'infinite', sign: inf[1] === '-' ? -1 : 1 };
  const m = DECIMAL.exec(trimmed);
  if (!m) return undefined;
  const [, signText, whole = '', fraction = '', onlyFraction, exp = '0'] = m;
  const intPart = whole.replaceAll('_', '');
  const fracPart = (onlyFraction ?? fraction).replaceAll('_', '');
  const all = intPart + fracPart;
  const lead = all.search(/[1-9]/);
  if (lead < 0) return { kind: 'finite', sign: 0, digits: '', exponent: 0 };
  const digits = all.slice(lead).replace(/0+$/, '');
  return { kind: 'finite', sign: signText === '-' ? -1 : 1, digits, exponent: intPart.length - lead + Number(exp.replaceAll('_', '')) };
}

/** A document value as a decimal: JS numbers, bigints, and numeric text PostgreSQL printed. */
export function decimalOf(value: unknown): Decimal | undefined {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return parseDecimal(String(value));
  return undefined;
}

function magnitudeOrder(a: Extract<Decimal, { kind: 'finite' }>, b: Extract<Decimal, { kind: 'finite' }>): number {
  if (a.exponent !== b.exponent) return a.exponent > b.exponent ? 1 : -1;
  const width = Math.max(a.digits.length, b.digits.length);
  const x = a.digits.padEnd(width, '0');
  const y = b.digits.padEnd(width, '0');
  return x === y ? 0 : x > y ? 1 : -1;
}

/** Orders infinities around every finite value. */
function rank(d: Exclude<Decimal, { kind: 'nan' }>): number {
  return d.kind === 'infinite' ? d.sign * 2 : d.sign;
}

/** -1/0/1, or undefined when either side is NaN (NaN never compares, as in Python). */
export function compareDecimals(a: Decimal, b: Decimal): number | undefined {
  if (a.kind === 'nan' || b.kind === 'nan') return undefined;
  if (a.kind === 'infinite' || b.kind === 'infinite') return Math.sign(rank(a) - rank(b));
  if (a.sign !== b.sign) return a.sign > b.sign ? 1 : -1;
  if (a.sign === 0) return 0;
  return a.sign * magnitudeOrder(a, b);
}

/** A point in time: seconds since 1970 (any year PostgreSQL allows) and nanoseconds. */
export interface Instant {
  seconds: number;
  nanos: number;
}

const ISO =
  /^([+-]?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?)?$/i;

/** Days from 1970-01-01 to a proleptic Gregorian date; exact for any integer year. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

function offsetSeconds(zone: string | undefined): number | undefined {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replaceAll(':', '');
  const [h, m, s] = [digits.slice(0, 2), digits.slice(2, 4) || '0', digits.slice(4, 6) || '0'].map(Number) as [number, number, number];
  if (h > 23 || m > 59 || s > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (h * 3600 + m * 60 + s);
}

/**
 * An ISO 8601 date or timestamp as PostgreSQL's values are indexed (and as a
 * user writes a rule): astronomical years (`-0043` is 44 BC), `T` or a space,
 * optional fraction and offset; no offset means UTC. `infinity` and
 * `-infinity` are the ends of time.
 */
export function parseInstant(text: string): Instant | undefined {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'infinity' || trimmed === '+infinity') return { seconds: Infinity, nanos: 0 };
  if (trimmed === '-infinity') return { seconds: -Infinity, nanos: 0 };
  const m = ISO.exec(trimmed);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0))) return undefined;
  const offset = offsetSeconds(zone);
  if (offset === undefined) return undefined;
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return { seconds, nanos: Number(frac.slice(0, 9).padEnd(9, '0')) };
}

export function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return Math.sign(a.nanos - b.nanos);
}

/** A JS Date (a fake source's value) as an instant. */
export function instantOfDate(date: Date): Instant | undefined {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}
