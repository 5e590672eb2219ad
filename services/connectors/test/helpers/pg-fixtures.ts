import pg from 'pg';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { chainPrefix } from '../../src/sources/postgresql/cdc/chain.js';
import type { ReplicationConnection } from '../../src/sources/postgresql/cdc/replication.js';
import type { DataSource, SourceDocument, SyncNotice } from '../../src/sources/types.js';
import { serviceSettings } from './services.js';

/** Helpers for PostgreSQL source tests: throwaway databases, connector values, log capture. */

export const pgService = serviceSettings().pg;

/** A database name unique to this test file and process. */
export function databaseName(name: string): string {
  return `it_pg_${name}_${process.pid}`;
}

export function adminClient(database = pgService.database): pg.Client {
  return new pg.Client({ ...pgService, database });
}

export async function withAdmin<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = adminClient(database);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The pid of the backend (walsender) serving this replication connection; private to the class, wanted only by tests. */
export function backendPid(repl: ReplicationConnection): number {
  return (repl as unknown as { client: pg.Client & { processID: number } }).client.processID;
}

/** The pid of the backend holding this replication slot, or null when nobody does. */
export async function slotHolder(database: string, slot: string): Promise<number | null> {
  return withAdmin(database, async (c) => {
    const r = await c.query<{ active_pid: number | null }>('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    return r.rows[0]?.active_pid ?? null;
  });
}

/**
 * Drops the change-capture slots of these connectors (their chains keep WAL,
 * and slots are few: a test that leaves them starves the next ones). A slot
 * still held by a stopped service's walsender is released first.
 */
export async function dropChains(connectorIds: string[]): Promise<number> {
  if (connectorIds.length === 0) return 0;
  const patterns = connectorIds.map((id) => `${chainPrefix(id)}\\_%`);
  return withAdmin(pgService.database, async (c) => {
    const sql = 'SELECT slot_name, active_pid FROM pg_replication_slots WHERE slot_name LIKE ANY($1::text[])';
    const { rows } = await c.query<{ slot_name: string; active_pid: number | null }>(sql, [patterns]);
    for (const r of rows) {
      if (r.active_pid) await c.query('SELECT pg_terminate_backend($1, 5000)', [r.active_pid]);
      await c.query('SELECT pg_drop_replication_slot($1)', [r.slot_name]);
    }
    return rows.length;
  });
}

export async function createDatabase(database: string, setupSql = ''): Promise<void> {
  await withAdmin(pgService.database, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${database}"`);
  });
  if (setupSql) await withAdmin(database, (c) => c.query(setupSql));
}

export async function dropDatabase(database: string): Promise<void> {
  await withAdmin(pgService.database, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}

/** Connector configuration values as the runtime hands them to `create()`. */
export function sourceValues(database: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: pgService.host,
    port: pgService.port,
    username: pgService.user,
    password: pgService.password,
    database,
    schema: 'public',
    tables: ['*'],
    fetch_size: 50,
    retry_count: 3,
    ssl_enabled: false,
    ssl_ca: '',
    ...overrides,
  };
}

/** A logger whose JSON lines are kept for assertions. */
export function captureLogger(level = 'debug'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(level, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

export async function collect(
  source: DataSource,
  options: { advancedRules?: unknown; signal?: AbortSignal } = {},
): Promise<{ docs: SourceDocument[]; notices: SyncNotice[] }> {
  const docs: SourceDocument[] = [];
  const notices: SyncNotice[] = [];
  for await (const doc of source.documents({
    advancedRules: options.advancedRules,
    signal: options.signal ?? new AbortController().signal,
    notice: (n) => notices.push(n),
  })) {
    docs.push(doc);
  }
  return { docs, notices };
}

/**
 * Our sessions still open on `database` (application_name set by
 * connection.ts), polled briefly since a backend exits just after its socket closes.
 */
export async function openConnections(database: string, waitMs = 2000): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const n = await withAdmin(pgService.database, async (c) => {
      const r = await c.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pg-es-connectors'",
        [database],
      );
      return Number(r.rows[0]?.n ?? 0);
    });
    if (n === 0 || Date.now() >= deadline) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
}
