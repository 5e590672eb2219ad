import { createHash } from 'node:crypto';
import { baseOf, builtinName, type PgType } from './pg-types.js';
import { isoDate, isoTime, isoTimestamp } from './iso.js';
import { byteaBuffer } from './values.js';

/**
 * Document ids must match the ones Elastic's Python connector writes, so an
 * index it populated is updated in place, not duplicated. That connector
 * prints each key with Python's `str()` of the value asyncpg decoded; this
 * reproduces that from PostgreSQL's text output for the types a primary key
 * realistically uses. Other types (arrays, ranges, composites…) use
 * PostgreSQL's text form.
 */
export function pythonStr(text: string, type: PgType): string {
  const t = baseOf(type);
  switch (builtinName(t)) {
    case 'bool':
      return text === 't' ? 'True' : 'False';
    case 'float4':
      return pythonFloat(Math.fround(parseFloatText(text)));
    case 'float8':
      return pythonFloat(parseFloatText(text));
    case 'date':
      // asyncpg decodes ±infinity to date.max/date.min.
      if (text === 'infinity') return '9999-12-31';
      if (text === '-infinity') return '0001-01-01';
      return isoDate(text);
    case 'timestamp':
      if (text === 'infinity') return '9999-12-31 23:59:59.999999';
      if (text === '-infinity') return '0001-01-01 00:00:00';
      return isoTimestamp(text, ' ');
    case 'timestamptz':
      if (text === 'infinity') return '9999-12-31 23:59:59.999999+00:00';
      if (text === '-infinity') return '0001-01-01 00:00:00+00:00';
      return isoTimestamp(text, ' ');
    case 'time':
    case 'timetz':
      return isoTime(text);
    case 'interval':
      return pythonTimedelta(text);
    case 'bytea':
      return pythonBytes(byteaBuffer(text));
    case 'uuid':
      return text.toLowerCase();
    default:
      return text;
  }
}

function parseFloatText(text: string): number {
  if (text === 'Infinity') return Infinity;
  if (text === '-Infinity') return -Infinity;
  return Number(text);
}

/** Python's `repr(float)`: shortest digits, fixed notation for 1e-4 ≤ |x| < 1e16. */
export function pythonFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mantissa = '', expText = '0'] = Math.abs(n).toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    return `${sign}${int}.${digits.slice(exp + 1) || '0'}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Python's `repr(bytes)`, e.g. `b'ab\x00'`. */
export function pythonBytes(buf: Buffer): string {
  const quote = buf.includes(0x27) && !buf.includes(0x22) ? '"' : "'";
  let out = '';
  for (const b of buf) {
    const c = String.fromCharCode(b);
    if (c === quote || c === '\\') out += `\\${c}`;
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `b${quote}${out}${quote}`;
}

const DAY_US = 86_400_000_000n;
const ISO_INTERVAL = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+(?:\.\d+)?)S)?)?$/;

/** Exact microseconds of a decimal seconds string like `-6.789`. */
function secondsToMicros(s: string): bigint {
  const negative = s.startsWith('-');
  const [int = '0', frac = ''] = s.replace('-', '').split('.');
  const us = BigInt(int) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6) || '0');
  return negative ? -us : us;
}

/**
 * Python's `str(timedelta)` of asyncpg's decoding, which counts a month as
 * 30 days and a year as 365: `1 day, 2:03:04.500000`, `-1 day, 23:59:59`.
 */
export function pythonTimedelta(text: string): string {
  const m = ISO_INTERVAL.exec(text);
  if (!m) return text;
  const totalMonths = Number(m[1] ?? 0) * 12 + Number(m[2] ?? 0);
  const years = Math.trunc(totalMonths / 12);
  const months = totalMonths - years * 12;
  const days = BigInt(Number(m[3] ?? 0) + months * 30 + years * 365);
  const us =
    days * DAY_US + (BigInt(m[4] ?? 0) * 3600n + BigInt(m[5] ?? 0) * 60n) * 1_000_000n + secondsToMicros(m[6] ?? '0');
  // Floor division, as timedelta normalises: days may be negative, the rest not.
  let d = us / DAY_US;
  if (us % DAY_US !== 0n && us < 0n) d -= 1n;
  const rest = us - d * DAY_US;
  const secs = rest / 1_000_000n;
  const fraction = rest % 1_000_000n;
  const clock = `${secs / 3600n}:${String((secs / 60n) % 60n).padStart(2, '0')}:${String(secs % 60n).padStart(2, '0')}`;
  const dayPart = d === 0n ? '' : `${d} day${d === 1n || d === -1n ? '' : 's'}, `;
  return `${dayPart}${clock}${fraction ? `.${String(fraction).padStart(6, '0')}` : ''}`;
}

export const MAX_ID_BYTES = 512;

/**
 * `<database>_<schema>_<table>_<key values joined by _>` (reference G.3);
 * NULL keys are left out; over 512 UTF-8 bytes it becomes its MD5 hex (E.1).
 */
export function documentId(database: string, schema: string, table: string, keys: (string | null)[]): string {
  return documentIds(database, schema, table)(keys);
}

/** `documentId` for one table, its prefix worked out once: a full sync makes an id per row. */
export function documentIds(database: string, schema: string, table: string): (keys: (string | null)[]) => string {
  const prefix = `${database}_${schema}_${table}_`;
  return (keys) => {
    let id = prefix;
    let first = true;
    for (const key of keys) {
      if (key === null) continue;
      id += first ? key : `_${key}`;
      first = false;
    }
    return withinIdLimit(id);
  };
}

/** At most 3 UTF-8 bytes per UTF-16 unit: only a long id needs measuring. */
function withinIdLimit(id: string): string {
  if (id.length * 3 <= MAX_ID_BYTES || Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES) return id;
  return createHash('md5').update(id, 'utf8').digest('hex');
}

/** `pythonStr` for one key column, with the type looked at once. */
export function pythonStrOf(type: PgType): (text: string) => string {
  return PYTHON_SPELLS_DIFFERENTLY.has(builtinName(baseOf(type)) ?? '') ? (text) => pythonStr(text, type) : (text) => text;
}

/** The types `pythonStr` does not return as PostgreSQL printed them. */
const PYTHON_SPELLS_DIFFERENTLY = new Set(['bool', 'float4', 'float8', 'date', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval', 'bytea', 'uuid']);
