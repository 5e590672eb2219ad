import pg from 'pg';
import type { Logger } from '../../log/logger.js';
import { errorMessage } from '../../log/redact.js';
import { toSourceError, type ErrorContext } from './errors.js';
import type { PgSettings } from './settings.js';

/**
 * Every value arrives as PostgreSQL's text output and is converted by
 * `values.ts` from the column's catalog type. This keeps int8/numeric exact
 * and lets a primary key be sent back verbatim as a keyset bound. Set per
 * client: the global `pg.types` parsers are left alone.
 */
const rawText = (value: string): string => value;
export const RAW_TYPES = { getTypeParser: () => rawText } as unknown as pg.CustomTypesConfig;

/**
 * Pins the text formats `values.ts` parses, whatever the server or role
 * defaults are. search_path is deliberately untouched: advanced-rule queries
 * are the user's SQL and may rely on it.
 */
const sessionSetup = (statementTimeoutMs: number | undefined) => `SELECT
  ${statementTimeoutMs === undefined ? '' : `pg_catalog.set_config('statement_timeout', '${Math.trunc(statementTimeoutMs)}', false),`}
  pg_catalog.set_config('TimeZone', 'UTC', false),
  pg_catalog.set_config('DateStyle', 'ISO, YMD', false),
  pg_catalog.set_config('IntervalStyle', 'iso_8601', false),
  pg_catalog.set_config('extra_float_digits', '1', false),
  pg_catalog.set_config('bytea_output', 'hex', false)`;

export function errorContext(settings: PgSettings, extra: Partial<ErrorContext> = {}): ErrorContext {
  return {
    host: settings.host,
    port: settings.port,
    user: settings.username,
    database: settings.database,
    schema: settings.schema,
    ...extra,
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * Past the server's statement timeout, how long the client still waits for an
 * answer before it gives the connection up: a frozen server or a black-holed
 * network cannot cancel anything, so the bound must be on this side too.
 */
export const CLIENT_TIMEOUT_GRACE_MS = 10_000;

/**
 * A query the client gives up on after `timeoutMs` ("Query read timeout",
 * transient). pg reads `query_timeout` per query too; its types omit it.
 */
export function timedQuery(text: string, timeoutMs: number): pg.QueryConfig {
  return { text, query_timeout: timeoutMs } as pg.QueryConfig;
}

/**
 * A connected client in our session settings; connection failures become
 * `SourceError`s. Every statement runs under `statement_timeout`, and the
 * client gives up `CLIENT_TIMEOUT_GRACE_MS` after it (0, the user's explicit
 * choice: neither). A replication connection bounds its own statements
 * (`replication.ts`): a client-wide read timeout would also cut its stream.
 */
export async function connect(
  settings: PgSettings,
  log: Logger,
  signal?: AbortSignal,
  options: { replication?: boolean } = {},
): Promise<pg.Client> {
  signal?.throwIfAborted();
  // A replication connection keeps the server's (or role's) statement_timeout.
  const timeoutMs = options.replication ? undefined : settings.statementTimeoutMs;
  const client = new pg.Client({
    // A walsender that also runs SQL: slots, streams, catalog queries.
    ...(options.replication ? ({ replication: 'database' } as pg.ClientConfig) : {}),
    host: settings.host,
    port: settings.port,
    user: settings.username,
    password: settings.password,
    database: settings.database,
    ssl: settings.sslEnabled ? { rejectUnauthorized: true, ...(settings.sslCa ? { ca: settings.sslCa } : {}) } : false,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    ...(timeoutMs ? { query_timeout: timeoutMs + CLIENT_TIMEOUT_GRACE_MS } : {}),
    keepAlive: true,
    application_name: 'pg-es-connectors',
    types: RAW_TYPES,
  });
  // Without a listener, a backend killed while the client is idle would crash
  // the process; the next query on this client fails and is retried instead.
  client.on('error', (err) => log.debug({ err: errorMessage(err) }, 'PostgreSQL connection error'));
  const onAbort = (): void => void client.end().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    // A simple query, no parameters: a replication connection has no extended protocol.
    await client.query(timedQuery(sessionSetup(timeoutMs), settings.connectTimeoutMs + CLIENT_TIMEOUT_GRACE_MS));
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    signal?.throwIfAborted();
    throw toSourceError(err, errorContext(settings));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Closes without waiting on a broken socket forever; a socket that did not close in time is destroyed. */
export async function disconnect(client: pg.Client | undefined): Promise<void> {
  if (!client) return;
  const ended = await Promise.race([client.end().then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), 2000).unref())]);
  // pg keeps its socket on `connection.stream`, outside its types.
  if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
