import { SourceError } from '../types.js';
import { DEFAULTS, FIELD_NAMING_VALUES, type FieldNaming } from './schema.js';

/** Configuration values after coercion; `problems` lists what makes them unusable. */
export interface PgSettings {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
  schema: string;
  /** `['*']` means every table of the schema. */
  tables: string[];
  fetchSize: number;
  /** About this many bytes per page (PageSizer). */
  fetchBytes: number;
  retryCount: number;
  sslEnabled: boolean;
  sslCa: string;
  fieldNaming: FieldNaming;
  connectTimeoutMs: number;
  /** 0 disables the limit. */
  statementTimeoutMs: number;
  /** Publication change capture reads; empty ⇒ one the service creates per connector. */
  publication: string;
  /** Cursor-column fallback: the column, and how far back (seconds) each pass re-reads. */
  cursorColumn: string;
  cursorWindowSeconds: number;
  problems: string[];
}

/** Longer than any host or name a person types; a 10 MB value is a mistake, not a name. */
export const MAX_VALUE_CHARS = 4096;
/** A CA bundle (RDS's is ~160 KB) and a long table list get more room. */
const MAX_CHARS: Record<string, number> = { ssl_ca: 1_048_576, tables: 1_048_576 };
/** statement_timeout is an int of milliseconds in PostgreSQL; the client's timer (+10 s) must fit 2^31 − 1 ms too. */
export const MAX_STATEMENT_TIMEOUT_SECONDS = 2_147_473;

/** What makes a text value unusable anywhere in a connection: its type, NUL bytes, its size. */
function textProblem(name: string, v: unknown): string | undefined {
  if (v !== null && typeof v === 'object') return `"${name}" must be a single value, not ${Array.isArray(v) ? 'a list' : 'an object'}`;
  if (typeof v !== 'string') return undefined;
  const max = MAX_CHARS[name] ?? MAX_VALUE_CHARS;
  if (v.length > max) return `"${name}" is too long (${v.length} characters; at most ${max})`;
  // PostgreSQL's protocol ends strings at NUL: the server would see another name than the one configured.
  if (v.includes('\0')) return `"${name}" must not contain NUL characters`;
  return undefined;
}

function text(v: unknown): string {
  if (v === null || v === undefined || typeof v === 'object') return '';
  return typeof v === 'string' ? v.trim() : String(v).trim();
}

/** Missing or blank ⇒ the default; numbers may arrive as strings from older documents. */
function integer(v: unknown, fallback: number, name: string, min: number, problems: string[], max = Number.MAX_SAFE_INTEGER): number {
  if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return fallback;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    problems.push(`"${name}" must be an integer ${range} (got ${JSON.stringify(v)})`);
    return fallback;
  }
  return n;
}

function bool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase());
  return v === 1;
}

/** Table names are used verbatim (case and spaces kept); only the list separators are trimmed. */
export function tableList(v: unknown): string[] {
  const items = Array.isArray(v) ? v.map(text) : text(v).split(',').map((s) => s.trim());
  const out: string[] = [];
  for (const item of items) if (item && !out.includes(item)) out.push(item);
  return out.includes('*') ? ['*'] : out;
}

/** Never throws: `create()` must succeed so ping/validate can report the problem. */
export function parseSettings(values: Record<string, unknown>): PgSettings {
  const problems: string[] = [];
  for (const [key, v] of Object.entries(values)) {
    // The table list may be a list; every other value is one piece of text.
    const problem = key === 'tables' && Array.isArray(v) ? v.map((t) => textProblem('tables', t)).find(Boolean) : textProblem(key, v);
    if (problem) problems.push(problem);
  }
  const required = (key: string): string => {
    const v = text(values[key]);
    if (!v && !problems.some((p) => p.startsWith(`"${key}" `))) problems.push(`"${key}" is required`);
    return v;
  };
  const host = required('host');
  // A connection string pasted into the host field: say so, and never echo it (it may hold a password).
  if (host.includes('://')) problems.push('"host" must be a host name or IP address, not a URL');
  const username = required('username');
  const database = required('database');
  const schema = required('schema');
  let port = integer(values.port, 5432, 'port', 1, problems);
  if (values.port === undefined || values.port === null || values.port === '') problems.push('"port" is required');
  if (port > 65535) {
    problems.push(`"port" must be at most 65535 (got ${port})`);
    port = 5432;
  }
  const naming = text(values.field_naming) || DEFAULTS.fieldNaming;
  if (!(FIELD_NAMING_VALUES as readonly string[]).includes(naming)) {
    problems.push(`"field_naming" must be one of ${FIELD_NAMING_VALUES.join(', ')} (got ${JSON.stringify(naming)})`);
  }
  const sslEnabled = bool(values.ssl_enabled);
  return {
    host,
    port,
    username,
    // Passwords may legitimately start or end with spaces.
    password: typeof values.password === 'string' ? values.password : text(values.password),
    database,
    schema,
    tables: tableList(values.tables ?? '*'),
    fetchSize: integer(values.fetch_size, DEFAULTS.fetchSize, 'fetch_size', 1, problems),
    fetchBytes: integer(values.fetch_bytes, DEFAULTS.fetchBytes, 'fetch_bytes', 1024, problems),
    // Back-off doubles up to 30 s: 20 retries already wait about 8 minutes for a lost server.
    retryCount: integer(values.retry_count, DEFAULTS.retryCount, 'retry_count', 0, problems, 20),
    sslEnabled,
    sslCa: text(values.ssl_ca),
    fieldNaming: (FIELD_NAMING_VALUES as readonly string[]).includes(naming) ? (naming as FieldNaming) : DEFAULTS.fieldNaming,
    connectTimeoutMs: integer(values.connect_timeout, DEFAULTS.connectTimeoutSeconds, 'connect_timeout', 1, problems) * 1000,
    statementTimeoutMs: statementTimeoutSeconds(values.statement_timeout, problems) * 1000,
    publication: text(values.publication),
    cursorColumn: text(values.cursor_column) || DEFAULTS.cursorColumn,
    cursorWindowSeconds: integer(values.cursor_window, DEFAULTS.cursorWindowSeconds, 'cursor_window', 0, problems),
    problems,
  };
}

function statementTimeoutSeconds(v: unknown, problems: string[]): number {
  const seconds = integer(v, DEFAULTS.statementTimeoutSeconds, 'statement_timeout', 0, problems);
  if (seconds <= MAX_STATEMENT_TIMEOUT_SECONDS) return seconds;
  problems.push(`"statement_timeout" must be at most ${MAX_STATEMENT_TIMEOUT_SECONDS} seconds (got ${seconds}); 0 means no limit`);
  return DEFAULTS.statementTimeoutSeconds;
}

export function assertUsable(settings: PgSettings): void {
  if (settings.problems.length > 0) {
    throw new SourceError(`Invalid PostgreSQL configuration: ${settings.problems.join('; ')}`, 'invalid_configuration');
  }
}
