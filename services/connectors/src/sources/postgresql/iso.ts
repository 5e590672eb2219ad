// ISO-8601 forms of PostgreSQL's date and time output (DateStyle ISO, pinned
// in connection.ts), as Python's isoformat() spells them.

import { isAsciiDigit } from '../../util/text.js';

/** Six-digit microseconds when non-zero, nothing otherwise (Python's isoformat rule). */
export function micros(fraction: string | undefined): string {
  if (!fraction || /^0*$/.test(fraction)) return '';
  return `.${fraction.padEnd(6, '0').slice(0, 6)}`;
}

/** `+00` ⇒ `+00:00`; `+05:30:15` kept. */
export function isoOffset(offset: string | undefined): string {
  if (!offset) return '';
  const [h, m = '00', s] = offset.slice(1).split(':');
  return `${offset[0]}${h}:${m}${s ? `:${s}` : ''}`;
}

/** Years before 1 AD in ISO-8601 astronomical numbering: 1 BC ⇒ 0000, 44 BC ⇒ -0043. */
function isoYear(year: string, bc: boolean): string {
  if (!bc) return year;
  const n = Number(year) - 1;
  return n === 0 ? '0000' : `-${String(n).padStart(4, '0')}`;
}

const DATE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;
const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d(?::\d\d){0,2})?( BC)?$/;
const TIME = /^(\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d(?::\d\d){0,2})?$/;

export function isoDate(text: string): string {
  const m = DATE.exec(text);
  return m ? `${isoYear(m[1] ?? '', !!m[4])}-${m[2]}-${m[3]}` : text;
}

export function isoTimestamp(text: string, separator: 'T' | ' '): string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  return `${isoYear(m[1] ?? '', !!m[7])}-${m[2]}-${m[3]}${separator}${m[4]}${micros(m[5])}${isoOffset(m[6])}`;
}

export function isoTime(text: string): string {
  const m = TIME.exec(text);
  return m ? `${m[1]}${micros(m[2])}${isoOffset(m[3])}` : text;
}

/**
 * timestamp and timestamptz as PostgreSQL prints them with DateStyle ISO
 * (`2024-01-02 03:04:05.5+00`), four-digit years AD: `"2024-01-02T03:04:05.500000+00:00"`.
 */
export function timestampJson(text: string): string | undefined {
  if (
    text.length < 19 ||
    text.charCodeAt(4) !== 0x2d ||
    text.charCodeAt(7) !== 0x2d ||
    text.charCodeAt(10) !== 0x20 ||
    text.charCodeAt(13) !== 0x3a ||
    text.charCodeAt(16) !== 0x3a ||
    // " BC"
    text.charCodeAt(text.length - 1) === 0x43
  ) {
    return undefined;
  }
  let i = 19;
  let fraction: string | undefined;
  if (text.charCodeAt(i) === 0x2e) {
    const start = ++i;
    while (i < text.length && isAsciiDigit(text.charCodeAt(i))) i++;
    fraction = text.slice(start, i);
    if (fraction === '') return undefined;
  }
  const offset = i < text.length ? text.slice(i) : undefined;
  // PostgreSQL's offsets: +HH, +HH:MM or +HH:MM:SS.
  if (offset !== undefined && ((offset.charCodeAt(0) !== 0x2b && offset.charCodeAt(0) !== 0x2d) || ![3, 6, 9].includes(offset.length))) return undefined;
  return `"${text.slice(0, 10)}T${text.slice(11, 19)}${micros(fraction)}${isoOffset(offset)}"`;
}

/** date with DateStyle ISO, four-digit years AD: its text is its ISO form. */
export function dateJson(text: string): string | undefined {
  return text.length === 10 && text.charCodeAt(4) === 0x2d && text.charCodeAt(7) === 0x2d ? `"${text}"` : undefined;
}
