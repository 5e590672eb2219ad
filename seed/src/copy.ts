/**
 * COPY ... FROM STDIN in PostgreSQL's text format: encoding of values, and
 * streaming generated rows into the server with bounded memory.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type Cell = string | number | boolean | null;

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes a text value for the COPY text format (backslash, newline, CR, tab). */
export function escapeCopy(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c] as string) : value;
}

/** A text[] literal, every element double-quoted (COPY escaping is applied later). */
export function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** One COPY line: tab-separated cells, `\N` for NULL, `t`/`f` for booleans. */
export function copyLine(cells: readonly Cell[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i] as Cell;
    if (i > 0) line += '\t';
    if (v === null) line += '\\N';
    else if (typeof v === 'boolean') line += v ? 't' : 'f';
    else if (typeof v === 'number') {
      // Non-integers are formatted by the caller (money, decimals) to stay exact.
      if (!Number.isSafeInteger(v)) throw new Error(`copyLine: ${v} is not a safe integer`);
      line += String(v);
    } else line += escapeCopy(v);
  }
  return line + '\n';
}

/** Integer cents as a numeric literal: 4290 -> "42.90". */
export function cents(value: number): string {
  const whole = Math.floor(value / 100);
  const frac = value - whole * 100;
  return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Epoch milliseconds (whole seconds, year 1970-9999) as "YYYY-MM-DD HH:MM:SS+00",
 * which timestamptz reads as UTC. Integer arithmetic (days-to-civil), because
 * Date#toISOString was a top cost of generation.
 */
export function timestamp(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const days = Math.floor(secs / 86400);
  const sod = secs - days * 86400;
  // Howard Hinnant's civil_from_days, for days since 1970-01-01 >= 0.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(sod / 3600);
  const m = Math.floor((sod % 3600) / 60);
  return `${year}-${pad2(month)}-${pad2(day)} ${pad2(h)}:${pad2(m)}:${pad2(sod % 60)}+00`;
}

const CHUNK_BYTES = 64 * 1024;

/** Joins lines into ~64 KiB chunks: fewer, larger writes to the socket. */
export function* chunked(lines: Iterable<string>, onRows?: (rows: number) => void): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  let rows = 0;
  for (const line of lines) {
    parts.push(line);
    size += line.length;
    rows++;
    if (size >= CHUNK_BYTES) {
      yield parts.join('');
      onRows?.(rows);
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield parts.join('');
  onRows?.(rows);
}

/**
 * Streams `lines` into `COPY <sql> FROM STDIN`. Readable.from pulls from the
 * generator only as fast as the socket drains, so memory stays bounded no matter
 * how many rows. Returns the row count PostgreSQL reports.
 */
export async function copyInto(client: pg.ClientBase, sql: string, lines: Iterable<string>, onRows?: (rows: number) => void): Promise<number> {
  const sink = client.query(copyFrom(sql));
  await pipeline(Readable.from(chunked(lines, onRows)), sink);
  return sink.rowCount;
}
