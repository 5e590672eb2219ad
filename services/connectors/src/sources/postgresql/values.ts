import type { FieldKind } from '../types.js';
import { setField } from '../../util/fields.js';
import { dateJson, isoDate, isoTime, isoTimestamp, timestampJson } from './iso.js';
import { exactNumber, jsonbJson, numericJson, parseJsonExact } from './json.js';
import { parseArrayLiteral, parseRecordLiteral, type ArrayItems } from './literals.js';
import { baseOf, builtinName, type PgType } from './pg-types.js';

/**
 * PostgreSQL text output (session settings pinned in connection.ts) to the
 * JSON value of a document field. Rules, chosen so no value is altered:
 * - int2/int4/oid: numbers. int8: a number when within ±(2^53−1), else its
 *   decimal string (ES parses a string into a `long` exactly).
 * - numeric: a number when its shortest double form spells the same decimal,
 *   else the exact text ("NaN", "Infinity", 40-digit values…).
 * - real/double: numbers; NaN/±Infinity as "NaN", "Infinity", "-Infinity".
 * - bool: boolean. bytea: base64. json/jsonb: parsed (big numbers as text).
 * - date/timestamp/timestamptz: ISO-8601 ("2024-01-01T00:00:00.000001",
 *   "+00:00" for timestamptz, microseconds always six digits when non-zero);
 *   "infinity"/"-infinity" kept; BC years as ISO astronomical years (-0043).
 * - time/timetz: "HH:MM:SS[.ffffff][+HH:MM]". interval: ISO-8601 duration as
 *   PostgreSQL prints it with IntervalStyle iso_8601 ("P1Y2M3DT4H5M6S").
 * - arrays: nested arrays (one level per dimension), NULL elements as null.
 * - composite: object keyed by attribute name, attributes converted by type.
 * - domains: as their base type. Enums, ranges, multiranges, money, uuid,
 *   inet/cidr/macaddr, bit/varbit, geometric, tsvector, xml, and any other
 *   type: PostgreSQL's text form.
 */
export function toJsonValue(text: string | null, type: PgType): unknown {
  if (text === null) return null;
  const t = baseOf(type);
  switch (t.kind) {
    case 'array':
      return t.element ? convertItems(parseArrayLiteral(text, baseOf(t.element).delimiter), t.element) : text;
    case 'composite':
      return compositeValue(text, t);
    case 'base':
      return baseValue(text, t);
    default:
      return text;
  }
}

/**
 * `toJsonValue` for one column, with the type's dispatch done once: a full
 * sync converts millions of values of the same few types.
 */
export function valueConverter(type: PgType): (text: string | null) => unknown {
  const t = baseOf(type);
  if (t.kind !== 'base') return (text) => toJsonValue(text, type);
  const convert = baseConverter(builtinName(t));
  return (text) => (text === null ? null : convert(text));
}

/**
 * `JSON.stringify(valueConverter(type)(text))`, with the common types written
 * straight from PostgreSQL's text: its integers are canonical decimals (no
 * sign for positives, no leading zeros), so up to 15 digits they are their own
 * JSON; text needs only its quoting; jsonb's text is made JSON.stringify's
 * without building the value (`jsonbJson`); an array is its items' JSON.
 */
export function jsonConverter(type: PgType): (text: string | null) => string {
  const t = baseOf(type);
  const name = t.kind === 'base' ? builtinName(t) : undefined;
  const convert = valueConverter(type);
  let json: (text: string) => string;
  const general = (text: string) => JSON.stringify(convert(text));
  if (name === 'int2' || name === 'int4' || name === 'oid') json = identity;
  else if (name === 'int8') json = (text) => (text.length <= 15 ? text : JSON.stringify(int8Value(text)));
  else if (name === 'bool') json = (text) => (text === 't' ? 'true' : 'false');
  else if (name === 'numeric') json = (text) => numericJson(text) ?? general(text);
  else if (name === 'jsonb') json = (text) => jsonbJson(text) ?? general(text);
  else if (name === 'timestamp' || name === 'timestamptz') json = (text) => timestampJson(text) ?? general(text);
  else if (name === 'date') json = (text) => dateJson(text) ?? general(text);
  // Hex digits and dashes: nothing to escape.
  else if (name === 'uuid') json = (text) => `"${text}"`;
  else if (t.kind === 'base' && baseConverter(name) === identity) json = (text) => JSON.stringify(text);
  else if (t.kind === 'array' && t.element) {
    // JSON.stringify of an array is its items' JSON joined: each item goes through its type's own fast path.
    const item = jsonConverter(t.element);
    const delimiter = baseOf(t.element).delimiter;
    json = (text) => itemsJson(parseArrayLiteral(text, delimiter), item);
  }
  else json = general;
  return (text) => (text === null ? 'null' : json(text));
}

/** How sync rules compare a column's values: follows what `toJsonValue` makes of them. */
export function fieldKind(type: PgType): FieldKind {
  const t = baseOf(type);
  if (t.kind === 'array' || t.kind === 'composite') return t.kind === 'array' && !t.element ? 'text' : 'structured';
  if (t.kind !== 'base') return 'text';
  switch (builtinName(t)) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
    case 'numeric':
    case 'float4':
    case 'float8':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return 'instant';
    case 'json':
    case 'jsonb':
      return 'dynamic';
    default:
      return 'text';
  }
}

function itemsJson(items: ArrayItems, item: (text: string | null) => string): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    const x = items[i] ?? null;
    if (i > 0) out += ',';
    out += Array.isArray(x) ? itemsJson(x, item) : item(x);
  }
  return `${out}]`;
}

function convertItems(items: ArrayItems, element: PgType): unknown[] {
  return items.map((item) => (Array.isArray(item) ? convertItems(item, element) : toJsonValue(item, element)));
}

function compositeValue(text: string, type: PgType): unknown {
  const attributes = type.attributes ?? [];
  const fields = parseRecordLiteral(text);
  if (attributes.length === 0) return {};
  // A mismatch means the type changed under us; the text form loses nothing.
  if (fields.length !== attributes.length) return text;
  const out: Record<string, unknown> = {};
  attributes.forEach((attr, i) => setField(out, attr.name, toJsonValue(fields[i] ?? null, attr.type)));
  return out;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function baseValue(text: string, type: PgType): unknown {
  return baseConverter(builtinName(type))(text);
}

const identity = (text: string): string => text;

function int8Value(text: string): number | string {
  // Up to 15 digits always fits a double exactly; only longer ones need the BigInt check.
  if (text.length <= 15) return Number(text);
  const big = BigInt(text);
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(text) : text;
}

function baseConverter(name: string | undefined): (text: string) => unknown {
  switch (name) {
    case 'int2':
    case 'int4':
    case 'oid':
      return Number;
    case 'int8':
      return int8Value;
    case 'numeric':
      return exactNumber;
    case 'float4':
    case 'float8':
      return floatValue;
    case 'bool':
      return (text) => text === 't';
    case 'bytea':
      return (text) => byteaBuffer(text).toString('base64');
    case 'json':
    case 'jsonb':
      return parseJsonExact;
    case 'date':
      return isoDate;
    case 'timestamp':
    case 'timestamptz':
      return (text) => isoTimestamp(text, 'T');
    case 'time':
    case 'timetz':
      return isoTime;
    default:
      return identity;
  }
}

function floatValue(text: string): number | string {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
  return Number(text);
}

/** bytea in hex output (`\x00ff`), or the legacy escape format as a fallback. */
export function byteaBuffer(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else if (text[i] === '\\' && /^[0-7]{3}$/.test(text.slice(i + 1, i + 4))) {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes);
}
