import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesSettings } from '../src/config.js';
import { LIVE_REVIEW_BASE, runChanges } from '../src/changes.js';
import { rowCounts } from '../src/dataset.js';
import { runSeed } from '../src/seed.js';
import { connectionFor, createTestDatabase, withClient } from './helpers/db.js';

const SCHEMA = 'live';
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await runSeed({ scale: 0.05, schema: SCHEMA, force: false, waitSeconds: 0, connection: connectionFor(db.name) });
});

afterAll(async () => {
  await db?.drop();
});

describe('live changes', () => {
  it('edits products, adds and deletes reviews at the asked rate, and leaves the seeded counts as they were', async () => {
    const lines: string[] = [];
    let live = 0;
    const stop = new AbortController();
    const summary = await withClient(db.url, async (c) => {
      const run = runChanges(c, { schema: SCHEMA, perSecond: 30, seconds: 2, signal: stop.signal, log: (l) => lines.push(l) });
      // While it runs, its reviews exist (another connection sees them).
      await new Promise((r) => setTimeout(r, 1000));
      live = await withClient(db.url, async (o) => Number((await o.query(`SELECT count(*) AS n FROM ${SCHEMA}.reviews WHERE id >= $1`, [LIVE_REVIEW_BASE])).rows[0].n));
      return run;
    });
    expect(live).toBeGreaterThan(0);
    expect(live).toBeLessThanOrEqual(6);
    // About 60 changes in 2 s, one kind per tick.
    expect(summary.updates + summary.inserts).toBeGreaterThan(30);
    expect(summary.updates).toBeGreaterThan(10);
    expect(summary.deletes).toBe(summary.inserts);
    await withClient(db.url, async (c) => {
      const reviews = Number((await c.query(`SELECT count(*) AS n FROM ${SCHEMA}.reviews`)).rows[0].n);
      expect(reviews).toBe(rowCounts(0.05).reviews);
      const edited = Number((await c.query(`SELECT count(*) AS n FROM ${SCHEMA}.products WHERE name ~ ' \\(live edit \\d+\\)$'`)).rows[0].n);
      expect(edited).toBeGreaterThan(0);
    });
  });

  it('reads its rate and duration from the environment, with clear errors', () => {
    expect(changesSettings({})).toEqual({ perSecond: 2, seconds: 0 });
    expect(changesSettings({ SEED_CHANGES_PER_SECOND: '0.5', SEED_CHANGES_SECONDS: '60' })).toEqual({ perSecond: 0.5, seconds: 60 });
    expect(() => changesSettings({ SEED_CHANGES_PER_SECOND: 'fast' })).toThrow(/SEED_CHANGES_PER_SECOND must be a number in \(0, 1000\], got "fast"/);
    expect(() => changesSettings({ SEED_CHANGES_SECONDS: '-1' })).toThrow(/SEED_CHANGES_SECONDS must be a whole number/);
  });
});
