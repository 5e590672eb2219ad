import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_FILE, loadConnectorRole } from '../../src/cli/setup/role.js';
import { defaultRule } from '../../src/protocol/documents.js';
import { grantsFor, privilegesFor, recordingProxy, type RecordedRequest } from '../helpers/es-privileges.js';
import { createDatabase, dropChains, dropDatabase, withAdmin } from '../helpers/pg-fixtures.js';
import { connectorDoc, createPgConnector, deleteConnectors, runJob } from '../helpers/pg-runtime-helpers.js';
import { esClient, esUrl, startService, stopAll, store, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';

// The API key's role (compose/setup/connector-role.json) against every request
// the real service sends while it checks a connector, runs full syncs with
// rules and stale deletes, follows changes incrementally and stops.

const RANDOM = randomBytes(4).toString('hex');
const DB = `it_priv_${RANDOM}`;
const ID = `priv-${RANDOM}`;
const INDEX = `it-priv-${RANDOM}`;

const FIXTURE = `
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL);
INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, 50) g;
`;

describe("the service's API key role", () => {
  let client: Client;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  const procs: ServiceProcess[] = [];
  const role = loadConnectorRole(DEFAULT_ROLE_FILE, INDEX);

  beforeAll(async () => {
    client = esClient();
    proxy = await recordingProxy(esUrl);
    await createDatabase(DB, FIXTURE);
    await createPgConnector(client, ID, INDEX, { database: DB, tables: 'items' });
    const doc = await connectorDoc(client, ID);
    const rules = [{ ...defaultRule(0), id: 'no-7', policy: 'exclude' as const, field: 'public_items_qty', rule: 'equals' as const, value: '7' }, defaultRule(1)];
    const filtering = structuredClone(doc.filtering);
    filtering[0]!.active.rules = rules;
    filtering[0]!.draft.rules = rules;
    await store(client).updateConnector(ID, { filtering, scheduling: { ...doc.scheduling, incremental: { enabled: true, interval: '* * * * * ?' } } });
  });

  afterAll(async () => {
    await stopAll(procs);
    await proxy?.close();
    // The chain's slot outlives the service by design.
    await dropChains([ID]);
    await deleteConnectors(client, [ID]);
    await client.indices.delete({ index: INDEX, ignore_unavailable: true });
    await dropDatabase(DB);
    await client.close();
  });

  it('allows every request of a full and an incremental sync, and grants nothing they do not use', async () => {
    const service = startService({ CONNECTOR_IDS: ID, ELASTICSEARCH_URL: proxy.url, CONNECTORS_INCREMENTAL_MAX_DURATION: '3', CONNECTORS_INCREMENTAL_IDLE: '1' });
    procs.push(service);
    // The first incremental job starts the change-capture chain with a full read.
    await waitFor('the change-capture chain', async () => ((await connectorDoc(client, ID)).sync_cursor ? true : undefined), 90_000);
    await withAdmin(DB, (c) => c.query(`UPDATE items SET name = 'renamed' WHERE id = 3; DELETE FROM items WHERE id = 4`));
    await waitFor('the change in the index', async () => {
      await client.indices.refresh({ index: INDEX });
      const res = await client.count({ index: INDEX, query: { match_phrase: { public_items_name: 'renamed' } } });
      return res.count === 1 ? true : undefined;
    }, 60_000);
    // A document no row produces: the full sync's stale delete removes it.
    await client.index({ index: INDEX, id: 'stray', document: { id: 'stray', public_items_name: 'stray' }, refresh: true });
    const job = await runJob(client, ID, 60_000);
    expect(job.status).toBe('completed');
    expect(job.deleted_document_count).toBeGreaterThanOrEqual(1);
    service.kill('SIGTERM');
    await service.exited;

    const requests: RecordedRequest[] = proxy.requests;
    expect(requests.length).toBeGreaterThan(20);
    const denied: string[] = [];
    const used = new Set<string>();
    for (const r of requests) {
      for (const need of privilegesFor(r.method, r.url)) {
        const grants = grantsFor(role, need);
        if (grants.length === 0) denied.push(`${r.method} ${r.url} needs ${need.privilege}${need.indices ? ` on ${need.indices.join(',')}` : ''}`);
        grants.forEach((g) => used.add(g));
      }
    }
    expect(denied).toEqual([]);

    const granted = Object.values(role).flatMap((d) => [
      ...d.cluster.map((p) => `cluster:${p}`),
      ...d.indices.flatMap((e) => e.privileges.map((p) => `${e.names.join(',')}:${p}`)),
    ]);
    // Only the Connector API backend (compose; reference C.2) sends _connector requests; the test server has no x-pack.
    const apiBackendOnly = ['cluster:manage_connector'];
    expect(granted.filter((g) => !used.has(g) && !apiBackendOnly.includes(g))).toEqual([]);
    // The connector indices may be read and written, never deleted from or managed.
    const connectorIndices = Object.values(role).flatMap((d) => d.indices.filter((e) => e.names.some((n) => n.startsWith('.elastic-connectors'))));
    for (const entry of connectorIndices) expect(entry.privileges.filter((p) => ['all', 'write', 'delete', 'manage', 'delete_index'].includes(p))).toEqual([]);
  });

  it('knows the privilege of every kind of request, and refuses to guess one it does not know', () => {
    expect(privilegesFor('GET', '/')).toEqual([{ scope: 'cluster', privilege: 'monitor' }]);
    expect(privilegesFor('PUT', '/_connector/_sync_job/abc/_claim')).toEqual([{ scope: 'cluster', privilege: 'manage_connector' }]);
    expect(privilegesFor('POST', `/${INDEX}/_bulk`)).toEqual([{ scope: 'index', privilege: 'write', indices: [INDEX] }]);
    expect(privilegesFor('PUT', `/${INDEX}/_settings`)).toEqual([{ scope: 'index', privilege: 'manage', indices: [INDEX] }]);
    expect(() => privilegesFor('POST', '/_security/api_key')).toThrow(/no privilege known/);
    expect(() => privilegesFor('POST', `/${INDEX}/_close`)).toThrow(/no privilege known/);
    // The role itself: a settings change or an index deletion would be refused.
    expect(grantsFor(role, { scope: 'index', privilege: 'manage', indices: [INDEX] })).toEqual([]);
    expect(grantsFor(role, { scope: 'index', privilege: 'delete', indices: ['.elastic-connectors-v1'] })).toEqual([]);
    expect(grantsFor(role, { scope: 'index', privilege: 'read', indices: ['other-index'] })).toEqual([]);
  });
});
