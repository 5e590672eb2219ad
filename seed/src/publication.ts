/**
 * The publication incremental sync reads: created by the seed because only a
 * table's owner (or a superuser) may publish it, so the connector's role needs
 * no ownership. Kept to exactly the seed's tables on every run.
 */
import type pg from 'pg';
import { SeedError, pgCode } from './errors.js';
import type { TableName } from './dataset.js';
import { qualified, quoteIdent } from './schema.js';

export interface PublicationResult {
  name: string;
  created: boolean;
}

export async function ensurePublication(client: pg.ClientBase, name: string, schema: string, tables: readonly TableName[]): Promise<PublicationResult> {
  const list = tables.map((t) => qualified(schema, t)).join(', ');
  const { rowCount } = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
  const exists = rowCount === 1;
  try {
    if (exists) await client.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${list}`);
    else await client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${list}`);
  } catch (err) {
    if (pgCode(err) === '42501') {
      throw new SeedError(`cannot ${exists ? 'alter' : 'create'} publication "${name}": ${(err as Error).message}. The seeding user must own the tables; or set SEED_PUBLICATION= (empty) to skip it`);
    }
    throw err;
  }
  return { name, created: !exists };
}
