import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { ESPRESSO, rowCounts, TABLES } from '@pg-es-connectors/seed/dataset';
import { CONNECTORS_ALIAS, JOBS_ALIAS } from '../../src/protocol/indices.js';
import type { ConnectorDoc, SyncJobDoc } from '../../src/protocol/types.js';
import { createProtocolStore } from '../../src/protocol/detect.js';
import { createLogger } from '../../src/log/logger.js';
import { composeAvailable } from './compose.js';
import { startStack, type QuickstartStack } from './stack.js';
import { eventually } from '../helpers/eventually.js';

/**
 * The product's promise, end to end: seed → setup → connector service → a
 * searchable index that follows the database. Runs natively, and against the
 * compose stack wherever a Docker engine with Compose answers (the private
 * engine of `make docker-up` here, with compose/offline.yml).
 */
const kinds: QuickstartStack['kind'][] = (await composeAvailable()) ? ['native', 'docker'] : ['native'];

describe.each(kinds)('quickstart end to end (%s)', (kind) => {
  let stack: QuickstartStack;
  let es: Client;
  let db: pg.Client;
  let database: string;

  beforeAll(async () => {
    stack = await startStack(kind);
    es = new Client({ node: stack.elasticsearchUrl, ...(stack.auth ? { auth: stack.auth } : {}) });
    db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    database = new URL(stack.databaseUrl).pathname.slice(1);
  }, 1_200_000);

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await es?.close();
    await stack?.stop();
  }, 300_000);

  async function connector(): Promise<ConnectorDoc> {
    const res = await es.get<ConnectorDoc>({ index: CONNECTORS_ALIAS, id: stack.connectorId });
    return res._source!;
  }

  async function latestJob(): Promise<SyncJobDoc & { id: string }> {
    await es.indices.refresh({ index: JOBS_ALIAS });
    const res = await es.search<SyncJobDoc>({ index: JOBS_ALIAS, query: { term: { 'connector.id': stack.connectorId } }, sort: [{ created_at: 'desc' }], size: 1 });
    const hit = res.hits.hits[0];
    if (!hit?._source) throw new Error('no job yet');
    return { ...hit._source, id: hit._id! };
  }

  const until = <T>(what: string, fn: () => Promise<T | undefined>) => eventually(what, fn, { everyMs: 1000, context: () => stack.logs() });

  /** Rows the connector should index: every row of the store's tables, counted in PostgreSQL. */
  async function sourceRows(): Promise<number> {
    let total = 0;
    for (const table of TABLES) {
      total += Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM public.${pg.escapeIdentifier(table)}`)).rows[0]?.n);
    }
    return total;
  }

  it('the connector is connected', async () => {
    const c = await until('connected', async () => ((await connector()).status === 'connected' ? connector() : undefined));
    expect(c.error).toBeNull();
    expect(c.service_type).toBe('postgresql');
    expect(c.index_name).toBe(stack.indexName);
  });

  it('the first full sync completes with every seeded row', async () => {
    const job = await until('first sync', async () => {
      const j = await latestJob();
      return ['completed', 'error', 'canceled'].includes(j.status) ? j : undefined;
    });
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    const expected = await sourceRows();
    expect(expected).toBe(Object.values(rowCounts(stack.seedScale)).reduce((a, b) => a + b, 0));
    expect(job.indexed_document_count).toBe(expected);
    expect(job.total_document_count).toBe(expected);
    await es.indices.refresh({ index: stack.indexName });
    expect((await es.count({ index: stack.indexName })).count).toBe(expected);
    expect((await connector()).last_sync_status).toBe('completed');
  });

  it('a search for a known seeded term finds its row', async () => {
    const res = await es.search<Record<string, unknown>>({ index: stack.indexName, q: ESPRESSO.term });
    expect(res.hits.hits.length).toBeGreaterThanOrEqual(1);
    const top = res.hits.hits[0]!;
    expect(top._id).toBe(`${database}_public_${ESPRESSO.table}_${ESPRESSO.id}`);
    expect(top._source?.[`public_${ESPRESSO.table}_name`]).toBe(ESPRESSO.title);
    expect(top._source?.table).toBe(ESPRESSO.table);
  });

  it('follows the database within seconds, without a sync being asked for: incremental sync', async () => {
    const c = await connector();
    expect(c.features?.incremental_sync?.enabled).toBe(true);
    expect(c.scheduling.incremental).toEqual({ enabled: true, interval: '0/5 * * * * ?' });
    expect((c.sync_cursor as { mode?: string } | null)?.mode).toBe('logical');
    const inserted = await db.query<{ id: number }>(
      `INSERT INTO public.categories (id, parent_id, name, slug, path, description)
       VALUES ((SELECT max(id) + 1 FROM public.categories), NULL, 'Zanzibar gadgets', 'e2e-zanzibar', 'e2e-zanzibar', 'Inserted by the e2e test')
       RETURNING id`,
    );
    const newId = inserted.rows[0]!.id;
    const removed = await db.query<{ id: string }>('DELETE FROM public.reviews WHERE id = (SELECT min(id) FROM public.reviews) RETURNING id::text');
    const removedId = removed.rows[0]!.id;
    const committed = Date.now();
    await eventually(
      'the insert and the delete in the index',
      async () => {
        const found = await es.search({ index: stack.indexName, q: 'Zanzibar' });
        const gone = (await es.count({ index: stack.indexName, query: { ids: { values: [`${database}_public_reviews_${removedId}`] } } })).count === 0;
        return found.hits.hits.some((h) => h._id === `${database}_public_categories_${newId}`) && gone ? true : undefined;
      },
      { everyMs: 200, timeoutMs: 60_000, context: () => stack.logs() },
    );
    // Seconds, not the daily full schedule; the bound is generous for a loaded CI machine.
    expect(Date.now() - committed).toBeLessThan(30_000);
    const jobs = await es.search<SyncJobDoc>({ index: JOBS_ALIAS, query: { bool: { filter: [{ term: { 'connector.id': stack.connectorId } }, { term: { job_type: 'incremental' } }] } } });
    expect(jobs.hits.hits.length).toBeGreaterThanOrEqual(1);
  });

  it('a full sync on demand still completes and agrees with the database', async () => {
    // What "Sync" in Kibana (or `connectors sync`) does.
    const store = await createProtocolStore(es, 'auto', createLogger('silent'));
    const jobId = await store.createJob(stack.connectorId, 'full', 'on_demand');
    const job = await until('the full sync', async () => {
      const j = await store.getJob(jobId);
      return j && ['completed', 'error', 'canceled'].includes(j.doc.status) ? j.doc : undefined;
    });
    expect([job.status, job.error]).toEqual(['completed', null]);
    // Incremental sync already applied the delete: nothing stale is left for the full sync.
    expect(job.deleted_document_count).toBe(0);
    expect(job.total_document_count).toBe(await sourceRows());
  });

  it('the service reports healthy and ready (through the published port on compose)', async () => {
    expect((await fetch(stack.healthUrl)).status).toBe(200);
    const ready = await fetch(stack.healthUrl.replace(/\/health$/, '/ready'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });

  it('Kibana has the data view (stacks with Kibana only)', async (ctx) => {
    if (!stack.kibanaUrl || !stack.dataViewId) ctx.skip();
    const auth = Buffer.from(`${stack.auth!.username}:${stack.auth!.password}`).toString('base64');
    const res = await fetch(`${stack.kibanaUrl}/api/data_views/data_view/${stack.dataViewId}`, { headers: { authorization: `Basic ${auth}` } });
    expect(res.status).toBe(200);
  });
});
