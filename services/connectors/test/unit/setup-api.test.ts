import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BaseConnection, type ConnectionRequestParams, type ConnectionRequestResponse } from '@elastic/transport';
import { Client } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { runSetup, setupSettingsSchema, type SetupSettings } from '../../src/cli/setup/index.js';
import { DEFAULT_ROLE_FILE, loadConnectorRole } from '../../src/cli/setup/index.js';
import { roleFingerprint } from '../../src/cli/setup/role.js';
import { createLogger } from '../../src/log/logger.js';
import { newConnectorDoc, newJobDoc } from '../../src/protocol/documents.js';
import type { ConnectorDoc } from '../../src/protocol/types.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';

/**
 * `connectors setup` against a cluster that has the Connector API and security.
 * No such cluster runs in the test environment, so a real @elastic/elasticsearch
 * Client is given a connection that records every HTTP request and answers the
 * way Elasticsearch 9.x would; the assertions are on the wire requests.
 */

interface Call {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Path with the query string, exactly as sent. */
  url: string;
  body: unknown;
  rawBody: string;
  headers: Record<string, unknown>;
}

type Reply = { status?: number; body: unknown };

function recordingClient(respond: (c: Call) => Reply, auth?: { username: string; password: string }) {
  const calls: Call[] = [];
  class Recorder extends BaseConnection {}
  // Only buffered bodies are needed here, so the stream overloads are not implemented.
  Recorder.prototype.request = async function (this: BaseConnection, params: ConnectionRequestParams): Promise<ConnectionRequestResponse> {
    const rawBody = params.body == null ? '' : String(params.body);
    const qs = typeof params.querystring === 'string' ? params.querystring : '';
    const call: Call = {
      method: params.method,
      path: params.path,
      query: new URLSearchParams(qs),
      url: qs ? `${params.path}?${qs}` : params.path,
      body: rawBody ? (JSON.parse(rawBody) as unknown) : undefined,
      rawBody,
      headers: { ...this.headers, ...params.headers },
    };
    calls.push(call);
    const reply = respond(call);
    return {
      statusCode: reply.status ?? 200,
      headers: { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' },
      body: params.method === 'HEAD' ? '' : JSON.stringify(reply.body),
    };
  } as unknown as BaseConnection['request'];
  const client = new Client({ node: 'http://es.test:9200', Connection: Recorder, maxRetries: 0, ...(auth ? { auth } : {}) });
  return { client, calls };
}

const ID = 'pg-demo-1';
const INDEX = 'catalog';
const ELASTIC_PW = 'el@stic Pw#1';
const KIBANA_PW = 'kib&na-pw/2';
const PG_PW = 'reader-pw-3';
const SCHEDULE = '0 30 2 * * ?';

interface ClusterOptions {
  /** The connector is already registered, with these fields. */
  existing?: Partial<ConnectorDoc>;
  /** A pending full job for the connector is already queued. */
  queuedJob?: boolean;
  /** API keys Elasticsearch knows, by id (for GET _security/api_key?id=). */
  keys?: { id: string; name: string; metadata: Record<string, unknown>; invalidated?: boolean }[];
  /** Whether a presented API key authenticates (GET _security/_authenticate). */
  keyAuthenticates?: boolean;
}

/** An x-pack Elasticsearch in miniature: keeps the connector document the API calls write. */
function apiCluster(options: ClusterOptions = {}) {
  let connector: ConnectorDoc | null = options.existing
    ? { ...newConnectorDoc({ name: 'old name', index_name: INDEX, service_type: 'postgresql' }), ...options.existing }
    : null;
  let seqNo = 5;
  const jobs: { _id: string; _source: unknown; _seq_no: number; _primary_term: number; sort: unknown[] }[] = [];
  if (options.queuedJob && connector) {
    jobs.push({ _id: 'job-0', _source: newJobDoc(ID, connector, 'full', 'scheduled'), _seq_no: 1, _primary_term: 1, sort: [1, 0] });
  }
  const notFound = { status: 404, body: { error: { type: 'resource_missing_exception', reason: `connector [${ID}] not found` }, status: 404 } };
  const write = (fields: Partial<ConnectorDoc>): Reply => {
    if (!connector) return notFound;
    connector = { ...connector, ...fields };
    seqNo++;
    return { body: { result: 'updated' } };
  };

  const recorder = recordingClient((c) => {
    const b = (c.body ?? {}) as Record<string, unknown>;
    const route = `${c.method} ${c.path}`;
    switch (route) {
      case 'GET /_connector':
        return { body: { count: 0, results: [] } };
      case 'HEAD /.elastic-connectors':
      case 'HEAD /.elastic-connectors-sync-jobs':
        return { body: '' };
      case 'PUT /_security/user/kibana_system/_password':
      case 'POST /_security/user/kibana_system/_password':
        return { body: {} };
      case `GET /_connector/${ID}`:
        return connector ? { body: { ...connector, id: ID } } : notFound;
      case `PUT /_connector/${ID}`:
        connector = newConnectorDoc(b as Parameters<typeof newConnectorDoc>[0]);
        seqNo++;
        return { body: { result: 'created', id: ID } };
      case `GET /.elastic-connectors/_doc/${ID}`:
        return connector
          ? { body: { _index: '.elastic-connectors-v1', _id: ID, _version: seqNo, _seq_no: seqNo, _primary_term: 1, found: true, _source: connector } }
          : { status: 404, body: { _index: '.elastic-connectors-v1', _id: ID, found: false } };
      case `PUT /_connector/${ID}/_configuration`:
        return write({ configuration: b.configuration as ConnectorDoc['configuration'], status: 'configured' });
      case `PUT /_connector/${ID}/_scheduling`:
        return write({ scheduling: { ...connector!.scheduling, ...(b.scheduling as ConnectorDoc['scheduling']) } });
      case `PUT /_connector/${ID}/_features`:
        return write({ features: b.features as ConnectorDoc['features'] });
      case `PUT /_connector/${ID}/_index_name`:
        return write({ index_name: b.index_name as string });
      case `PUT /_connector/${ID}/_api_key_id`:
        return write({ api_key_id: b.api_key_id as string });
      case 'PUT /_security/api_key':
      case 'POST /_security/api_key':
        return { body: { id: 'key-2', name: b.name, api_key: 'x', encoded: 'ZW5jb2RlZA==' } };
      case 'GET /_security/api_key': {
        const byId = c.query.get('id');
        if (byId) {
          const key = (options.keys ?? []).find((k) => k.id === byId);
          return key ? { body: { api_keys: [{ invalidated: false, ...key }] } } : { body: { api_keys: [] } };
        }
        return { body: { api_keys: [{ id: 'key-1', name: b.name }, { id: 'key-2', name: b.name }] } };
      }
      case 'GET /_security/_authenticate':
        // Setup's own check that security is on, as the superuser.
        if (!String(c.headers.authorization ?? '').startsWith('ApiKey ')) return { body: { username: 'elastic', authentication_type: 'realm' } };
        return options.keyAuthenticates === false
          ? { status: 401, body: { error: { type: 'security_exception', reason: 'unable to authenticate' }, status: 401 } }
          : { body: { username: 'key-owner', authentication_type: 'api_key' } };
      case 'DELETE /_security/api_key':
        return { body: { invalidated_api_keys: ['key-1'], previously_invalidated_api_keys: [], error_count: 0 } };
      case 'POST /_connector/_sync_job':
        return { body: { id: 'job-1' } };
      case 'GET /.elastic-connectors-sync-jobs/_search':
      case 'POST /.elastic-connectors-sync-jobs/_search':
        return { body: { took: 1, timed_out: false, hits: { total: { value: jobs.length, relation: 'eq' }, hits: jobs } } };
      default:
        return { body: { result: 'updated', acknowledged: true } };
    }
  }, { username: 'elastic', password: ELASTIC_PW });
  return { ...recorder, connector: () => connector };
}

function tmpFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'setup-api-')), 'out', 'connector.env');
}

function settings(outputFile: string, extra: Record<string, string> = {}): SetupSettings {
  return setupSettingsSchema.parse({
    ELASTICSEARCH_URL: 'https://elasticsearch:9200',
    ELASTIC_PASSWORD: ELASTIC_PW,
    KIBANA_PASSWORD: KIBANA_PW,
    CONNECTOR_ID: ID,
    CONNECTOR_NAME: 'Catalog from PostgreSQL',
    CONNECTOR_INDEX_NAME: INDEX,
    CONNECTOR_PG_HOST: 'pg.internal',
    CONNECTOR_PG_PORT: '6543',
    CONNECTOR_PG_USERNAME: 'reader',
    CONNECTOR_PG_PASSWORD: PG_PW,
    CONNECTOR_PG_DATABASE: 'shop',
    CONNECTOR_PG_SCHEMA: 'sales',
    CONNECTOR_PG_TABLES: 'products,reviews',
    CONNECTOR_FULL_SCHEDULE: SCHEDULE,
    SETUP_OUTPUT_FILE: outputFile,
    ...extra,
  });
}

const silent = createLogger('silent');
const isRead = (c: Call) => c.method === 'GET' || c.method === 'HEAD' || c.path.endsWith('/_search');
const route = (c: Call) => `${c.method} ${c.path}`;
const findCall = (calls: Call[], method: string, p: string): Call => {
  const found = calls.find((c) => c.method === method && c.path === p);
  if (!found) throw new Error(`no ${method} ${p} among ${calls.map(route).join(', ')}`);
  return found;
};

describe('setup with the Connector API: a new connector', () => {
  it('sends the writes in order: kibana password, connector, configuration, schedule, features, key, key id, first sync', async () => {
    const { client, calls } = apiCluster();
    const result = await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(result).toMatchObject({ backend: 'api', connectorId: ID, created: true, apiKeyId: 'key-2', firstSyncJobId: 'job-1', dataView: 'skipped' });

    // The detection probe is the very first request.
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/_connector' });
    expect(calls[0]?.query.get('size')).toBe('0');

    const writes = calls.filter((c) => !isRead(c));
    expect(writes.map((c) => c.path)).toEqual([
      '/_security/user/kibana_system/_password',
      `/_connector/${ID}`,
      `/_connector/${ID}/_configuration`,
      `/_connector/${ID}/_scheduling`,
      `/_connector/${ID}/_features`,
      '/_security/api_key',
      '/_security/api_key',
      `/_connector/${ID}/_api_key_id`,
      '/_connector/_sync_job',
    ]);
    expect(['PUT', 'POST']).toContain(writes[0]?.method);
    expect(writes.slice(1).map((c) => c.method)).toEqual(['PUT', 'PUT', 'PUT', 'PUT', writes[5]?.method, 'DELETE', 'PUT', 'POST']);
    expect(['PUT', 'POST']).toContain(writes[5]?.method);
  });

  it('sets the kibana_system password to KIBANA_PASSWORD', async () => {
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    const pw = calls.find((c) => c.path === '/_security/user/kibana_system/_password');
    expect(pw?.body).toEqual({ password: KIBANA_PW });
  });

  it('checks for the connector, soft-deleted ones included, before creating it with PUT', async () => {
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    const get = findCall(calls, 'GET', `/_connector/${ID}`);
    expect(get.query.get('include_deleted')).toBe('true');
    const put = findCall(calls, 'PUT', `/_connector/${ID}`);
    expect(calls.indexOf(get)).toBeLessThan(calls.indexOf(put));
    expect(put.body).toEqual({ index_name: INDEX, name: 'Catalog from PostgreSQL', service_type: 'postgresql', is_native: false });
  });

  it('writes the whole configuration schema with the settings as values', async () => {
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    const { configuration } = findCall(calls, 'PUT', `/_connector/${ID}/_configuration`).body as { configuration: Record<string, Record<string, unknown>> };
    const schema = postgresqlSource.configurationSchema();
    expect(Object.keys(configuration).sort()).toEqual(Object.keys(schema).sort());
    const values = { host: 'pg.internal', port: 6543, username: 'reader', password: PG_PW, database: 'shop', schema: 'sales', tables: 'products,reviews', publication: 'connectors_demo' };
    for (const [key, value] of Object.entries(values)) expect(configuration[key]?.value, key).toStrictEqual(value);
    // Every other entry is the schema's own, complete with its metadata.
    for (const [key, field] of Object.entries(schema)) {
      expect(configuration[key], key).toEqual(key in values ? { ...field, value: values[key as keyof typeof values] } : field);
    }
    expect(configuration.password?.sensitive).toBe(true);
  });

  it('enables the daily full sync and incremental syncs every 5 s, and publishes the source features', async () => {
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(findCall(calls, 'PUT', `/_connector/${ID}/_scheduling`).body).toEqual({
      scheduling: { full: { enabled: true, interval: SCHEDULE }, incremental: { enabled: true, interval: '0/5 * * * * ?' } },
    });
    expect(findCall(calls, 'PUT', `/_connector/${ID}/_features`).body).toEqual({ features: postgresqlSource.features() });
  });

  it('creates a least-privilege API key, revokes the older one of the same name and records the new id', async () => {
    const { client, calls, connector } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    const create = calls.find((c) => c.path === '/_security/api_key' && (c.method === 'PUT' || c.method === 'POST'));
    const body = create?.body as {
      name: string;
      role_descriptors: Record<string, { cluster: string[]; indices: { names: string[]; privileges: string[]; allow_restricted_indices?: boolean }[] } & Record<string, unknown>>;
    };
    expect(body.name).toBe(`pg-es-connectors-${ID}`);
    const roles = Object.values(body.role_descriptors);
    expect(roles).toHaveLength(1);
    const role = roles[0]!;
    expect(Object.keys(role).sort()).toEqual(['cluster', 'indices']);
    // read_pipeline: the service checks the connector's ingest pipeline exists before using it.
    expect([...role.cluster].sort()).toEqual(['manage_connector', 'monitor', 'read_pipeline']);
    expect(role.indices.flatMap((i) => i.names).sort()).toEqual(['.elastic-connectors*', INDEX].sort());
    for (const entry of role.indices) {
      expect(entry.privileges).not.toContain('all');
      expect(entry.privileges).not.toContain('manage');
      expect(entry.allow_restricted_indices ?? false).toBe(false);
    }
    // The connector indices: read and write documents, never delete them.
    expect(role.indices.find((i) => i.names.includes('.elastic-connectors*'))?.privileges).toEqual(['read', 'index', 'view_index_metadata']);
    expect((create?.body as { metadata: Record<string, unknown> }).metadata).toMatchObject({ index_name: INDEX, role: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const text = JSON.stringify(body.role_descriptors);
    expect(text).not.toMatch(/superuser|"\*"|run_as|manage_security|manage_api_key|applications/);

    // Older keys are looked up by the same name, active ones only, after the new key exists.
    const list = findCall(calls, 'GET', '/_security/api_key');
    expect(list.query.get('name')).toBe(`pg-es-connectors-${ID}`);
    expect(list.query.get('active_only')).toBe('true');
    const invalidate = findCall(calls, 'DELETE', '/_security/api_key');
    expect(calls.indexOf(create!)).toBeLessThan(calls.indexOf(list));
    expect(calls.indexOf(list)).toBeLessThan(calls.indexOf(invalidate));
    expect(invalidate.body).toEqual({ ids: ['key-1'] });

    expect(findCall(calls, 'PUT', `/_connector/${ID}/_api_key_id`).body).toEqual({ api_key_id: 'key-2' });
    expect(connector()?.api_key_id).toBe('key-2');
  });

  it('queues the first full sync through POST _connector/_sync_job after checking for queued jobs', async () => {
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    const search = calls.find((c) => c.path === '/.elastic-connectors-sync-jobs/_search');
    expect(JSON.stringify(search?.body)).toContain(JSON.stringify({ terms: { 'connector.id': [ID] } }));
    const post = findCall(calls, 'POST', '/_connector/_sync_job');
    expect(calls.indexOf(search!)).toBeLessThan(calls.indexOf(post));
    expect(post.body).toEqual({ id: ID, job_type: 'full', trigger_method: 'on_demand' });
    expect(calls.filter((c) => c.path.startsWith('/_connector/_sync_job'))).toHaveLength(1);
  });
});

describe('setup with the Connector API: an existing connector', () => {
  it('never PUTs the connector again (that would reset it), but updates its settings', async () => {
    const { client, calls, connector } = apiCluster({ existing: { name: 'kept', status: 'connected' } });
    const result = await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(result.created).toBe(false);
    expect(calls.some((c) => c.method === 'PUT' && c.path === `/_connector/${ID}`)).toBe(false);
    expect(calls.some((c) => c.method === 'POST' && c.path === '/_connector')).toBe(false);
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.path)).toEqual(
      expect.arrayContaining([`/_connector/${ID}/_configuration`, `/_connector/${ID}/_scheduling`, `/_connector/${ID}/_features`, `/_connector/${ID}/_api_key_id`]),
    );
    expect(connector()?.name).toBe('kept');
  });

  it('creates no sync job once the connector has synced', async () => {
    const { client, calls } = apiCluster({ existing: { last_synced: '2026-01-01T03:00:05.000Z', last_sync_status: 'completed' } });
    const result = await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(result.firstSyncJobId).toBeUndefined();
    expect(calls.some((c) => c.path.startsWith('/_connector/_sync_job'))).toBe(false);
  });

  it('creates no second sync job while one is queued', async () => {
    const { client, calls } = apiCluster({ existing: {}, queuedJob: true });
    const result = await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(result.firstSyncJobId).toBeUndefined();
    expect(calls.some((c) => c.path.startsWith('/_connector/_sync_job'))).toBe(false);
  });

  it('moves the connector to a changed CONNECTOR_INDEX_NAME through the _index_name endpoint', async () => {
    const { client, calls, connector } = apiCluster({ existing: { index_name: 'old-index' } });
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(findCall(calls, 'PUT', `/_connector/${ID}/_index_name`).body).toEqual({ index_name: INDEX });
    expect(connector()?.index_name).toBe(INDEX);
  });

  it('leaves the index name alone when it has not changed', async () => {
    const { client, calls } = apiCluster({ existing: {} });
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(calls.some((c) => c.path.endsWith('/_index_name'))).toBe(false);
  });

  it('recreates a soft-deleted connector', async () => {
    const { client, calls } = apiCluster({ existing: { deleted: true } });
    const result = await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(result.created).toBe(true);
    expect(calls.filter((c) => c.method === 'PUT' && c.path === `/_connector/${ID}`)).toHaveLength(1);
  });
});

describe('setup with the Connector API: options', () => {
  it('skips the sync when SETUP_FIRST_SYNC=false', async () => {
    const { client, calls } = apiCluster();
    const result = await runSetup(client, settings(tmpFile(), { SETUP_FIRST_SYNC: 'false' }), postgresqlSource, silent);
    expect(result.firstSyncJobId).toBeUndefined();
    expect(calls.some((c) => c.path.startsWith('/_connector/_sync_job'))).toBe(false);
  });

  it('without ELASTIC_PASSWORD: no password change, no API key, and no key in the output file', async () => {
    const file = tmpFile();
    const { client, calls } = apiCluster();
    const s = settings(file);
    const result = await runSetup(client, { ...s, ELASTIC_PASSWORD: undefined }, postgresqlSource, silent);
    expect(result.apiKeyId).toBeUndefined();
    expect(calls.some((c) => c.path.startsWith('/_security/'))).toBe(false);
    expect(calls.some((c) => c.path.endsWith('/_api_key_id'))).toBe(false);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(new RegExp(`^CONNECTOR_IDS=${ID}$`, 'm'));
    expect(text).not.toContain('ELASTICSEARCH_API_KEY');
  });
});

describe('setup with the Connector API: the role file', () => {
  const keyRequest = (calls: Call[]) => calls.find((c) => c.path === '/_security/api_key' && (c.method === 'PUT' || c.method === 'POST'));

  it('gives the key the roles of SETUP_ROLE_FILE, with the index name substituted', async () => {
    const roleFile = path.join(mkdtempSync(path.join(tmpdir(), 'setup-api-')), 'role.json');
    writeFileSync(roleFile, JSON.stringify({ narrow: { cluster: ['monitor'], indices: [{ names: ['${CONNECTOR_INDEX_NAME}'], privileges: ['read'] }] } }));
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile(), { SETUP_ROLE_FILE: roleFile }), postgresqlSource, silent);
    expect((keyRequest(calls)?.body as { role_descriptors: unknown }).role_descriptors).toEqual({
      narrow: { cluster: ['monitor'], indices: [{ names: [INDEX], privileges: ['read'] }] },
    });
  });

  it('fails naming a missing role file, before creating any key', async () => {
    const missing = path.join(tmpdir(), 'no-such-dir', 'role.json');
    const { client, calls } = apiCluster();
    await expect(runSetup(client, settings(tmpFile(), { SETUP_ROLE_FILE: missing }), postgresqlSource, silent)).rejects.toThrow(missing);
    expect(keyRequest(calls)).toBeUndefined();
  });

  it('is not needed without ELASTIC_PASSWORD (no key is created)', async () => {
    const { client } = apiCluster();
    const s = settings(tmpFile(), { SETUP_ROLE_FILE: path.join(tmpdir(), 'no-such-dir', 'role.json') });
    await expect(runSetup(client, { ...s, ELASTIC_PASSWORD: undefined }, postgresqlSource, silent)).resolves.toMatchObject({ connectorId: ID });
  });
});

describe('setup with the Connector API: outputs and secrets', () => {
  it('writes CONNECTOR_IDS and the encoded key to an owner-only file', async () => {
    const file = tmpFile();
    const { client } = apiCluster();
    const result = await runSetup(client, settings(file), postgresqlSource, silent);
    expect(result.outputFile).toBe(file);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([`CONNECTOR_IDS=${ID}`, 'ELASTICSEARCH_API_KEY=ZW5jb2RlZA==']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The atomic write leaves no temporary file behind.
    expect(readdirSync(path.dirname(file))).toEqual(['connector.env']);
  });

  it('replaces a world-readable output file from an earlier run with an owner-only one', async () => {
    const file = tmpFile();
    const { client } = apiCluster();
    await runSetup(client, settings(file), postgresqlSource, silent);
    writeFileSync(file, 'ELASTICSEARCH_API_KEY=old\n');
    chmodSync(file, 0o644);
    await runSetup(apiCluster().client, settings(file), postgresqlSource, silent);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toContain('=old');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('never puts a password in a path or query string; the kibana one only in its own request body', async () => {
    const { client, calls } = apiCluster();
    await runSetup(client, settings(tmpFile()), postgresqlSource, silent);
    expect(calls.length).toBeGreaterThan(10);
    const forms = (s: string) => [s, encodeURIComponent(s), encodeURIComponent(s).replace(/%20/g, '+')];
    for (const c of calls) {
      for (const secret of [ELASTIC_PW, KIBANA_PW, PG_PW]) {
        for (const form of forms(secret)) expect(c.url, `${route(c)} carries a password`).not.toContain(form);
      }
      expect(c.rawBody, `${route(c)} carries the elastic password`).not.toContain(ELASTIC_PW);
      if (c.path !== '/_security/user/kibana_system/_password') expect(c.rawBody, route(c)).not.toContain(KIBANA_PW);
    }
    // The superuser password travels only as Basic credentials in the header.
    const basic = `Basic ${Buffer.from(`elastic:${ELASTIC_PW}`).toString('base64')}`;
    expect(calls.every((c) => c.headers.authorization === basic)).toBe(true);
  });
});

describe('setup with the Connector API: the service key on a re-run', () => {
  const KEPT = 'key-kept';
  const encoded = Buffer.from(`${KEPT}:secret-part`).toString('base64');
  const earlierRun = () => {
    const file = tmpFile();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `CONNECTOR_IDS=${ID}\nELASTICSEARCH_API_KEY=${encoded}\n`, { mode: 0o600 });
    return file;
  };
  const role = roleFingerprint(loadConnectorRole(DEFAULT_ROLE_FILE, INDEX));
  const validKey = { id: KEPT, name: `pg-es-connectors-${ID}`, metadata: { index_name: INDEX, role } };
  const created = (calls: Call[]) => calls.filter((c) => c.path === '/_security/api_key' && (c.method === 'PUT' || c.method === 'POST'));

  it('keeps the key the running service has while it is valid for this connector and index', async () => {
    const file = earlierRun();
    const { client, calls } = apiCluster({ existing: { api_key_id: KEPT }, keys: [validKey] });
    const result = await runSetup(client, settings(file), postgresqlSource, silent);
    expect(result.apiKeyId).toBe(KEPT);
    expect(created(calls)).toHaveLength(0);
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/_security/api_key')).toBe(false);
    expect(calls.some((c) => c.path.endsWith('/_api_key_id'))).toBe(false);
    const auths = calls.filter((c) => c.method === 'GET' && c.path === '/_security/_authenticate').map((c) => c.headers.authorization);
    expect(auths).toContain(`ApiKey ${encoded}`);
    expect(readFileSync(file, 'utf8')).toContain(`ELASTICSEARCH_API_KEY=${encoded}`);
  });

  it('replaces it when it was made for another index or role, no longer authenticates, or rotation is asked for', async () => {
    const cases: [ClusterOptions, Record<string, string>][] = [
      [{ keys: [{ ...validKey, metadata: { index_name: 'other-index', role } }] }, {}],
      // Made from another role file (an older release's broader role, or none recorded).
      [{ keys: [{ ...validKey, metadata: { index_name: INDEX, role: '0123456789abcdef' } }] }, {}],
      [{ keys: [{ ...validKey, metadata: { index_name: INDEX } }] }, {}],
      [{ keys: [validKey], keyAuthenticates: false }, {}],
      [{ keys: [{ ...validKey, invalidated: true }] }, {}],
      [{ keys: [validKey] }, { SETUP_ROTATE_API_KEY: 'true' }],
    ];
    for (const [options, extra] of cases) {
      const file = earlierRun();
      const { client, calls } = apiCluster({ existing: { api_key_id: KEPT }, ...options });
      const result = await runSetup(client, settings(file, extra), postgresqlSource, silent);
      expect(result.apiKeyId).toBe('key-2');
      expect(created(calls)).toHaveLength(1);
      expect(readFileSync(file, 'utf8')).toContain('ELASTICSEARCH_API_KEY=ZW5jb2RlZA==');
    }
  });
});

describe('setup settings validation', () => {
  it('rejects an invalid index name, naming the key', () => {
    const parsed = setupSettingsSchema.safeParse({ CONNECTOR_INDEX_NAME: 'Bad Name' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['CONNECTOR_INDEX_NAME']);
  });

  it('rejects a non-numeric port, naming the key', () => {
    const parsed = setupSettingsSchema.safeParse({ CONNECTOR_PG_PORT: 'five-four-three-two' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['CONNECTOR_PG_PORT']);
    expect(setupSettingsSchema.safeParse({ CONNECTOR_PG_PORT: '70000' }).success).toBe(false);
  });

  it('accepts an environment-like object and coerces its strings', () => {
    const s = setupSettingsSchema.parse({ CONNECTOR_PG_PORT: '6543', SETUP_FIRST_SYNC: 'false', CONNECTOR_INDEX_NAME: 'my-index.v2' });
    expect(s).toMatchObject({ CONNECTOR_PG_PORT: 6543, SETUP_FIRST_SYNC: false, CONNECTOR_INDEX_NAME: 'my-index.v2', CONNECTOR_SERVICE_TYPE: 'postgresql' });
    expect(setupSettingsSchema.safeParse({ SETUP_FIRST_SYNC: 'yes' }).success).toBe(false);
  });
});
