import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import pg from 'pg';
import type { Connection } from '../../src/config.js';
import { quoteIdent } from '../../src/schema.js';

export const SEED_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REPO_ROOT = path.resolve(SEED_DIR, '..');

/** Settings of the running PostgreSQL, from the environment or .services.env. */
export function adminSettings(): { host: string; port: number; user: string; password: string; database: string } {
  const file = path.join(REPO_ROOT, '.services.env');
  const fromFile = existsSync(file) ? parse(readFileSync(file)) : {};
  const get = (k: string): string => {
    const v = process.env[k] ?? fromFile[k];
    if (!v) throw new Error(`${k} is not set: start PostgreSQL with "make services-up" (writes .services.env)`);
    return v;
  };
  return { host: get('PGHOST'), port: Number(get('PGPORT')), user: get('PGUSER'), password: get('PGPASSWORD'), database: get('PGDATABASE') };
}

/** A name unique to this test run: pid plus random bytes (workers may share a pid). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

export function urlFor(database: string, user?: string, password?: string): string {
  const a = adminSettings();
  const u = encodeURIComponent(user ?? a.user);
  const p = encodeURIComponent(password ?? a.password);
  return `postgres://${u}:${p}@${a.host}:${a.port}/${encodeURIComponent(database)}`;
}

export function connectionFor(database: string, user?: string, password?: string): Connection {
  const a = adminSettings();
  return { connectionString: urlFor(database, user, password), target: `${user ?? a.user}@${a.host}:${a.port}/${database}` };
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(urlFor(adminSettings().database), fn);
}

/** Creates a scratch database; `drop` removes it and then the given roles. */
export async function createTestDatabase(prefix = 'it_seed'): Promise<{ name: string; url: string; drop: (roles?: string[]) => Promise<void> }> {
  const name = uniqueName(prefix);
  await admin((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return {
    name,
    url: urlFor(name),
    drop: async (roles = []) => {
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        // Privileges granted inside the database went with it, so the roles can go now.
        for (const role of roles) await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
      });
    },
  };
}

/** md5 of every row's text, in row order: equal checksums mean equal table contents. */
export async function tableChecksums(url: string, schema: string, tables: readonly string[]): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const out: Record<string, string> = {};
    for (const t of tables) {
      const { rows } = await c.query<{ sum: string }>(
        `SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text COLLATE "C"), '')) AS sum FROM ${quoteIdent(schema)}.${quoteIdent(t)} x`,
      );
      out[t] = (rows[0] as { sum: string }).sum;
    }
    return out;
  });
}
