import { isDeepStrictEqual } from 'node:util';
import type { ContentMappings } from '../types.js';
import { baseOf, builtinName, type PgType } from './pg-types.js';

type Mapping = Record<string, unknown>;

/*
 * One mapping per PostgreSQL type, matching the value forms of values.ts and
 * chosen so that no value can get a document rejected: every numeric and
 * date field has ignore_malformed (NaN, ±Infinity, infinity dates and
 * out-of-range decimals stay in _source and are only left out of the index),
 * and every keyword has an ignore_above below Lucene's 32 KiB term limit.
 * Only types of the plain server are used (no scaled_float, no language
 * analyzers).
 */

// 8191 characters × 4 bytes stays under Lucene's 32766-byte term limit.
const KEYWORD: Mapping = { type: 'keyword', ignore_above: 8191 };
const TEXT: Mapping = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
const DATE: Mapping = { type: 'date', format: 'strict_date_optional_time||epoch_millis', ignore_malformed: true };
// json/jsonb values may be scalars, arrays or objects of any shape from row to
// row: `flattened` rejects scalars and a dynamic `object` rejects conflicting
// shapes, so the value is kept in _source only.
const OPAQUE: Mapping = { type: 'object', enabled: false };

function numeric(type: string, exactText = false): Mapping {
  const m: Mapping = { type, ignore_malformed: true };
  // numeric may be wider than a double: its exact text stays searchable.
  if (exactText) m.fields = { keyword: { type: 'keyword', ignore_above: 256 } };
  return m;
}

export function mappingFor(type: PgType, depth = 0): Mapping {
  const t = baseOf(type);
  if (t.kind === 'array') return t.element && depth < 16 ? mappingFor(t.element, depth + 1) : KEYWORD;
  if (t.kind === 'composite') {
    if (depth >= 16) return OPAQUE;
    const properties: Record<string, Mapping> = {};
    for (const attr of t.attributes ?? []) properties[attr.name] = mappingFor(attr.type, depth + 1);
    return { type: 'object', properties };
  }
  if (t.kind !== 'base') return KEYWORD;
  switch (builtinName(t)) {
    case 'int2':
      return { type: 'short' };
    case 'int4':
      return { type: 'integer' };
    case 'int8':
    case 'oid':
      return { type: 'long' };
    case 'numeric':
      return numeric('double', true);
    case 'float4':
      return numeric('float');
    case 'float8':
      return numeric('double');
    case 'bool':
      return { type: 'boolean' };
    case 'bytea':
      return { type: 'binary' };
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return DATE;
    case 'json':
    case 'jsonb':
      return OPAQUE;
    case 'inet':
      // An inet with a netmask (10.0.0.1/24) is not an `ip` value: it is
      // ignored by the ip field and still found through the keyword.
      return { type: 'ip', ignore_malformed: true, fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'xml':
    case 'tsvector':
      return TEXT;
    default:
      // String types from extensions (citext…) are text; anything else keyword.
      return t.category === 'S' ? TEXT : KEYWORD;
  }
}

const INTEGERS = new Set(['short', 'integer', 'long']);
const NUMBERS = new Set([...INTEGERS, 'float', 'double']);

function acceptsObjects(m: Mapping): boolean {
  return m.type === 'object' || m.type === undefined;
}

/**
 * Two columns landing on one field with different mappings (e.g. plain
 * column names across tables): widen to something that accepts both kinds of
 * value rather than reject documents.
 */
export function mergeMappings(a: Mapping, b: Mapping): Mapping {
  if (isDeepStrictEqual(a, b)) return a;
  if (acceptsObjects(a) || acceptsObjects(b)) {
    if (a.type === 'object' && b.type === 'object' && a.properties && b.properties) {
      const properties = { ...(a.properties as Record<string, Mapping>) };
      for (const [k, v] of Object.entries(b.properties as Record<string, Mapping>)) {
        properties[k] = properties[k] ? mergeMappings(properties[k], v) : v;
      }
      return { type: 'object', properties };
    }
    return OPAQUE;
  }
  if (NUMBERS.has(String(a.type)) && NUMBERS.has(String(b.type))) {
    if (INTEGERS.has(String(a.type)) && INTEGERS.has(String(b.type))) return { type: 'long', ignore_malformed: true };
    return numeric('double', Boolean(a.fields || b.fields));
  }
  return KEYWORD;
}

/** Adds a field, merging with an existing one of the same name. */
export function addProperty(properties: Record<string, Mapping>, name: string, mapping: Mapping): void {
  const existing = properties[name];
  properties[name] = existing ? mergeMappings(existing, mapping) : mapping;
}

/** The metadata fields every document carries (G.4). */
export function baseMappings(): ContentMappings {
  return {
    properties: {
      id: { type: 'keyword' },
      _timestamp: { type: 'date' },
      database: { type: 'keyword' },
      schema: { type: 'keyword' },
      table: { type: 'keyword' },
    },
  };
}
