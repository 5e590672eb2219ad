// Incremental-sync scenarios of `make bench`: commit-to-searchable latency
// under the shipped defaults, and an incremental sync after changing 1 % of
// the rows. Figures are printed; nothing is asserted.
import type { Client } from '@elastic/elasticsearch';
import type pg from 'pg';
import { JOBS_ALIAS } from '../src/protocol/indices.js';
import type { SyncJobDoc } from '../src/protocol/types.js';
import { sleep } from '../src/util/sleep.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Searchable = a search (not a get, which bypasses refresh) finds the marker. */
async function searchable(es: Client, index: string, field: string, marker: string): Promise<number> {
  const res = await es.count({ index, query: { match_phrase: { [field]: marker } } });
  return res.count;
}

export interface LatencyFigures {
  changes: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  job_documents_written: number;
}

/**
 * `changes` product edits, `perSecond` a second, each with a unique word in its
 * name; for each, the time from its COMMIT returning to a search finding it.
 */
export async function commitToSearchable(
  es: Client,
  db: pg.Client,
  index: string,
  connectorId: string,
  options: { changes: number; perSecond: number; suffix: string },
): Promise<LatencyFigures> {
  const jobsBefore = await jobCount(es, connectorId);
  const ids = (await db.query<{ id: string }>(`SELECT id FROM products ORDER BY id LIMIT $1`, [options.changes])).rows.map((r) => r.id);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  for (const [n, id] of ids.entries()) {
    const marker = `lat${options.suffix}x${n}`;
    await db.query(`UPDATE products SET name = name || ' ' || $1 WHERE id = $2`, [marker, id]);
    const committed = performance.now();
    pending.push(
      (async () => {
        for (;;) {
          if ((await searchable(es, index, 'public_products_name', marker)) > 0) break;
          if (performance.now() - committed > 120_000) throw new Error(`change ${n} not searchable after 120 s`);
          await sleep(25);
        }
        latencies.push(performance.now() - committed);
      })(),
    );
    await sleep(1000 / options.perSecond);
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return {
    changes: latencies.length,
    p50_ms: Math.round(percentile(latencies, 50)),
    p95_ms: Math.round(percentile(latencies, 95)),
    max_ms: Math.round(latencies.at(-1) ?? NaN),
    job_documents_written: (await jobCount(es, connectorId)) - jobsBefore,
  };
}

async function jobCount(es: Client, connectorId: string): Promise<number> {
  await es.indices.refresh({ index: JOBS_ALIAS });
  return (await es.count({ index: JOBS_ALIAS, query: { term: { 'connector.id': connectorId } } })).count;
}

/** Edits `rows` reviews (with the service stopped) and returns the marker they carry. */
export async function changeRows(db: pg.Client, rows: number, suffix: string): Promise<string> {
  const marker = `pct${suffix}`;
  await db.query(`UPDATE reviews SET title = title || ' ' || $1 WHERE id IN (SELECT id FROM reviews ORDER BY id LIMIT $2)`, [marker, rows]);
  return marker;
}

export interface OnePercentFigures {
  changed_rows: number;
  seconds: number;
  fraction_of_full_sync: number;
}

/**
 * After the service starts again: from the claim of the incremental job that
 * picks the changes up to every changed row being in the index. Refreshed on
 * each look, as the full sync refreshes at its end: both figures measure the
 * writes, not the refresh interval (the latency scenario measures that).
 */
export async function catchUp(es: Client, index: string, connectorId: string, marker: string, rows: number, fullSyncSeconds: number): Promise<OnePercentFigures> {
  const deadline = Date.now() + 600_000;

  for (;;) {
    if (Date.now() > deadline) throw new Error('no incremental job picked the changes up within 10 minutes');
    await es.indices.refresh({ index });
    const found = await searchable(es, index, 'public_reviews_title', marker);
    if (found >= rows) break;
    await sleep(25);
  }
  const done = Date.now();
  await es.indices.refresh({ index: JOBS_ALIAS });
  const res = await es.search<SyncJobDoc>({
    index: JOBS_ALIAS,
    query: { bool: { filter: [{ term: { 'connector.id': connectorId } }, { term: { job_type: 'incremental' } }] } },
    sort: [{ created_at: 'desc' }],
    size: 1,
  });
  const job = res.hits.hits[0]?._source;
  if (!job?.started_at) throw new Error('the changes were applied, but no incremental job started?');
  const seconds = (done - Date.parse(job.started_at)) / 1000;
  return { changed_rows: rows, seconds: Number(seconds.toFixed(2)), fraction_of_full_sync: Number((seconds / fullSyncSeconds).toFixed(4)) };
}
