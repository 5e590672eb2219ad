/**
 * Live changes for the demo: edits products, adds reviews and deletes the
 * ones it added, at a steady rate, so incremental sync has something to
 * follow. Only rows it created are deleted, and on exit it removes them all,
 * so the seeded counts (the seed's fingerprint) come back as they were.
 */
import type pg from 'pg';
import { qualified } from './schema.js';

/** Live reviews live far above the seeded ids. */
export const LIVE_REVIEW_BASE = 1_000_000_000_000;
/** Live reviews kept at once; older ones are deleted. */
const KEEP = 5;

export interface ChangesOptions {
  schema: string;
  perSecond: number;
  /** Stop after this many seconds; 0 runs until the signal. */
  seconds: number;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Called after every change: proof of life for a healthcheck. */
  heartbeat?: () => void;
}

export interface ChangesSummary {
  updates: number;
  inserts: number;
  deletes: number;
  seconds: number;
}

/** Waits `ms` or until aborted; the listener goes with the timer (one per tick would pile up). */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** One change per tick, in turn: edit a product, add a review, delete the oldest added review. */
export async function runChanges(client: pg.Client, o: ChangesOptions): Promise<ChangesSummary> {
  const products = qualified(o.schema, 'products');
  const reviews = qualified(o.schema, 'reviews');
  const summary: ChangesSummary = { updates: 0, inserts: 0, deletes: 0, seconds: 0 };
  const started = Date.now();
  const interval = 1000 / o.perSecond;
  await client.query(`DELETE FROM ${reviews} WHERE id >= $1`, [LIVE_REVIEW_BASE]);
  let n = 0;
  let lastReport = started;
  try {
    while (!o.signal.aborted && (o.seconds === 0 || Date.now() - started < o.seconds * 1000)) {
      const step = n % 3;
      n++;
      if (step === 0) {
        await client.query(
          `UPDATE ${products} SET name = regexp_replace(name, ' \\(live edit \\d+\\)$', '') || ' (live edit ' || $1 || ')',
             price = round(price * (0.95 + random() * 0.1)::numeric, 2), updated_at = now()
           WHERE id = (SELECT id FROM ${products} ORDER BY random() LIMIT 1)`,
          [n],
        );
        summary.updates++;
      } else if (step === 1) {
        await client.query(
          `INSERT INTO ${reviews} (id, product_id, customer_id, rating, title, body, verified_purchase, helpful_votes, created_at)
           SELECT $1, (SELECT id FROM ${products} ORDER BY random() LIMIT 1), (SELECT min(id) FROM ${qualified(o.schema, 'customers')}),
                  1 + floor(random() * 5)::int, 'Live review ' || $2, 'Written by the live-changes mode at ' || now(), true, 0, now()`,
          [LIVE_REVIEW_BASE + n, n],
        );
        summary.inserts++;
      } else {
        const res = await client.query(
          `DELETE FROM ${reviews} WHERE id IN (SELECT id FROM ${reviews} WHERE id >= $1 ORDER BY id DESC OFFSET $2)`,
          [LIVE_REVIEW_BASE, KEEP],
        );
        summary.deletes += res.rowCount ?? 0;
      }
      o.heartbeat?.();
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        o.log(`${summary.updates} products edited, ${summary.inserts} reviews added, ${summary.deletes} deleted`);
      }
      await wait(Math.max(0, started + n * interval - Date.now()), o.signal);
    }
  } finally {
    const res = await client.query(`DELETE FROM ${reviews} WHERE id >= $1`, [LIVE_REVIEW_BASE]);
    summary.deletes += res.rowCount ?? 0;
  }
  summary.seconds = Number(((Date.now() - started) / 1000).toFixed(1));
  return summary;
}
