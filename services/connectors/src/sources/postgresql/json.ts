import { isArrayIndex, setField } from '../../util/fields.js';
import { isAsciiDigit } from '../../util/text.js';

/**
 * JSON.parse, except that a number a double cannot carry exactly (json and
 * jsonb keep arbitrary precision) is returned as its decimal text.
 */

/** `[sign, digits without leading/trailing zeros, exponent]` of a decimal string, or null. */
function canonicalDecimal(s: string): string | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return null;
  const frac = m[3] ?? '';
  let digits = (m[2] ?? '') + frac;
  let exp = Number(m[4] ?? 0) - frac.length;
  digits = digits.replace(/^0+/, '');
  if (!digits) return '0';
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exp += trailing;
  return `${m[1] === '-' ? '-' : ''}${digits}e${exp}`;
}

const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;
const ZERO = 0x30;

/**
 * A JS number when its shortest printed form denotes exactly the same decimal
 * (so the JSON we emit spells the same value), otherwise the text unchanged.
 */
export function exactNumber(text: string): number | string {
  const n = Number(text);
  // At most 15 significant digits (DBL_DIG) always come back from a double as the same decimal.
  if (text.length <= 15 && PLAIN_DECIMAL.test(text)) return n;
  if (!Number.isFinite(n)) return text;
  const a = canonicalDecimal(text);
  return a !== null && a === canonicalDecimal(String(n)) ? n : text;
}

/**
 * numeric, up to 15 characters (so at most 15 digits, DBL_DIG: a double
 * prints them back as they are), without trailing zeros: what
 * `JSON.stringify(Number(text))` prints, without making the number.
 */
export function numericJson(text: string): string | undefined {
  if (text.length > 15) return undefined;
  const neg = text.charCodeAt(0) === 0x2d;
  let i = neg ? 1 : 0;
  const intStart = i;
  while (i < text.length && isAsciiDigit(text.charCodeAt(i))) i++;
  const intPart = text.slice(intStart, i);
  // No digits, or a leading zero PostgreSQL would not print.
  if (intPart.length === 0 || (intPart.length > 1 && intPart.charCodeAt(0) === ZERO)) return undefined;
  let frac = '';
  if (i < text.length) {
    if (text.charCodeAt(i) !== 0x2e) return undefined;
    const fracStart = ++i;
    while (i < text.length && isAsciiDigit(text.charCodeAt(i))) i++;
    if (i < text.length || i === fracStart) return undefined;
    let end = i;
    while (end > fracStart && text.charCodeAt(end - 1) === ZERO) end--;
    frac = text.slice(fracStart, end);
  }
  if (intPart === '0') {
    if (frac === '') return '0'; // -0 prints as 0
    // Below 1e-6 a double prints in exponent form.
    if (frac.startsWith('000000')) return undefined;
  }
  return `${neg ? '-' : ''}${intPart}${frac === '' ? '' : `.${frac}`}`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** JSON's whitespace: space, tab, newline, carriage return. */
const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export function parseJsonExact(text: string): unknown {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxError(`Invalid JSON at position ${i}`);
  };
  const space = (): void => {
    while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      space();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        const key = string();
        space();
        if (text[i] !== ':') fail();
        i++;
        setField(obj, key, value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail();
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail();
    i += m[0].length;
    return exactNumber(m[0]);
  };
  const result = value();
  space();
  if (i !== text.length) fail();
  return result;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** Deeper documents take the general path: the containers' kinds are kept as bits of one number. */
const MAX_DEPTH = 31;

const isLetter = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isNumberChar = (c: number): boolean => (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;

/**
 * `JSON.stringify(parseJsonExact(text))` of a jsonb value as PostgreSQL
 * prints it, without building the value: what the parse and the stringify
 * would change is done on the text. Strings pass as they are (PostgreSQL
 * escapes exactly the characters JSON.stringify does, the same way), spaces
 * between tokens go, and a number becomes what `exactNumber` and
 * JSON.stringify make of it. jsonb has no duplicate keys and keeps its keys
 * in one order; undefined (the general path) for an object with a key
 * JavaScript would move to the front (an array index), or anything else
 * unexpected. Not for `json`, which keeps its input as it was typed.
 */
export function jsonbJson(text: string): string | undefined {
  let out = '';
  // Text from `copied` on goes out unchanged, when the next change (or the end) comes.
  let copied = 0;
  let depth = 0;
  // Bit d set: the container at depth d is an object.
  let objects = 0;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i++;
      while (i < n && text.charCodeAt(i) !== QUOTE) i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
      if (i >= n) return undefined;
      i++;
      if (expectKey) {
        if (isAsciiDigit(text.charCodeAt(start + 1)) && isArrayIndex(text.slice(start + 1, i - 1))) return undefined;
        expectKey = false;
      }
    } else if (isJsonSpace(c)) {
      out += text.slice(copied, i);
      while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
      copied = i;
    } else if (isAsciiDigit(c) || c === 0x2d) {
      const start = i;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const token = text.slice(start, i);
      const json = numericJson(token) ?? JSON.stringify(exactNumber(token));
      if (json !== token) {
        out += text.slice(copied, start) + json;
        copied = i;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > MAX_DEPTH) return undefined;
      if (c === OPEN_OBJECT) objects |= 1 << depth;
      else objects &= ~(1 << depth);
      expectKey = c === OPEN_OBJECT;
      i++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      i++;
    } else if (c === COMMA) {
      expectKey = (objects & (1 << depth)) !== 0;
      i++;
    } else if (c === COLON) i++;
    else if (isLetter(c)) {
      // true, false, null
      while (i < n && isLetter(text.charCodeAt(i))) i++;
    } else return undefined;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
