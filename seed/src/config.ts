/**
 * Settings from the environment, `.env` and `.services.env` (nearest of each in
 * the working directory or its parents). Precedence, highest first: environment,
 * `.env`, `.services.env` — as in services/connectors.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { MAX_SCALE } from './dataset.js';
import { ConfigError } from './errors.js';
import type { ReplicationMode } from './role.js';

/** Connection settings for pg.Client; `target` is for messages (never a password). */
export interface Connection {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** "user@host:port/database", for messages. */
  target: string;
}

export interface SeedConfig {
  scale: number;
  schema: string;
  /** Reload even when the stored fingerprint matches. */
  force: boolean;
  /** How long to keep retrying while PostgreSQL is not reachable yet. */
  waitSeconds: number;
  connection: Connection;
  /** Publication of the seed tables for incremental sync; undefined when SEED_PUBLICATION is empty. */
  publication?: string;
  /** Undefined when SEED_CONNECTOR_ROLE is set to the empty string. */
  role?: { name: string; password: string; replication: ReplicationMode };
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Read `.env` / `.services.env` (default true). */
  envFiles?: boolean;
}

/** Nearest `name` in `dir` or up to three parents (a workspace runs one level down). */
function findUp(dir: string, name: string): string | undefined {
  let current = path.resolve(dir);
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(current, name);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return undefined;
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const MAX_IDENTIFIER_BYTES = 63;

/** Shows a user-supplied (non-secret) value, shortened. */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

export function parseScale(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const text = raw.trim();
  const value = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > MAX_SCALE) {
    throw new ConfigError([`SEED_SCALE must be a positive number up to ${MAX_SCALE} (e.g. 1, 0.05, 20), got ${shown(raw)}`]);
  }
  return value;
}

function parseBoolean(key: string, raw: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  problems.push(`${key} must be true or false, got ${shown(raw)}`);
  return fallback;
}

function checkIdentifier(key: string, value: string, problems: string[]): void {
  if (value.includes('\0')) problems.push(`${key} must not contain a NUL character`);
  // PostgreSQL would silently truncate a longer name to a different one.
  if (Buffer.byteLength(value) > MAX_IDENTIFIER_BYTES) problems.push(`${key} is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
}

const PG_KEYS = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'];

/**
 * The source with the highest precedence that mentions the database decides:
 * its DATABASE_URL if it has one, else the PG* variables (each from the highest
 * source that sets it, libpq defaults otherwise). So `PGDATABASE=x npm run dev`
 * overrides the DATABASE_URL found in `.services.env`.
 */
function connectionFrom(sources: readonly Record<string, string | undefined>[], problems: string[]): Connection {
  const deciding = sources.find((src) => src.DATABASE_URL || PG_KEYS.some((k) => src[k] !== undefined));
  const url = deciding?.DATABASE_URL;
  const pick = (key: string): string | undefined => sources.find((src) => src[key] !== undefined)?.[key];
  if (url) {
    let target = 'DATABASE_URL';
    try {
      const u = new URL(url);
      if (!/^postgres(ql)?:$/.test(u.protocol)) problems.push('DATABASE_URL must start with postgres:// or postgresql://');
      const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
      target = `${user}${u.hostname || 'localhost'}:${u.port || '5432'}/${decodeURIComponent(u.pathname.slice(1)) || '(default database)'}`;
    } catch {
      // The URL may hold a password: say what is wrong without echoing it.
      problems.push('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
    }
    return { connectionString: url, target };
  }
  const host = pick('PGHOST') || 'localhost';
  const portText = pick('PGPORT') || '5432';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) problems.push(`PGPORT must be a TCP port, got ${shown(portText)}`);
  const user = pick('PGUSER') || process.env.USER || 'postgres';
  const database = pick('PGDATABASE') || user;
  return { host, port, user, password: pick('PGPASSWORD'), database, target: `${user}@${host}:${port}/${database}` };
}

/** Validated settings; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): SeedConfig {
  // Highest precedence first.
  const env = options.env ?? process.env;
  const sources: Record<string, string | undefined>[] = [env];
  if (options.envFiles !== false) {
    // USE_DOTENV=false (the tests set it): a user's .env cannot change what they test.
    for (const name of env.USE_DOTENV === 'false' ? ['.services.env'] : ['.env', '.services.env']) {
      const file = findUp(options.cwd ?? process.cwd(), name);
      if (file) sources.push(parseDotenv(readFileSync(file)));
    }
  }
  const pick = (key: string): string | undefined => sources.find((src) => src[key] !== undefined)?.[key];
  const problems: string[] = [];

  let scale = 1;
  try {
    scale = parseScale(pick('SEED_SCALE'));
  } catch (err) {
    problems.push(...(err as ConfigError).problems);
  }

  const schema = pick('SEED_SCHEMA')?.trim() || 'public';
  checkIdentifier('SEED_SCHEMA', schema, problems);

  const force = parseBoolean('SEED_FORCE', pick('SEED_FORCE'), false, problems);

  const waitText = pick('SEED_WAIT_SECONDS')?.trim() || '30';
  const waitSeconds = Number(waitText);
  if (!/^\d+$/.test(waitText)) problems.push(`SEED_WAIT_SECONDS must be a whole number of seconds, got ${shown(waitText)}`);

  let role: SeedConfig['role'];
  const roleName = pick('SEED_CONNECTOR_ROLE') ?? 'connector_reader';
  if (roleName.trim() !== '') {
    const name = roleName.trim();
    checkIdentifier('SEED_CONNECTOR_ROLE', name, problems);
    if (/^pg_/i.test(name)) problems.push('SEED_CONNECTOR_ROLE must not start with "pg_" (reserved by PostgreSQL)');
    const password = pick('SEED_CONNECTOR_PASSWORD') ?? 'readerdemo';
    if (password === '') problems.push('SEED_CONNECTOR_PASSWORD must not be empty');
    if (password.includes('\0')) problems.push('SEED_CONNECTOR_PASSWORD must not contain a NUL character');
    const replication = (pick('SEED_CONNECTOR_REPLICATION')?.trim().toLowerCase() || 'auto') as ReplicationMode;
    if (!['auto', 'true', 'false'].includes(replication)) {
      problems.push(`SEED_CONNECTOR_REPLICATION must be auto, true or false, got ${shown(pick('SEED_CONNECTOR_REPLICATION') ?? '')}`);
    }
    role = { name, password, replication };
  }

  const publication = (pick('SEED_PUBLICATION') ?? 'connectors_demo').trim();
  if (publication) checkIdentifier('SEED_PUBLICATION', publication, problems);

  const connection = connectionFrom(sources, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { scale, schema, force, waitSeconds, connection, ...(role ? { role } : {}), ...(publication ? { publication } : {}) };
}

/** Settings of the live-changes mode (`seed changes`), from the environment. */
export function changesSettings(env: NodeJS.ProcessEnv = process.env): { perSecond: number; seconds: number } {
  const problems: string[] = [];
  const perSecondText = env.SEED_CHANGES_PER_SECOND?.trim() || '2';
  const perSecond = Number(perSecondText);
  if (!DECIMAL.test(perSecondText) || perSecond <= 0 || perSecond > 1000) problems.push(`SEED_CHANGES_PER_SECOND must be a number in (0, 1000], got ${shown(perSecondText)}`);
  const secondsText = env.SEED_CHANGES_SECONDS?.trim() || '0';
  const seconds = Number(secondsText);
  if (!/^\d+$/.test(secondsText)) problems.push(`SEED_CHANGES_SECONDS must be a whole number of seconds (0: until stopped), got ${shown(secondsText)}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { perSecond, seconds };
}
