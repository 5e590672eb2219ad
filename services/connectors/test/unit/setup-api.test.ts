import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSetup, setupSettingsSchema } from '../../src/cli/setup.js';
import { createLogger } from '../../src/log/logger.js';
import { newConnectorDoc } from '../../src/protocol/documents.js';
import type { ConnectorDoc } from '../../src/protocol/types.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { recordingClient, type Recorded } from '../helpers/recording-client.js';

const ID = 'postgres-demo';

/** A cluster with the Connector API and security, answering as Elasticsearch would. */
function apiCluster(options: { exists?: boolean; connector?: Partial<ConnectorDoc> } = {}) {
  const doc = { ...newConnectorDoc({ name: 'PostgreSQL demo', index_name: ID, service_type: 'postgresql' }), ...options.connector };
  return recordingClient((r: Recorded) => {
    const p = r.path.split('?')[0];
    if (p === '/_connector' && r.method === 'GET') return { body: { count: 0, results: [] } };
    if (p === `/_connector/${ID}` && r.method === 'GET') return options.exists ? { body: { ...doc, id: ID } } : { status: 404, body: { error: { type: 'resource_not_found_exception' } } };
    if (p === `/_connector/${ID}` && r.method === 'PUT') return { body: { result: 'created', id: ID } };
    if (p === `/.elastic-connectors/_doc/${ID}`) return { body: { _index: '.elastic-connectors-v1', _id: ID, found: true, _seq_no: 3, _primary_term: 1, _source: doc } };
    if (p === '/_security/api_key' && (r.method === 'PUT' || r.method === 'POST')) return { body: { id: 'key-2', name: 'k', api_key: 'x', encoded: 'ZW5jb2RlZA==' } };
    if (p === '/_security/api_key' && r.method === 'GET') return { body: { api_keys: [{ id: 'key-1' }, { id: 'key-2' }] } };
    if (p === '/_security/api_key' && r.method === 'DELETE') return { body: { invalidated_api_keys: ['key-1'], previously_invalidated_api_keys: [], error_count: 0 } };
    if (p === '/_connector/_sync_job') return { body: { id: 'job-1' } };
    if (p?.endsWith('/_search')) return { body: { hits: { hits: [] } } };
    if (r.method === 'HEAD') return { body: {} };
    return { body: { result: 'updated', acknowledged: true } };
  });
}

function settings(outputFile: string) {
  return setupSettingsSchema.parse({
    ELASTICSEARCH_URL: 'http://elasticsearch:9200',
    ELASTIC_PASSWORD: 'elastic-pw-123',
    KIBANA_PASSWORD: 'kibana-pw-456',
    CONNECTOR_PG_HOST: 'postgres',
    CONNECTOR_PG_USERNAME: 'connector_reader',
    CONNECTOR_PG_PASSWORD: 'reader-pw-789',
    CONNECTOR_PG_DATABASE: 'demo',
    CONNECTOR_PG_TABLES: 'products,reviews',
    CONNECTOR_FULL_SCHEDULE: '0 0 3 * * ?',
    SETUP_OUTPUT_FILE: outputFile,
  });
}

const tmpFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'setup-api-')), 'connector.env');
const writes = (calls: Recorded[]) => calls.filter((c) => c.method !== 'GET' && c.method !== 'HEAD' && !c.path.includes('/_search'));

describe('setup on a cluster with the Connector API', () => {
  it('sends the documented requests, in order', async () => {
    const { client, calls } = apiCluster();
    const file = tmpFile();
    const result = await runSetup(client, settings(file), postgresqlSource, createLogger('silent'));
    expect(result).toMatchObject({ backend: 'api', created: true, apiKeyId: 'key-2', firstSyncJobId: 'job-1' });
    const w = writes(calls).map((c) => `${c.method} ${c.path.split('?')[0]}`);
    expect(w).toEqual([
      'PUT /_security/user/kibana_system/_password',
      `PUT /_connector/${ID}`,
      `PUT /_connector/${ID}/_configuration`,
      `PUT /_connector/${ID}/_scheduling`,
      `PUT /_connector/${ID}/_features`,
      'PUT /_security/api_key',
      'DELETE /_security/api_key',
      `PUT /_connector/${ID}/_api_key_id`,
      'POST /_connector/_sync_job',
    ]);
    type Json = Record<string, Record<string, Record<string, unknown>>>;
    const body = (p: string) => calls.find((c) => c.method !== 'GET' && c.path.split('?')[0] === p)?.body as Json;
    expect(body('/_security/user/kibana_system/_password')).toEqual({ password: 'kibana-pw-456' });
    expect(body(`/_connector/${ID}`)).toEqual({ index_name: ID, name: 'PostgreSQL demo', service_type: 'postgresql', is_native: false });
    const configuration = body(`/_connector/${ID}/_configuration`).configuration as Record<string, { value: unknown }>;
    expect(Object.keys(configuration).sort()).toEqual(Object.keys(postgresqlSource.configurationSchema()).sort());
    const value = (k: string) => configuration[k]?.value;
    expect({ host: value('host'), user: value('username'), pw: value('password'), db: value('database'), tables: value('tables') }).toEqual({
      host: 'postgres',
      user: 'connector_reader',
      pw: 'reader-pw-789',
      db: 'demo',
      tables: 'products,reviews',
    });
    expect(body(`/_connector/${ID}/_scheduling`)).toEqual({ scheduling: { full: { enabled: true, interval: '0 0 3 * * ?' } } });
    expect(body(`/_connector/${ID}/_features`)).toEqual({ features: postgresqlSource.features() });
    expect(body(`/_connector/${ID}/_api_key_id`)).toEqual({ api_key_id: 'key-2' });
    expect(body('/_connector/_sync_job')).toEqual({ id: ID, job_type: 'full', trigger_method: 'on_demand' });
    expect(calls.find((c) => c.method === 'DELETE')?.body).toEqual({ ids: ['key-1'] });
  });

  it('asks for a least-privilege API key', async () => {
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, createLogger('silent'));
    const key = calls.find((c) => c.path.startsWith('/_security/api_key') && c.method === 'PUT')?.body as { role_descriptors: Record<string, { cluster: string[]; indices: { names: string[]; privileges: string[] }[] }> };
    const roles = Object.values(key.role_descriptors);
    expect(roles).toHaveLength(1);
    expect(roles[0]!.cluster.sort()).toEqual(['manage_connector', 'monitor']);
    expect(roles[0]!.indices.flatMap((i) => i.names).sort()).toEqual(['.elastic-connectors*', `.search-acl-filter-${ID}`, ID].sort());
    expect(JSON.stringify(roles)).not.toMatch(/superuser|"\*"/);
  });

  it('never resets an existing connector, and queues no sync for one that has synced', async () => {
    const { client, calls } = apiCluster({ exists: true, connector: { last_synced: '2026-01-01T00:00:00Z' } });
    const result = await runSetup(client, settings(tmpFile()), postgresqlSource, createLogger('silent'));
    expect(result.created).toBe(false);
    expect(result.firstSyncJobId).toBeUndefined();
    expect(calls.some((c) => c.method === 'PUT' && c.path.split('?')[0] === `/_connector/${ID}`)).toBe(false);
    expect(calls.some((c) => c.path.startsWith('/_connector/_sync_job'))).toBe(false);
  });

  it('hands the service its connector id and key in an owner-only file', async () => {
    const { client } = apiCluster();
    const file = tmpFile();
    await runSetup(client, settings(file), postgresqlSource, createLogger('silent'));
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^CONNECTOR_IDS=postgres-demo$/m);
    expect(text).toMatch(/^ELASTICSEARCH_API_KEY=ZW5jb2RlZA==$/m);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps the superuser password out of paths and query strings', async () => {
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, createLogger('silent'));
    expect(calls.every((c) => !c.path.includes('elastic-pw-123'))).toBe(true);
    expect(calls.every((c) => !JSON.stringify(c.body ?? '').includes('elastic-pw-123'))).toBe(true);
  });
});
