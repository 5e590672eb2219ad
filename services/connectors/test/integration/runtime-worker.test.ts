import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConnectorDoc } from '../../src/protocol/documents.js';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import { createFakeConnector, serviceTestContext, startService, store, uniqueId, waitFor } from '../helpers/runtime-harness.js';

/**
 * Worker mode (CONNECTORS_SERVICE_TYPES) and service-type filling. The fake
 * source is registered under a type of this file's own, so connectors other
 * tests left behind are not served.
 */
describe('which connectors a service serves', () => {
  const type = `fake-${randomBytes(3).toString('hex')}`;
  const ctx = serviceTestContext();

  async function connectorOf(id: string, fields: Record<string, unknown>): Promise<void> {
    await createFakeConnector(ctx.client, id, { count: 5 });
    await ctx.client.update({ index: CONNECTORS_ALIAS, id, doc: { service_type: type, ...fields }, refresh: true });
  }

  it('worker mode serves every self-managed connector of its types, and nothing else', async () => {
    const served = uniqueId('worker-served');
    const native = uniqueId('worker-native');
    const deleted = uniqueId('worker-deleted');
    const otherType = uniqueId('worker-other');
    await connectorOf(served, {});
    await connectorOf(native, { is_native: true });
    await connectorOf(deleted, { deleted: true });
    await connectorOf(otherType, { service_type: 'fake' });
    // Jobs queued for the connectors that must be left alone.
    const untouchedJobs = [await store(ctx.client).createJob(native, 'full', 'on_demand'), await store(ctx.client).createJob(otherType, 'full', 'on_demand')];

    ctx.procs.push(startService({ CONNECTORS_SERVICE_TYPES: type, TEST_FAKE_TYPE: type }));
    const job = await store(ctx.client).createJob(served, 'full', 'on_demand');
    const done = await waitFor('served job', async () => {
      const j = await store(ctx.client).getJob(job);
      return j?.doc.status === 'completed' ? j.doc : undefined;
    }, 60_000);
    expect(done.indexed_document_count).toBe(5);
    const servedDoc = (await store(ctx.client).getConnector(served))!.doc;
    expect(servedDoc.status).toBe('connected');
    expect(servedDoc.last_seen).toBeTruthy();

    // Several polls later, the others have not been touched.
    await new Promise((r) => setTimeout(r, 1500));
    for (const id of [native, otherType]) {
      const doc = (await store(ctx.client).getConnector(id))!.doc;
      expect(doc.last_seen, id).toBeUndefined();
      expect(doc.last_sync_status, id).toBeUndefined();
    }
    const deletedDoc = await ctx.client.get<{ last_seen: string | null }>({ index: CONNECTORS_ALIAS, id: deleted });
    expect(deletedDoc._source?.last_seen).toBeUndefined();
    for (const id of untouchedJobs) expect((await store(ctx.client).getJob(id))!.doc.status).toBe('pending');
  });

  it('a configured connector without a service type gets the one its YAML entry names, and its schema', async () => {
    const id = uniqueId('typeless');
    await store(ctx.client).putConnector(id, newConnectorDoc({ name: id, index_name: `it-content-${id}`, service_type: null }));
    const dir = mkdtempSync(path.join(tmpdir(), 'worker-yaml-'));
    const file = path.join(dir, 'connectors.yml');
    writeFileSync(file, `connectors:\n  - connector_id: ${id}\n    service_type: ${type}\n`);

    ctx.procs.push(startService({ CONNECTORS_CONFIG_FILE: file, TEST_FAKE_TYPE: type }));
    const doc = await waitFor('schema published', async () => {
      const c = await store(ctx.client).getConnector(id);
      return c?.doc.service_type === type && c.doc.status === 'needs_configuration' ? c.doc : undefined;
    });
    expect(Object.keys(doc.configuration).sort()).toEqual(['count', 'delay_ms', 'fail_after', 'label', 'reachable', 'secret']);
    expect(doc.features?.sync_rules?.basic?.enabled).toBe(true);
  });
});
