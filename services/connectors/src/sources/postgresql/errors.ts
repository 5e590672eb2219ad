import { errorMessage, redactText } from '../../log/redact.js';
import { SourceError } from '../types.js';

/** What we were doing, so a message can name the thing the user must fix. */
export interface ErrorContext {
  host: string;
  port: number;
  user: string;
  database: string;
  schema?: string;
  /** e.g. `"public"."orders"` or `advanced rule 2` */
  target?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);
// `Query read timeout`: the client gave up on a server that stopped answering (see CLIENT_TIMEOUT_GRACE_MS).
const LOST_CONNECTION = /connection terminated|not queryable|client was closed|connection timeout|timeout expired|socket hang up|query read timeout/i;
const TLS_CODE = /^(ERR_TLS|ERR_SSL|ERR_OSSL|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|HOSTNAME_MISMATCH)/;

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function rawMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Failures worth retrying on a new connection: the server or network went away,
 * not an SQL error that would fail again.
 */
export function isTransient(err: unknown): boolean {
  // Connection failures are wrapped early; the driver error decides.
  if (err instanceof SourceError) return err.cause !== undefined && isTransient(err.cause);
  const code = codeOf(err);
  if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  if (NETWORK_CODES.has(code)) return true;
  return !code && LOST_CONNECTION.test(rawMessage(err));
}

export function isSslProblem(err: unknown): boolean {
  return TLS_CODE.test(codeOf(err)) || /\bSSL\b|certificate|PEM routines/i.test(rawMessage(err));
}

/** Translates driver and server errors into actionable `SourceError`s; secrets are redacted. */
export function toSourceError(err: unknown, ctx: ErrorContext): SourceError {
  if (err instanceof SourceError) return err;
  const code = codeOf(err);
  const detail = errorMessage(err);
  const where = `${ctx.host}:${ctx.port}`;
  const target = ctx.target ?? 'PostgreSQL';
  // Our own text names the user and host, which may coincide with a secret.
  const make = (message: string, reason: string) => new SourceError(redactText(message), reason, { cause: err });

  const sqlState = /^[0-9A-Z]{5}$/.test(code);
  if (!sqlState && isSslProblem(err)) return make(`SSL connection to PostgreSQL at ${where} failed: ${detail}`, 'ssl_error');
  switch (code) {
    case '28P01':
      return make(`Authentication failed for user "${ctx.user}" on PostgreSQL at ${where}: wrong user name or password`, 'auth_failed');
    case '28000':
      return make(`Authentication failed for user "${ctx.user}" on PostgreSQL at ${where}: ${detail}`, 'auth_failed');
    case '3D000':
      return make(`Database "${ctx.database}" does not exist on PostgreSQL at ${where}`, 'database_not_found');
    case '3F000':
      return make(`Schema "${ctx.schema ?? ''}" does not exist in database "${ctx.database}": ${detail}`, 'schema_not_found');
    case '42P01':
      return make(`Table not found while reading ${target}: ${detail}`, 'table_not_found');
    case '42501':
      return make(`Permission denied reading ${target} as user "${ctx.user}": ${detail}`, 'permission_denied');
    case '57014':
      return make(`Query cancelled (statement timeout or cancel request) while reading ${target}: ${detail}`, 'query_timeout');
    case '53300':
      return make(`PostgreSQL at ${where} has too many connections: ${detail}`, 'too_many_connections');
    case 'ENOTFOUND':
      return make(`Cannot resolve PostgreSQL host "${ctx.host}" (${where}): ${detail}`, 'host_unreachable');
  }
  if (NETWORK_CODES.has(code) || code.startsWith('08') || (!code && LOST_CONNECTION.test(rawMessage(err)))) {
    return make(`Cannot reach PostgreSQL at ${where}: ${detail}`, 'host_unreachable');
  }
  if (sqlState) return make(`PostgreSQL error ${code} while reading ${target}: ${detail}`, 'query_failed');
  return make(`PostgreSQL source failed while reading ${target}: ${detail}`, 'source_error');
}

const quoted = (names: string[]): string => names.map((n) => `"${n}"`).join(', ');

export function noTablesConfigured(): SourceError {
  return new SourceError('No tables configured: set "tables" to * or a comma-separated list of tables', 'invalid_configuration');
}

export function tablesNotFound(names: string[], schema: string, database: string): SourceError {
  return new SourceError(
    `Table${names.length > 1 ? 's' : ''} not found in schema "${schema}" of database "${database}": ${quoted(names)}`,
    'table_not_found',
  );
}

export function selectDenied(names: string[], user: string, schema: string): SourceError {
  return new SourceError(
    redactText(`Permission denied: user "${user}" may not SELECT from ${quoted(names)} in schema "${schema}"`),
    'permission_denied',
  );
}
