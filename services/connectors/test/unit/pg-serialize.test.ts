import { describe, expect, it } from 'vitest';
import { bodySerializer, type Column } from '../../src/sources/postgresql/serialize.js';
import { setField } from '../../src/util/fields.js';
import { documentBody } from '../../src/sync/writer.js';

const text: Column['json'] = (t) => JSON.stringify(t);
const meta: [string, unknown][] = [
  ['_timestamp', '2024-01-01T00:00:00+00:00'],
  ['database', 'db'],
  ['schema', 'public'],
  ['table', ['a', 'b']],
];
const shape = { fallbackTimestamp: 'fallback', trailer: {} };

/** The object path: the reader's document, then the sync's body. */
function objectBody(keys: string[], row: (string | null)[], id: string, trailer: Record<string, unknown> = {}): string {
  const doc: Record<string, unknown> = { _id: id, id, ...Object.fromEntries(meta) };
  keys.forEach((k, i) => setField(doc, k, row[i]));
  const body = documentBody(doc, id, 'fallback', null);
  Object.assign(body, trailer);
  return JSON.stringify(body);
}

describe('bodySerializer', () => {
  it('writes the keys where the document object has them: overwritten in place, id last set, trailer appended', () => {
    const keys = ['id', 'database', 'x', 'x', '__proto__', '_reduce_whitespace'];
    const columns = keys.map((key, index) => ({ index, key, json: text }));
    const trailer = { _reduce_whitespace: true, _extract_binary_content: undefined, _run_ml_inference: false };
    const serialize = bodySerializer({ meta, columns }, { ...shape, trailer });
    const row = ['7', 'other "db"', 'first', null, 'proto', 'ws'];
    expect(serialize?.(row, 'doc-1')).toBe(objectBody(keys, row, 'doc-1', trailer));
    expect(JSON.parse(serialize?.(row, 'doc-1') ?? '{}')).not.toHaveProperty('_extract_binary_content');
  });

  it('leaves to the object path what it cannot lay out once per table', () => {
    for (const key of ['_id', '_timestamp', '0', '42', '4294967294']) {
      expect({ key, serializer: bodySerializer({ meta, columns: [{ index: 0, key, json: text }] }, shape) }).toEqual({ key, serializer: undefined });
    }
    // Not array indexes: JavaScript keeps these in insertion order.
    for (const key of ['042', '4294967295', '-1', '1.5']) {
      const serialize = bodySerializer({ meta, columns: [{ index: 0, key, json: text }] }, shape);
      expect(serialize?.(['v'], 'i')).toBe(objectBody([key], ['v'], 'i'));
    }
  });

  it('takes the fallback timestamp when the table has none', () => {
    const serialize = bodySerializer({ meta: [['_timestamp', null]], columns: [] }, shape);
    expect(serialize?.([], 'i')).toBe('{"id":"i","_timestamp":"fallback"}');
  });
});
