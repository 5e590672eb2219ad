import { describe, expect, it } from 'vitest';
import { progressLine, RateMeter, summaryLine } from '../../src/cli/watch.js';
import { jobSummary } from '../../src/protocol/job-view.js';
import { newConnectorDoc, newJobDoc } from '../../src/protocol/documents.js';

describe('sync progress', () => {
  it('rates come from readings that moved; a repeated reading changes nothing, a count still for 5 s is a rate of 0', () => {
    const m = new RateMeter();
    m.observe(0, 0, 0);
    m.observe(2_000, 10_000, 12_000);
    expect([m.indexedPerSecond, m.readPerSecond]).toEqual([5_000, 6_000]);
    m.observe(3_000, 10_000, 12_000);
    expect(m.indexedPerSecond).toBe(5_000);
    m.observe(4_000, 30_000, 32_000);
    // Halfway between the old rate and the new one (20 000 in 2 s = 10 000/s).
    expect(m.indexedPerSecond).toBe(7_500);
    m.observe(9_500, 30_000, 32_000);
    expect(m.indexedPerSecond).toBe(0);
  });

  it('a plain line: counts, rate, table, share of the estimate and time left; a summary with the error', () => {
    const doc = { ...newJobDoc('c1', newConnectorDoc({ name: 'c1', index_name: 'i', service_type: 'postgresql' }), 'full', 'on_demand'), status: 'in_progress' as const, indexed_document_count: 40_000, metadata: { progress: { table: 'orders', tables_done: 2, tables_total: 6, rows_read: 50_000, estimated_rows: 200_000 } } };
    const m = new RateMeter();
    m.observe(0, 0, 0);
    m.observe(1_000, 40_000, 50_000);
    expect(progressLine(jobSummary('j1', doc), m)).toBe('job j1: in_progress, 40 000 indexed, 40 000/s, table orders (3/6), ~25%, ETA 3 s');
    const failed = { ...doc, status: 'error' as const, error: 'boom', started_at: '2026-01-01T00:00:00Z', completed_at: '2026-01-01T00:01:15Z' };
    expect(summaryLine(jobSummary('j1', failed))).toBe('full sync error in 1 min 15 s: 40 000 indexed, 0 deleted; error: boom');
  });
});
