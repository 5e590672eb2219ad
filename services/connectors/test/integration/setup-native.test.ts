import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { runSetup, setupSettingsSchema } from '../../src/cli/setup.js';
import { createEsClient } from '../../src/es/client.js';
import { createLogger } from '../../src/log/logger.js';
import { CONNECTORS_ALIAS, JOBS_ALIAS } from '../../src/protocol/indices.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { jobsOf, store, uniqueId } from '../helpers/runtime-harness.js';
import { serviceSettings } from '../helpers/services.js';

/** `connectors setup` on a cluster without the Connector API (the native path). */
describe('setup against the native Elasticsearch', () => {
  let client: Client;
  const id = uniqueId('it-setup');
  const outputFile = path.join(mkdtempSync(path.join(tmpdir(), 'setup-')), 'connector.env');
  const settings = (extra: Record<string, string> = {}) =>
    setupSettingsSchema.parse({
      ELASTICSEARCH_URL: serviceSettings().elasticsearchUrl,
      CONNECTOR_ID: id,
      CONNECTOR_INDEX_NAME: id,
      CONNECTOR_PG_HOST: 'db.internal',
      CONNECTOR_PG_PORT: '5433',
      CONNECTOR_PG_PASSWORD: 'reader-secret',
      CONNECTOR_PG_TABLES: 'products,reviews',
      SETUP_OUTPUT_FILE: outputFile,
      ...extra,
    });

  beforeAll(() => {
    client = createEsClient({ url: serviceSettings().elasticsearchUrl, requestTimeoutMs: 30_000, maxRetries: 2, maxWaitMs: 10_000, allowVersionMismatch: false });
  });
  afterAll(async () => {
    for (const job of await jobsOf(client, id)) await client.delete({ index: JOBS_ALIAS, id: job.id, refresh: true });
    await client.delete({ index: CONNECTORS_ALIAS, id, refresh: true }).catch(() => undefined);
    await client.close();
  });

  it('creates a configured connector, a first sync and the service settings file', async () => {
    const result = await runSetup(client, settings(), postgresqlSource, createLogger('silent'));
    expect(result).toMatchObject({ backend: 'index', connectorId: id, created: true, dataView: 'skipped', outputFile });
    const doc = (await store(client).getConnector(id))!.doc;
    expect(doc).toMatchObject({ service_type: 'postgresql', status: 'configured', index_name: id, is_native: false, last_sync_status: null, error: null });
    expect(doc.scheduling.full).toEqual({ enabled: true, interval: '0 0 3 * * ?' });
    expect(doc.features).toEqual(postgresqlSource.features());
    expect(doc.filtering[0]?.active.rules.map((r) => r.id)).toEqual(['DEFAULT']);
    expect(doc.configuration.host?.value).toBe('db.internal');
    expect(doc.configuration.port?.value).toBe(5433);
    expect(doc.configuration.tables?.value).toBe('products,reviews');
    expect(Object.keys(doc.configuration).sort()).toEqual(Object.keys(postgresqlSource.configurationSchema()).sort());
    const jobs = await jobsOf(client, id);
    expect(jobs.map((j) => [j.id, j.doc.status, j.doc.job_type])).toEqual([[result.firstSyncJobId, 'pending', 'full']]);
    expect(readFileSync(outputFile, 'utf8')).toMatch(new RegExp(`^CONNECTOR_IDS=${id}$`, 'm'));
    expect(readFileSync(outputFile, 'utf8')).not.toContain('ELASTICSEARCH_API_KEY');
  });

  it('is idempotent: a re-run updates settings, never duplicates the connector or the sync', async () => {
    const result = await runSetup(client, settings({ CONNECTOR_PG_TABLES: '*' }), postgresqlSource, createLogger('silent'));
    expect(result.created).toBe(false);
    expect(result.firstSyncJobId).toBeUndefined();
    expect((await jobsOf(client, id)).length).toBe(1);
    const doc = (await store(client).getConnector(id))!.doc;
    expect(doc.configuration.tables?.value).toBe('*');
    expect(doc.configuration.host?.value).toBe('db.internal');
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    expect((await client.count({ index: CONNECTORS_ALIAS, query: { ids: { values: [id] } } })).count).toBe(1);
  });

  it('rejects bad settings by name', () => {
    const bad = setupSettingsSchema.safeParse({ CONNECTOR_INDEX_NAME: 'Bad Name', CONNECTOR_PG_PORT: 'five' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path[0]).sort()).toEqual(['CONNECTOR_INDEX_NAME', 'CONNECTOR_PG_PORT']);
  });
});
