import type { BodyShape } from '../types.js';
import { isArrayIndex } from '../../util/fields.js';

/** A field of the body, in key order: a constant, the document id, or a column's value. */
type Provider = { constant: string | undefined } | Column | 'id';

export interface BodyLayout {
  /** Fields every document of the table carries (`_timestamp`, `database`…), in document order. */
  meta: [string, unknown][];
  /** The columns the document gets, in result order (a later one wins a collision, as in the document). */
  columns: Column[];
}

export interface Column {
  /** Its place in a result row. */
  index: number;
  key: string;
  /** Its text to JSON text. */
  json: (text: string | null) => string;
}

interface Slot {
  /** Constant JSON text before the value: separators, keys, constant fields. */
  before: string;
  /** The column whose value follows, or the id. */
  column: Column | undefined;
}

/**
 * The key order and values of `documentBody(document)` for every row of a
 * table, worked out once: the document's fields in insertion order (a later
 * column overwrites an earlier field in place), `_id` dropped, `id` set to the
 * final id, then the trailer. A Map keeps that order exactly as an object
 * does, except for integer-like keys. Undefined when a row's body cannot be
 * laid out in advance: a column named `_id` (it becomes the id) or
 * `_timestamp` (a NULL falls back to the sync's time), or an integer-like key.
 */
function layout(l: BodyLayout, shape: BodyShape): Map<string, Provider> | undefined {
  const fields = new Map<string, Provider>([['id', 'id']]);
  for (const [key, value] of l.meta) {
    fields.set(key, { constant: JSON.stringify(key === '_timestamp' ? (value ?? shape.fallbackTimestamp) : value) });
  }
  for (const column of l.columns) {
    const key = column.key;
    if (key === '_id' || key === '_timestamp' || isArrayIndex(key)) return undefined;
    fields.set(key, column);
  }
  fields.set('id', 'id');
  for (const [key, value] of Object.entries(shape.trailer)) {
    if (isArrayIndex(key)) return undefined;
    fields.set(key, { constant: JSON.stringify(value) });
  }
  return fields;
}

/**
 * Serializes rows straight to their indexed body: no document object, no
 * `JSON.stringify` of one. Undefined when the table's fields need the object
 * path (see `layout`).
 */
export function bodySerializer(l: BodyLayout, shape: BodyShape): ((row: (string | null)[], id: string) => string) | undefined {
  const fields = layout(l, shape);
  if (!fields) return undefined;
  const slots: Slot[] = [];
  let text = '';
  let started = false;
  const keyText = (key: string): string => {
    const out = `${started ? ',' : '{'}${JSON.stringify(key)}:`;
    started = true;
    return out;
  };
  for (const [key, provider] of fields) {
    if (typeof provider === 'object' && 'constant' in provider) {
      // An undefined value leaves its key out, as JSON.stringify does.
      if (provider.constant !== undefined) text += keyText(key) + provider.constant;
      continue;
    }
    slots.push({ before: text + keyText(key), column: provider === 'id' ? undefined : provider });
    text = '';
  }
  // `id` is always there, so the body is never empty.
  const tail = `${text}}`;
  return (row, id) => {
    let out = '';
    for (const slot of slots) {
      out += slot.before;
      const column = slot.column;
      out += column ? column.json(row[column.index] ?? null) : JSON.stringify(id);
    }
    return out + tail;
  };
}
