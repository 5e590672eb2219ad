import { describe, expect, it } from 'vitest';
import { dateJson, timestampJson } from '../../src/sources/postgresql/iso.js';
import { jsonbJson, numericJson } from '../../src/sources/postgresql/json.js';
import { jsonConverter, valueConverter } from '../../src/sources/postgresql/values.js';
import { builtin } from '../helpers/pg-types.js';
import { jsonValues, printJson } from '../helpers/json-values.js';

// The serialized path writes these types' JSON straight from PostgreSQL's text.
// Whatever the input, the converter must print exactly what the general path
// prints: JSON.stringify of the converted value. A seeded generator covers the
// shapes PostgreSQL prints and the ones the fast paths must hand back.

function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s % n;
  };
}

function digits(pick: (n: number) => number, count: number): string {
  return Array.from({ length: count }, () => String(pick(10))).join('');
}

function numerics(): string[] {
  const pick = generator(7);
  const out = ['0', '-0', '0.00', '-0.00', '1', '-1', '10', '100.00', '0.5', '0.000001', '0.0000001', '-0.0000001', '0.0000010', '123456789012345', '12345678901234.5', '1234567890123456', '00.5', '1.', '.5', 'NaN', 'Infinity', '-Infinity', '1e5', '+1', '', '-'];
  for (let i = 0; i < 3000; i++) {
    const int = pick(4) === 0 ? '0' : String(1 + pick(9)) + digits(pick, pick(14));
    const frac = pick(3) === 0 ? '' : `.${digits(pick, pick(10))}${'0'.repeat(pick(4))}`;
    out.push(`${pick(3) === 0 ? '-' : ''}${int}${frac === '.' ? '' : frac}`);
  }
  return out;
}

function timestamps(): string[] {
  const pick = generator(11);
  const out = ['infinity', '-infinity', '2024-01-02 03:04:05', '0044-03-15 12:00:00 BC', '12024-01-02 03:04:05', '2024-01-02 03:04:05.', '2024-01-02 03:04:05.5+00', '2024-01-02 03:04:05+05:30:15', '2024-01-02 03:04:05+5', '2024-01-02T03:04:05'];
  const two = (n: number) => String(n).padStart(2, '0');
  for (let i = 0; i < 3000; i++) {
    const date = `${String(1 + pick(9999)).padStart(4, '0')}-${two(1 + pick(12))}-${two(1 + pick(28))}`;
    const time = `${two(pick(24))}:${two(pick(60))}:${two(pick(60))}`;
    const fraction = pick(2) === 0 ? '' : `.${digits(pick, 1 + pick(6))}`;
    const offset = ['', '+00', '-05', '+05:30', '-03:30:15', '+14'][pick(6)]!;
    out.push(`${date} ${time}${fraction}${offset}${pick(20) === 0 ? ' BC' : ''}`);
  }
  return out;
}

describe('JSON straight from PostgreSQL text', () => {
  it('numeric: the same JSON as the general path, and the fast path taken for plain decimals', () => {
    const json = jsonConverter(builtin('numeric'));
    const convert = valueConverter(builtin('numeric'));
    let fast = 0;
    for (const text of numerics()) {
      expect(json(text), text).toBe(JSON.stringify(convert(text)));
      if (numericJson(text) !== undefined) fast++;
    }
    expect(numericJson('12.50')).toBe('12.5');
    expect(numericJson('-0.00')).toBe('0');
    expect(numericJson('0.0000001')).toBeUndefined();
    expect(numericJson('1234567890123456')).toBeUndefined();
    expect(fast).toBeGreaterThan(2000);
  });

  it('timestamp and timestamptz: the same JSON as the general path, and the fast path taken for ISO output', () => {
    for (const type of ['timestamp', 'timestamptz']) {
      const json = jsonConverter(builtin(type));
      const convert = valueConverter(builtin(type));
      for (const text of timestamps()) expect(json(text), text).toBe(JSON.stringify(convert(text)));
    }
    expect(timestampJson('2024-01-02 03:04:05.5+00')).toBe('"2024-01-02T03:04:05.500000+00:00"');
    expect(timestampJson('2024-01-02 03:04:05')).toBe('"2024-01-02T03:04:05"');
    expect(timestampJson('0044-03-15 12:00:00 BC')).toBeUndefined();
    expect(timestamps().filter((t) => timestampJson(t) !== undefined).length).toBeGreaterThan(2000);
  });

  it('jsonb as PostgreSQL prints it: the same JSON as the general path, and the fast path taken unless a key is an array index', () => {
    const json = jsonConverter(builtin('jsonb'));
    const convert = valueConverter(builtin('jsonb'));
    let fast = 0;
    const values = jsonValues(3, 3000);
    // jsonb's output: ", " between items, ": " after keys.
    for (const { value } of values) {
      const text = printJson(value, ', ', ': ');
      expect(json(text), text).toBe(JSON.stringify(convert(text)));
      if (jsonbJson(text) !== undefined) fast++;
    }
    expect(fast).toBeGreaterThan(values.length / 2);
    expect(jsonbJson('{"a": [1.50, true, null, "x y"], "b": 12345678901234567890}')).toBe('{"a":[1.5,true,null,"x y"],"b":"12345678901234567890"}');
    expect(jsonbJson('{"b": 1, "1": 2}')).toBeUndefined();
    expect(jsonbJson('true')).toBe('true');
  });

  it('date and uuid: the same JSON as the general path', () => {
    const json = jsonConverter(builtin('date'));
    const convert = valueConverter(builtin('date'));
    for (const text of ['2024-01-02', '0001-01-01', '0044-03-15 BC', '12024-01-02', 'infinity', '-infinity']) {
      expect(json(text), text).toBe(JSON.stringify(convert(text)));
    }
    expect(dateJson('2024-01-02')).toBe('"2024-01-02"');
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    expect(jsonConverter(builtin('uuid'))(uuid)).toBe(JSON.stringify(valueConverter(builtin('uuid'))(uuid)));
  });
});
