import { describe, expect, it } from 'vitest';
import { ApiProtocolStore } from '../../src/protocol/api-store.js';
import { hasConnectorApi } from '../../src/protocol/detect.js';
import type { JobRecord, SyncJobDoc } from '../../src/protocol/types.js';
import { recordingClient } from '../helpers/recording-client.js';

const job = (id: string): JobRecord => ({ id, doc: {} as SyncJobDoc, seqNo: 1, primaryTerm: 1 });

describe('api backend: documented Connector API calls', () => {
  it('checks in with PUT _connector/{id}/_check_in', async () => {
    const { client, calls } = recordingClient();
    await new ApiProtocolStore(client).checkIn('c1');
    expect(calls).toEqual([expect.objectContaining({ method: 'PUT', path: '/_connector/c1/_check_in', body: undefined })]);
  });

  it('creates a sync job with POST _connector/_sync_job', async () => {
    const { client, calls } = recordingClient(() => ({ body: { id: 'job-1' } }));
    const id = await new ApiProtocolStore(client).createJob('c1', 'full', 'scheduled');
    expect(id).toBe('job-1');
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/_connector/_sync_job', body: { id: 'c1', job_type: 'full', trigger_method: 'scheduled' } });
  });

  it('claims with worker_hostname, and a sync_cursor only when there is one', async () => {
    const { client, calls } = recordingClient();
    const store = new ApiProtocolStore(client);
    await store.claimJob(job('j1'), 'host-a');
    await store.claimJob(job('j2'), 'host-a', { lsn: '0/16B3748' });
    expect(calls[0]).toMatchObject({ method: 'PUT', path: '/_connector/_sync_job/j1/_claim', body: { worker_hostname: 'host-a' } });
    expect(calls[0]?.body).not.toHaveProperty('sync_cursor');
    expect(calls[1]).toMatchObject({ path: '/_connector/_sync_job/j2/_claim', body: { worker_hostname: 'host-a', sync_cursor: { lsn: '0/16B3748' } } });
  });

  it('reports stats with PUT _connector/_sync_job/{id}/_stats', async () => {
    const { client, calls } = recordingClient();
    await new ApiProtocolStore(client).updateJobStats('j1', { indexed_document_count: 10, indexed_document_volume: 1, deleted_document_count: 2, total_document_count: 12 });
    expect(calls[0]).toMatchObject({
      method: 'PUT',
      path: '/_connector/_sync_job/j1/_stats',
      body: { indexed_document_count: 10, indexed_document_volume: 1, deleted_document_count: 2, total_document_count: 12 },
    });
  });

  it('validates and activates filtering through their endpoints', async () => {
    const { client, calls } = recordingClient();
    const store = new ApiProtocolStore(client);
    const validation = { state: 'invalid' as const, errors: [{ ids: ['r1'], messages: ['bad regex'] }] };
    await store.updateFilteringValidation('c1', validation);
    await store.activateFiltering('c1');
    expect(calls[0]).toMatchObject({ method: 'PUT', path: '/_connector/c1/_filtering/_validation', body: { validation } });
    expect(calls[1]).toMatchObject({ method: 'PUT', path: '/_connector/c1/_filtering/_activate' });
  });

  it('writes the connector lock directly with optimistic concurrency, as Elastic does', async () => {
    const { client, calls } = recordingClient(() => ({ body: { result: 'updated', _id: 'c1', _index: '.elastic-connectors-v1' } }));
    await new ApiProtocolStore(client).updateConnector('c1', { last_sync_status: 'in_progress' }, { seqNo: 7, primaryTerm: 2 });
    expect(calls[0]?.method).toBe('POST');
    expect(calls[0]?.path).toMatch(/^\/\.elastic-connectors\/_update\/c1\?.*if_seq_no=7/);
    expect(calls[0]?.path).toContain('if_primary_term=2');
    expect(calls[0]?.body).toEqual({ doc: { last_sync_status: 'in_progress' } });
  });

  it('auto-detects the Connector API', async () => {
    const withApi = recordingClient(() => ({ body: { count: 0, results: [] } }));
    expect(await hasConnectorApi(withApi.client)).toBe(true);
    expect(withApi.calls[0]).toMatchObject({ method: 'GET', path: '/_connector?size=0' });
    const forbidden = recordingClient(() => ({ status: 403, body: { error: { type: 'security_exception' } } }));
    expect(await hasConnectorApi(forbidden.client)).toBe(true);
    const without = recordingClient(() => ({ status: 400, body: { error: { type: 'invalid_index_name_exception' } } }));
    expect(await hasConnectorApi(without.client)).toBe(false);
  });
});
