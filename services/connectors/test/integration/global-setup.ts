import { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import { chainPrefix } from '../../src/sources/postgresql/cdc/chain.js';
import { serviceSettings } from '../helpers/services.js';

/** Fails fast, with the fix in the message, when the services are not running. */
export default async function setup(): Promise<void> {
  const s = serviceSettings();
  const es = new Client({ node: s.elasticsearchUrl, requestTimeout: 5000, maxRetries: 0 });
  try {
    await es.cluster.health({ wait_for_status: 'yellow', timeout: '30s' });
  } catch (err) {
    await es.close();
    throw new Error(`Elasticsearch at ${s.elasticsearchUrl} is not reachable (${(err as Error).message}); run "make services-up"`);
  }
  const client = new pg.Client({ connectionString: s.databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    await es.close();
    await client.end().catch(() => undefined);
    throw new Error(`PostgreSQL at ${s.pg.host}:${s.pg.port} is not reachable (${(err as Error).message}); run "make services-up"`);
  }
  try {
    await dropOrphanedChains(es, client);
  } finally {
    await es.close();
    await client.end().catch(() => undefined);
  }
}

/**
 * Slots of chains whose connector no longer exists (a run that was killed
 * before its cleanup): they keep WAL and use up max_replication_slots, which
 * the incremental-sync tests need. Only inactive slots with our prefix go.
 */
async function dropOrphanedChains(es: Client, db: pg.Client): Promise<void> {
  const res = await es.search({ index: CONNECTORS_ALIAS, size: 10_000, _source: false, ignore_unavailable: true }).catch(() => undefined);
  const live = new Set((res?.hits.hits ?? []).map((h) => chainPrefix(h._id ?? '')));
  const { rows } = await db.query<{ slot_name: string }>("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'pgesc\\_%' AND NOT active");
  const orphans = rows.map((r) => r.slot_name).filter((name) => !live.has(name.slice(0, name.lastIndexOf('_'))));
  for (const slot of orphans) await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
  if (orphans.length) console.warn(`integration setup: dropped ${orphans.length} replication slot(s) of connectors that no longer exist`);
}
