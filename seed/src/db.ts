/** Connecting to PostgreSQL, with waiting for a server that is still starting. */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Connection } from './config.js';
import { SeedError, pgCode } from './errors.js';

/** Worth retrying: the server is not up yet (compose starts everything at once). */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '57P03']);

function isTransient(err: unknown): boolean {
  const code = pgCode(err);
  if (code && TRANSIENT.has(code)) return true;
  return /timeout expired|Connection terminated unexpectedly/i.test((err as Error)?.message ?? '');
}

/** Why a connection failed, naming user@host:port/database, never the password. */
export function explainConnectError(err: unknown, connection: Connection): string {
  const where = `PostgreSQL at ${connection.target}`;
  const code = pgCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach ${where}: connection refused (is it running? natively: make services-up)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach ${where}: host name not found`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return `cannot reach ${where}: ${code === 'ETIMEDOUT' ? 'timed out' : 'host unreachable'}`;
    case '28P01':
      return `authentication failed for ${where}: wrong password (check DATABASE_URL / PGPASSWORD)`;
    case '28000':
      return `${where} rejected the login: ${(err as Error).message}`;
    case '3D000':
      return `${where}: ${(err as Error).message} (create it, or point DATABASE_URL / PGDATABASE at an existing one)`;
    case '57P03':
      return `${where} is starting up or shutting down`;
    default:
      return `cannot connect to ${where}: ${(err as Error)?.message ?? String(err)}`;
  }
}

/**
 * A connected client. Retries transient failures for up to `waitSeconds`, then
 * throws a SeedError with one explanatory line.
 */
export async function connect(connection: Connection, waitSeconds: number, log: (line: string) => void): Promise<pg.Client> {
  const { target: _target, ...settings } = connection;
  const deadline = Date.now() + waitSeconds * 1000;
  let announced = false;
  for (;;) {
    const client = new pg.Client({ ...settings, connectionTimeoutMillis: 10_000, application_name: 'pg-es-connectors-seed' });
    // An idle client can get a socket error (e.g. server restart); surface it via the next query.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (!isTransient(err) || Date.now() >= deadline) throw new SeedError(explainConnectError(err, connection), { cause: err });
      if (!announced) {
        log(`waiting up to ${waitSeconds}s for PostgreSQL at ${connection.target} (${pgCode(err) ?? (err as Error).message})`);
        announced = true;
      }
      await sleep(1000);
    }
  }
}
