/**
 * The connector's least-privilege login role: LOGIN (+ REPLICATION when the
 * seeding user may grant it), CONNECT on the database, USAGE on the schema,
 * SELECT on its tables now and in future. Statements are built server-side with
 * format('%I', '%L') from bound parameters, so no env value is spliced into SQL.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { SeedError, pgCode } from './errors.js';

export type ReplicationMode = 'auto' | 'true' | 'false';

export interface RoleOptions {
  name: string;
  password: string;
  replication: ReplicationMode;
  schema: string;
}

export interface RoleResult {
  name: string;
  created: boolean;
  login: boolean;
  replication: boolean;
  warnings: string[];
}

/**
 * A SCRAM-SHA-256 verifier, so the clear-text password never appears in a
 * statement (statement logs, pg_stat_activity). Only for printable ASCII, where
 * PostgreSQL's SASLprep is the identity; other passwords are hashed server-side.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string | undefined {
  if (!/^[\x20-\x7e]+$/.test(password)) return undefined;
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Runs `format(template, ...args)` on the server, then the statement it returns. */
async function execFormat(client: pg.ClientBase, template: string, ...args: string[]): Promise<void> {
  const params = args.map((_, i) => `$${i + 2}::text`).join(', ');
  const { rows } = await client.query<{ sql: string }>(`SELECT format($1::text, ${params}) AS sql`, [template, ...args]);
  await client.query((rows[0] as { sql: string }).sql);
}

interface RoleRow {
  rolsuper: boolean;
  rolcanlogin: boolean;
  rolreplication: boolean;
}

async function roleRow(client: pg.ClientBase, name: string): Promise<RoleRow | undefined> {
  const { rows } = await client.query<RoleRow>('SELECT rolsuper, rolcanlogin, rolreplication FROM pg_roles WHERE rolname = $1', [name]);
  return rows[0];
}

/** Tries `statement` inside a savepoint; returns the error instead of aborting the transaction. */
async function attempt(client: pg.ClientBase, run: () => Promise<void>): Promise<unknown> {
  await client.query('SAVEPOINT seed_role');
  try {
    await run();
    await client.query('RELEASE SAVEPOINT seed_role');
    return undefined;
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT seed_role');
    return err;
  }
}

function denied(err: unknown): boolean {
  return pgCode(err) === '42501';
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Creates or updates the role and its grants, in one transaction. */
export async function ensureConnectorRole(client: pg.ClientBase, options: RoleOptions): Promise<RoleResult> {
  const { name, schema } = options;
  const warnings: string[] = [];
  const secret = scramVerifier(options.password) ?? options.password;
  const wantReplication = options.replication !== 'false';

  await client.query('BEGIN');
  try {
    const before = await roleRow(client, name);
    // Attributes a CREATEROLE user may set; SUPERUSER/REPLICATION need more on PostgreSQL 15.
    const base = before ? 'ALTER ROLE %I WITH LOGIN NOCREATEDB NOCREATEROLE' : 'CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE';
    const run = (withReplication: boolean) => () => execFormat(client, `${base}${withReplication ? ' REPLICATION' : ''} PASSWORD %L`, name, secret);

    let err = wantReplication ? await attempt(client, run(true)) : await attempt(client, run(false));
    if (err && denied(err) && wantReplication && options.replication === 'auto') {
      err = await attempt(client, run(false));
      if (!err) {
        warnings.push(
          `role "${name}" has no REPLICATION attribute: granting it needs a superuser on PostgreSQL 15 ` +
            '(PostgreSQL 16+: a role with REPLICATION and CREATEROLE); full syncs work without it',
        );
      }
    }
    if (err && denied(err) && before) {
      // E.g. an existing REPLICATION role, which only a superuser may alter on PostgreSQL 15.
      warnings.push(`role "${name}" exists and could not be altered (${reason(err)}); its password and attributes were left unchanged`);
      err = undefined;
    }
    if (err) {
      if (denied(err)) {
        throw new SeedError(
          `cannot ${before ? 'alter' : 'create'} role "${name}": ${reason(err)}. The seeding user needs CREATEROLE` +
            `${options.replication === 'true' ? ' and must be a superuser to grant REPLICATION (or set SEED_CONNECTOR_REPLICATION=auto)' : ''}` +
            '; or set SEED_CONNECTOR_ROLE= (empty) to skip the role',
        );
      }
      throw err;
    }

    const grants: [string, string][] = [
      ['GRANT CONNECT ON DATABASE %I TO %I', 'CONNECT on the database'],
      ['GRANT USAGE ON SCHEMA %I TO %I', 'USAGE on the schema'],
      ['GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', 'SELECT on the tables'],
      ['ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO %I', 'default privileges'],
    ];
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    const database = (rows[0] as { db: string }).db;
    for (const [template, what] of grants) {
      const target = template.includes('DATABASE') ? database : schema;
      try {
        await execFormat(client, template, target, name);
      } catch (e) {
        if (denied(e)) throw new SeedError(`cannot grant ${what} to role "${name}": ${reason(e)}`);
        throw e;
      }
    }

    const after = (await roleRow(client, name)) as RoleRow;
    if (options.replication === 'true' && !after.rolreplication) {
      throw new SeedError(`role "${name}" lacks REPLICATION and this user cannot grant it (SEED_CONNECTOR_REPLICATION=true); seed as a superuser`);
    }
    if (after.rolsuper) warnings.push(`role "${name}" is a superuser, which is not least privilege`);
    await client.query('COMMIT');
    return { name, created: !before, login: after.rolcanlogin, replication: after.rolreplication, warnings };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
