import { describe, expect, it } from 'vitest';
import { allConnectors } from '../../src/cli/connector-commands.js';
import { ConnectorAdmin } from '../../src/protocol/admin.js';
import { ApiProtocolStore } from '../../src/protocol/api-store.js';
import { newConnectorDoc } from '../../src/protocol/documents.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { recordingClient } from '../helpers/recording-client.js';

// The CLI's connector commands and `connectors setup` write through
// ConnectorAdmin. The Connector API cannot run here (no x-pack), so these
// check the exact requests it sends on a cluster that has it.

describe('ConnectorAdmin on the Connector API', () => {
  const setup = () => {
    const { client, calls } = recordingClient();
    return { admin: new ConnectorAdmin(client, new ApiProtocolStore(client), true), calls };
  };

  it('creates, configures, schedules, sets features and moves the index through the documented endpoints', async () => {
    const { admin, calls } = setup();
    const doc = newConnectorDoc({ name: 'n', index_name: 'i', service_type: 'postgresql' });
    await admin.create('c1', { name: 'n', index_name: 'i', service_type: 'postgresql' });
    await admin.setConfiguration('c1', postgresqlSource.configurationSchema());
    await admin.setScheduling('c1', doc.scheduling, { full: { enabled: true, interval: '0 0 4 * * ?' } });
    await admin.setFeatures('c1', postgresqlSource.features());
    await admin.setIndexName('c1', 'other');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'PUT /_connector/c1',
      'PUT /_connector/c1/_configuration',
      'PUT /_connector/c1/_scheduling',
      'PUT /_connector/c1/_features',
      'PUT /_connector/c1/_index_name',
    ]);
    expect(calls[0]!.body).toEqual({ name: 'n', index_name: 'i', service_type: 'postgresql', is_native: false });
    expect(Object.keys((calls[1]!.body as { configuration: object }).configuration)).toContain('host');
    expect(calls[2]!.body).toEqual({ scheduling: { full: { enabled: true, interval: '0 0 4 * * ?' }, incremental: doc.scheduling.incremental } });
    expect(calls[3]!.body).toEqual({ features: postgresqlSource.features() });
    expect(calls[4]!.body).toEqual({ index_name: 'other' });
  });

  it('deletes with its jobs, and treats a soft-deleted connector as absent', async () => {
    const { client, calls } = recordingClient((r) => (r.method === 'GET' ? { body: { id: 'c1', ...newConnectorDoc({ name: 'n' }), deleted: true } } : { body: { acknowledged: true } }));
    const admin = new ConnectorAdmin(client, new ApiProtocolStore(client), true);
    await admin.delete('c1');
    expect(await admin.find('c1')).toBeUndefined();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['DELETE /_connector/c1?delete_sync_jobs=true', 'GET /_connector/c1?include_deleted=true']);
  });
});

describe('connectors connector list on the Connector API', () => {
  it('reads GET _connector, leaves deleted ones out and masks secrets', async () => {
    const live = { id: 'b', ...newConnectorDoc({ name: 'b', index_name: 'ib', service_type: 'postgresql' }), configuration: postgresqlSource.configurationSchema() };
    live.configuration['password']!.value = 'hunter2';
    const gone = { id: 'a', ...newConnectorDoc({ name: 'a' }), deleted: true };
    const { client, calls } = recordingClient(() => ({ body: { count: 2, results: [live, gone] } }));
    const views = await allConnectors(client, true);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /_connector?size=1000']);
    expect(views.map((v) => [v.id, v.index_name, v.configuration['password']])).toEqual([['b', 'ib', '********']]);
  });
});
