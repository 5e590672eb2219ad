/**
 * Seeded JSON documents for the jsonb fast path's tests: nested objects and
 * arrays, strings with every character JSON escapes, numbers in the forms
 * PostgreSQL's numeric prints (trailing zeros, more digits than a double
 * holds), and keys JavaScript reorders (array indexes) or treats specially
 * (`__proto__`). Numbers are kept as their decimal text (`Decimal`), so a
 * printer can write them as PostgreSQL would.
 */
export class Decimal {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | string | Decimal | JsonValue[] | { entries: [string, JsonValue][] };

function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s % n;
  };
}

const DECIMALS = ['0', '1', '-1', '3.0', '2.50', '0.000001', '0.0000001', '123456789012345', '1234567890123456', '12345678901234567890', '-9999999999.99', '1.10'];
const STRINGS = ['', 'x', 'a "quoted" word', 'back\\slash', 'line\nbreak\ttab\r', '\u0001\u001f\u007f', 'ünïcødé ✓', '😀 pair', '\u2028\u2029', '/slash/'];
const KEYS = ['a', 'name', 'Name', 'with space', '"q"', '__proto__', '1', '01', '4294967295', '4294967294', '-1', '1.5', 'ключ'];

export function jsonValues(seed: number, count: number): { value: JsonValue }[] {
  const pick = generator(seed);
  const value = (depth: number): JsonValue => {
    const kind = pick(depth > 3 ? 4 : 7);
    if (kind === 0) return pick(3) === 0 ? null : pick(2) === 0;
    if (kind === 1 || kind === 2) return new Decimal(DECIMALS[pick(DECIMALS.length)]!);
    if (kind === 3) return STRINGS[pick(STRINGS.length)]!;
    if (kind === 4) return Array.from({ length: pick(4) }, () => value(depth + 1));
    // An object: distinct keys, as jsonb keeps them.
    const keys = [...new Set(Array.from({ length: pick(5) }, () => KEYS[pick(KEYS.length)]!))];
    return { entries: keys.map((k) => [k, value(depth + 1)]) };
  };
  const out = Array.from({ length: count }, () => ({ value: value(0) }));
  // Deeper than the fast path's 31 levels.
  let deep: JsonValue = new Decimal('1');
  for (let i = 0; i < 40; i++) deep = [deep];
  out.push({ value: deep });
  return out;
}

/** JSON text with the given separators; numbers as their decimal text. */
export function printJson(v: JsonValue, comma = ',', colon = ':'): string {
  if (v instanceof Decimal) return v.text;
  if (Array.isArray(v)) return `[${v.map((x) => printJson(x as JsonValue, comma, colon)).join(comma)}]`;
  if (v !== null && typeof v === 'object') return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}${colon}${printJson(x, comma, colon)}`).join(comma)}}`;
  return JSON.stringify(v);
}
