import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { newConnectorDoc } from '../../src/protocol/documents.js';
import type { ProtocolStore } from '../../src/protocol/store.js';
import type { ConnectorDoc, ConnectorRecord } from '../../src/protocol/types.js';
import { trySchedule } from '../../src/service/scheduler.js';

/** Just enough of a store for the scheduler: one connector, guarded writes, jobs counted. */
function storeWith(doc: ConnectorDoc): { store: ProtocolStore; jobs: string[] } {
  let record: ConnectorRecord = { id: 'c', doc, seqNo: 1, primaryTerm: 1 };
  const jobs: string[] = [];
  const store = {
    getConnector: async () => record,
    updateConnector: async (_id: string, fields: Partial<ConnectorDoc>) => {
      record = { ...record, doc: { ...record.doc, ...fields }, seqNo: record.seqNo + 1 };
      return true;
    },
    createJob: async () => {
      jobs.push(`job-${jobs.length}`);
      return jobs.at(-1)!;
    },
  } as unknown as ProtocolStore;
  return { store, jobs };
}

const log = createLogger('silent');
const every10s = (recorded: Date): ConnectorDoc => {
  const doc = newConnectorDoc({ name: 'c', index_name: 'i', service_type: 'fake' });
  doc.scheduling.full = { enabled: true, interval: '*/10 * * * * ?' };
  return { ...doc, last_sync_scheduled_at: recorded.toISOString() };
};

describe('trySchedule', () => {
  it('schedules the latest due slot once, however many were missed', async () => {
    const at = new Date('2026-12-02T10:00:05Z');
    const { store, jobs } = storeWith(every10s(new Date('2026-12-02T09:30:00Z')));
    const first = await trySchedule(store, 'c', 'full', new Date(0), log, () => at);
    expect(first).toMatchObject({ kind: 'created', slot: new Date('2026-12-02T10:00:00Z') });
    expect(await trySchedule(store, 'c', 'full', new Date(0), log, () => at)).toEqual({ kind: 'not_due' });
    expect(jobs).toHaveLength(1);
  });

  it('a replica whose clock runs behind the one that recorded the slot waits, and never schedules that slot again', async () => {
    const at = new Date('2026-12-02T10:00:05Z');
    // Another replica, 90 s ahead, recorded 10:01:30. This process saw no step of its own clock.
    const { store, jobs } = storeWith(every10s(new Date('2026-12-02T10:01:30Z')));
    for (let i = 0; i < 3; i++) expect(await trySchedule(store, 'c', 'full', new Date(0), log, () => at)).toEqual({ kind: 'not_due' });
    expect(jobs).toEqual([]);
  });
});
