import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSetup, setupSettingsSchema, type SetupResult } from '../../src/cli/setup/index.js';
import { createEsClient } from '../../src/es/client.js';
import { createLogger } from '../../src/log/logger.js';
import { CONNECTORS_ALIAS, CONNECTORS_INDEX, JOBS_ALIAS } from '../../src/protocol/indices.js';
import type { ConnectorDoc, SyncJobDoc } from '../../src/protocol/types.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { serviceSettings } from '../helpers/services.js';

/**
 * `connectors setup` against the test Elasticsearch, which has no x-pack and so
 * no Connector API: setup must write the connector documents itself, shaped as
 * the API would (reference A.3), and converge when run again.
 */
describe('setup on a cluster without the Connector API', () => {
  const id = `it-setup-${randomBytes(4).toString('hex')}`;
  const index = `${id}-content`;
  const dir = mkdtempSync(path.join(tmpdir(), 'setup-native-'));
  const outputFile = path.join(dir, 'connector.env');
  const log = createLogger('silent');
  let client: Client;

  const env = (extra: Record<string, string> = {}) =>
    setupSettingsSchema.parse({
      ELASTICSEARCH_URL: serviceSettings().elasticsearchUrl,
      CONNECTOR_ID: id,
      CONNECTOR_NAME: 'Setup integration test',
      CONNECTOR_INDEX_NAME: index,
      CONNECTOR_PG_HOST: 'db.internal',
      CONNECTOR_PG_PORT: '5433',
      CONNECTOR_PG_USERNAME: 'reader',
      CONNECTOR_PG_PASSWORD: 'reader-secret',
      CONNECTOR_PG_DATABASE: 'shop',
      CONNECTOR_PG_SCHEMA: 'sales',
      CONNECTOR_PG_TABLES: 'products,reviews',
      CONNECTOR_FULL_SCHEDULE: '0 15 4 * * ?',
      SETUP_OUTPUT_FILE: outputFile,
      ...extra,
    });

  /** The connector document read straight from Elasticsearch, not through the code under test. */
  async function connectorDoc(): Promise<{ index: string; doc: ConnectorDoc }> {
    const res = await client.get<ConnectorDoc>({ index: CONNECTORS_ALIAS, id });
    expect(res.found).toBe(true);
    return { index: res._index, doc: res._source! };
  }

  async function jobs(): Promise<{ id: string; doc: SyncJobDoc }[]> {
    await client.indices.refresh({ index: JOBS_ALIAS });
    const res = await client.search<SyncJobDoc>({
      index: JOBS_ALIAS,
      query: { term: { 'connector.id': id } },
      size: 100,
      sort: [{ created_at: 'asc' }],
    });
    return res.hits.hits.map((h) => ({ id: h._id!, doc: h._source! }));
  }

  async function connectorCount(): Promise<number> {
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    const res = await client.count({ index: CONNECTORS_ALIAS, query: { bool: { should: [{ ids: { values: [id] } }, { term: { index_name: index } }] } } });
    return res.count;
  }

  function expectedConfiguration(values: Record<string, unknown>) {
    const schema = postgresqlSource.configurationSchema();
    for (const [key, value] of Object.entries(values)) schema[key]!.value = value;
    return schema;
  }
  const firstValues = { host: 'db.internal', port: 5433, username: 'reader', password: 'reader-secret', database: 'shop', schema: 'sales', tables: 'products,reviews', publication: 'connectors_demo' };

  beforeAll(() => {
    client = createEsClient({ url: serviceSettings().elasticsearchUrl, requestTimeoutMs: 30_000, maxRetries: 2, maxWaitMs: 10_000, allowVersionMismatch: false });
  });

  afterAll(async () => {
    if (!client) return;
    for (const job of await jobs().catch(() => [])) await client.delete({ index: JOBS_ALIAS, id: job.id, refresh: true }).catch(() => undefined);
    await client.delete({ index: CONNECTORS_ALIAS, id, refresh: true }).catch(() => undefined);
    await client.close();
  });

  let first: SetupResult;
  let firstConfiguration: ConnectorDoc['configuration'];

  it('first run: creates the connector document with the A.3 defaults, configured', async () => {
    first = await runSetup(client, env(), postgresqlSource, log);
    expect(first).toEqual({ backend: 'index', connectorId: id, created: true, firstSyncJobId: expect.any(String), dataView: 'skipped', outputFile });

    const { index: concrete, doc } = await connectorDoc();
    // Written through the alias into the concrete index, never into an index named like the alias.
    expect(concrete).toBe(CONNECTORS_INDEX);
    expect(doc).toMatchObject({
      name: 'Setup integration test',
      index_name: index,
      service_type: 'postgresql',
      status: 'configured',
      is_native: false,
      deleted: false,
      sync_now: false,
      custom_scheduling: {},
    });
    // What PUT _connector, _configuration, _scheduling and _features write, and nothing else: no nulls (item 5 of issue 11).
    expect(Object.keys(doc).sort()).toEqual(
      ['configuration', 'custom_scheduling', 'deleted', 'features', 'filtering', 'index_name', 'is_native', 'name', 'scheduling', 'service_type', 'status', 'sync_now'].sort(),
    );
    expect(doc.scheduling).toEqual({
      full: { enabled: true, interval: '0 15 4 * * ?' },
      // Incremental syncs every 5 s by default; a job only when changes wait.
      incremental: { enabled: true, interval: '0/5 * * * * ?' },
      access_control: { enabled: false, interval: '0 0 0 * * ?' },
    });
    expect(doc.features).toEqual(postgresqlSource.features());
    expect(doc.filtering).toHaveLength(1);
    const filtering = doc.filtering[0]!;
    expect(filtering.domain).toBe('DEFAULT');
    for (const side of [filtering.active, filtering.draft]) {
      expect(side.rules).toEqual([expect.objectContaining({ id: 'DEFAULT', policy: 'include', field: '_', rule: 'regex', value: '.*' })]);
      expect(side.validation).toEqual({ state: 'valid', errors: [] });
      expect(side.advanced_snippet.value).toEqual({});
    }
    expect(doc.configuration).toEqual(expectedConfiguration(firstValues));
    firstConfiguration = doc.configuration;
  });

  it('first run: queues exactly one pending full sync for the connector', async () => {
    const queued = await jobs();
    expect(queued).toHaveLength(1);
    const job = queued[0]!;
    expect(job.id).toBe(first.firstSyncJobId);
    expect(job.doc).toMatchObject({ status: 'pending', job_type: 'full', trigger_method: 'on_demand' });
    // Set by the claim and the end of the job, absent before (as POST _connector/_sync_job leaves them).
    for (const field of ['worker_hostname', 'started_at', 'completed_at', 'canceled_at', 'cancelation_requested_at', 'error']) expect(job.doc).not.toHaveProperty(field);
    expect(job.doc.connector).toMatchObject({ id, index_name: index, service_type: 'postgresql' });
    expect(job.doc.connector.configuration.tables?.value).toBe('products,reviews');
  });

  it('first run: writes the connector id, and no API key, to an owner-only settings file', () => {
    const text = readFileSync(outputFile, 'utf8');
    expect(text.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([`CONNECTOR_IDS=${id}`]);
    expect(text).not.toContain('ELASTICSEARCH_API_KEY');
    expect(statSync(outputFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['connector.env']);
  });

  it('second run with the same settings: converges, no duplicate connector or sync', async () => {
    const again = await runSetup(client, env(), postgresqlSource, log);
    expect(again.created).toBe(false);
    expect(again.firstSyncJobId).toBeUndefined();
    expect(await connectorCount()).toBe(1);
    const queued = await jobs();
    expect(queued.map((j) => [j.id, j.doc.status])).toEqual([[first.firstSyncJobId, 'pending']]);
    const { doc } = await connectorDoc();
    expect(doc.configuration).toEqual(firstConfiguration);
    expect(doc.features).toEqual(postgresqlSource.features());
    expect(doc.scheduling.full).toEqual({ enabled: true, interval: '0 15 4 * * ?' });
    expect(readFileSync(outputFile, 'utf8')).toContain(`CONNECTOR_IDS=${id}`);
  });

  it('a run with a changed setting updates its value and keeps what was edited elsewhere', async () => {
    // A user changed an advanced option in Kibana meanwhile.
    const { doc: before } = await connectorDoc();
    const edited = structuredClone(before.configuration);
    edited.field_naming!.value = 'column';
    await client.update({ index: CONNECTORS_ALIAS, id, doc: { configuration: edited }, refresh: true });

    const result = await runSetup(
      client,
      env({ CONNECTOR_PG_TABLES: 'products', CONNECTOR_FULL_SCHEDULE: '0 0 1 * * ?', CONNECTOR_INCREMENTAL_SCHEDULE: 'off' }),
      postgresqlSource,
      log,
    );
    expect(result.created).toBe(false);
    const { doc } = await connectorDoc();
    expect(doc.configuration.tables?.value).toBe('products');
    expect(doc.configuration.field_naming?.value).toBe('column');
    const expected = expectedConfiguration({ ...firstValues, tables: 'products', field_naming: 'column' });
    expect(doc.configuration).toEqual(expected);
    expect(doc.scheduling.full).toEqual({ enabled: true, interval: '0 0 1 * * ?' });
    expect(doc.scheduling.incremental).toEqual({ enabled: false, interval: '0/5 * * * * ?' });
    expect(await connectorCount()).toBe(1);
    expect(await jobs()).toHaveLength(1);
  });

  it('queues a new first sync only while the connector has never synced and nothing is queued', async () => {
    // The first job was canceled before it ran: nothing queued, never synced.
    await client.update({ index: JOBS_ALIAS, id: first.firstSyncJobId!, doc: { status: 'canceled' }, refresh: true });
    const requeued = await runSetup(client, env(), postgresqlSource, log);
    expect(requeued.firstSyncJobId).toEqual(expect.any(String));
    expect(requeued.firstSyncJobId).not.toBe(first.firstSyncJobId);
    let all = await jobs();
    expect(all.filter((j) => j.doc.status === 'pending').map((j) => j.id)).toEqual([requeued.firstSyncJobId]);

    // Once it has synced, no further first sync, even with nothing queued.
    await client.update({ index: JOBS_ALIAS, id: requeued.firstSyncJobId!, doc: { status: 'completed' }, refresh: true });
    await client.update({ index: CONNECTORS_ALIAS, id, doc: { last_synced: new Date().toISOString(), last_sync_status: 'completed' }, refresh: true });
    const synced = await runSetup(client, env(), postgresqlSource, log);
    expect(synced.firstSyncJobId).toBeUndefined();
    all = await jobs();
    expect(all).toHaveLength(2);
    expect(all.filter((j) => j.doc.status === 'pending')).toHaveLength(0);
  });

  it('a changed CONNECTOR_INDEX_NAME moves the connector to the new index on re-run', async () => {
    const moved = `${index}-v2`;
    const result = await runSetup(client, env({ CONNECTOR_INDEX_NAME: moved }), postgresqlSource, log);
    expect(result.created).toBe(false);
    const { doc } = await connectorDoc();
    expect(doc.index_name).toBe(moved);
    expect(await connectorCount()).toBe(1);
  });

  it('with the compose .env ELASTIC_PASSWORD and Kibana settings on a cluster without security: no API key, no kibana_system, no data view', async () => {
    const result = await runSetup(
      client,
      env({ ELASTIC_PASSWORD: 'elasticdemo', KIBANA_PASSWORD: 'kibanademo', KIBANA_URL: 'http://127.0.0.1:1' }),
      postgresqlSource,
      log,
    );
    expect(result.apiKeyId).toBeUndefined();
    expect(result.dataView).toBe('skipped');
    expect(readFileSync(outputFile, 'utf8')).not.toContain('ELASTICSEARCH_API_KEY');
  });
});
