import { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { serviceSettings } from '../helpers/services.js';

/** Fails fast, with the fix in the message, when the services are not running. */
export default async function setup(): Promise<void> {
  const s = serviceSettings();
  const es = new Client({ node: s.elasticsearchUrl, requestTimeout: 5000, maxRetries: 0 });
  try {
    await es.cluster.health({ wait_for_status: 'yellow', timeout: '30s' });
  } catch (err) {
    throw new Error(`Elasticsearch at ${s.elasticsearchUrl} is not reachable (${(err as Error).message}); run "make services-up"`);
  } finally {
    await es.close();
  }
  const client = new pg.Client({ connectionString: s.databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`PostgreSQL at ${s.pg.host}:${s.pg.port} is not reachable (${(err as Error).message}); run "make services-up"`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
