import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { chainPrefix, isLogicalCursor, type LogicalCursor } from '../../src/sources/postgresql/cdc/chain.js';
import type { BasicRule, JobRecord } from '../../src/protocol/types.js';
import { indexVersusSource } from '../helpers/index-equality.js';
import { backendPid, createDatabase, dropChains, dropDatabase, pgService, slotHolder, sourceValues, withAdmin } from '../helpers/pg-fixtures.js';
import { connectorDoc, createPgConnector, deleteConnectors, editDraft, filteringOf, runJob } from '../helpers/pg-runtime-helpers.js';
import { ReplicationConnection } from '../../src/sources/postgresql/cdc/replication.js';
import { parseLsn } from '../../src/sources/postgresql/cdc/lsn.js';
import { parseSettings } from '../../src/sources/postgresql/settings.js';
import { createLogger } from '../../src/log/logger.js';
import { esClient, jobsOf, startService, stopAll, store, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';

// Incremental sync through logical replication, run by the real service
// process against the native PostgreSQL and Elasticsearch.

const RANDOM = randomBytes(4).toString('hex');
const DB = `it_cdc_${RANDOM}`;
const EVERY_SECOND = '* * * * * ?';
const NO_REPLICATION_ROLE = `it_cdc_${RANDOM}_norepl`;

const FIXTURE = `
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer, price numeric(10,2), tags text[], updated timestamptz);
INSERT INTO items SELECT g, 'item ' || g, g % 7, g * 1.25, ARRAY['t' || (g % 3)], '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 200) g;
CREATE TABLE pairs (k1 text, k2 integer, val text, PRIMARY KEY (k1, k2));
INSERT INTO pairs SELECT 'k' || (g % 5), g, 'v' || g FROM generate_series(1, 50) g;
CREATE TABLE notes (id bigint PRIMARY KEY, body text);
INSERT INTO notes VALUES (1, repeat('long text ', 5000)), (2, 'short');
CREATE TABLE big (id integer PRIMARY KEY, n integer NOT NULL, pad text);
INSERT INTO big SELECT g, 0, repeat('x', 200) FROM generate_series(1, 30000) g;
`;

const sql = (text: string) => withAdmin(DB, (c) => c.query(text));

interface Setup {
  id: string;
  index: string;
  tables: string;
  schedule?: boolean;
  username?: string;
  password?: string;
  fetchSize?: number;
}

async function createConnector(client: Client, s: Setup): Promise<void> {
  await createPgConnector(client, s.id, s.index, {
    database: DB,
    tables: s.tables,
    ...(s.fetchSize ? { fetchSize: s.fetchSize } : {}),
    ...(s.username ? { username: s.username, password: s.password ?? '' } : {}),
  });
  if (s.schedule !== false) await setIncrementalSchedule(client, s.id, true);
}

async function setIncrementalSchedule(client: Client, id: string, enabled: boolean): Promise<void> {
  const doc = await connectorDoc(client, id);
  await store(client).updateConnector(id, { scheduling: { ...doc.scheduling, incremental: { enabled, interval: EVERY_SECOND } } });
}

async function cursorOf(client: Client, id: string): Promise<LogicalCursor | undefined> {
  const c = (await connectorDoc(client, id)).sync_cursor;
  return isLogicalCursor(c) ? c : undefined;
}

async function slotsOf(connectorId: string): Promise<string[]> {
  const res = await withAdmin(pgService.database, (c) =>
    c.query<{ slot_name: string }>(`SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE $1`, [`${chainPrefix(connectorId)}%`]),
  );
  return res.rows.map((r) => r.slot_name);
}

async function publicationExists(name: string): Promise<boolean> {
  return (await sql(`SELECT 1 FROM pg_publication WHERE pubname = '${name}'`)).rowCount === 1;
}

function values(tables: string, extra: Record<string, unknown> = {}) {
  return sourceValues(DB, { tables, ...extra });
}

async function untilIndexEqualsSource(client: Client, index: string, tables: string, timeoutMs = 30_000): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(
      `${index} to equal the source`,
      async () => {
        last = await indexVersusSource(client, index, values(tables));
        return last.length === 0;
      },
      timeoutMs,
      300,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; first differences: ${last.slice(0, 10).join(', ')}`);
  }
}

const finished = (jobs: JobRecord[]) => jobs.filter((j) => ['completed', 'error', 'canceled'].includes(j.doc.status));

// Bounds, not timings: on 2 cores shared with every other test file a first chain has taken over 60 s.
describe('incremental sync from logical replication', { timeout: 300_000 }, () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const connectors: Setup[] = [];
  const connector = (name: string, s: Omit<Setup, 'id' | 'index'>): Setup => {
    const c = { id: `cdc-${name}-${RANDOM}`, index: `it-cdc-${name}-${RANDOM}`, ...s };
    connectors.push(c);
    return c;
  };
  const main = connector('main', { tables: 'items,pairs,notes' });
  const during = connector('during', { tables: 'big', fetchSize: 500 });
  const columns = connector('columns', { tables: '*' });
  const off = connector('off', { tables: 'pairs' });
  const rules = connector('rules', { tables: 'items' });
  const streaming = connector('streaming', { tables: 'pairs' });
  const crash = connector('crash', { tables: 'big' });
  const quiet = connector('quiet', { tables: 'notes' });
  const gone = connector('gone', { tables: 'notes' });
  const shapes = connector('shapes', { tables: 'gen' });
  const parted = connector('parted', { tables: 'measures' });
  const fallback = connector('fallback', { tables: 'items', username: NO_REPLICATION_ROLE, password: 'norepl-pw' });
  const denied = connector('denied', { tables: 'items', username: NO_REPLICATION_ROLE, password: 'norepl-pw' });

  /** Rows of `big` changed continuously until the returned function is called. */
  const churn = (table = 'big') => {
    let stop = false;
    let writes = 0;
    const done = (async () => {
      while (!stop) {
        const id = 1 + Math.floor(Math.random() * 30_000);
        await sql(`UPDATE ${table} SET n = n + 1 WHERE id = ${id}; DELETE FROM ${table} WHERE id = ${id + 1}; INSERT INTO ${table} VALUES (${100_000 + ++writes}, 1, 'churn')`);
      }
    })();
    return async () => {
      stop = true;
      await done;
      return writes;
    };
  };

  /** The service, serving only the test's connectors (others may have chains to repair). */
  const served = new Set<string>();
  const service = (only: Setup[], env: Record<string, string> = {}) => {
    only.forEach((c) => served.add(c.id));
    const p = startService({
      CONNECTOR_IDS: only.map((c) => c.id).join(','),
      CONNECTORS_INCREMENTAL_MAX_DURATION: '4',
      CONNECTORS_INCREMENTAL_IDLE: '1.5',
      ...env,
    });
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    client = esClient();
    await createDatabase(DB, FIXTURE);
    await withAdmin(pgService.database, async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${NO_REPLICATION_ROLE}`);
      await c.query(`CREATE ROLE ${NO_REPLICATION_ROLE} LOGIN PASSWORD 'norepl-pw' NOREPLICATION`);
    });
    await sql(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${NO_REPLICATION_ROLE}`);
  });

  // Each test starts the services it needs; none outlives it.
  afterEach(async (ctx) => {
    // A failed test shows what its services said: the test only sees documents.
    if (ctx.task.result?.state === 'fail') for (const p of procs) console.error(`service log (last 60 lines):\n${p.lines.slice(-60).join('\n')}`);
    await stopAll(procs.splice(0));
    // Slots are few (max_replication_slots): a test's chains end with it, except
    // main's, whose slot the repair test drops behind the service's back.
    await dropChains([...served].filter((id) => id !== main.id));
    served.clear();
  });

  afterAll(async () => {
    await stopAll(procs);
    const leftovers: string[] = [];
    for (const c of connectors) leftovers.push(...(await slotsOf(c.id)));
    await withAdmin(pgService.database, async (c) => {
      for (const slot of leftovers) await c.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    });
    await deleteConnectors(client, connectors.map((c) => c.id));
    await client.indices.delete({ index: connectors.map((c) => c.index), ignore_unavailable: true });
    await dropDatabase(DB);
    await withAdmin(pgService.database, (c) => c.query(`DROP ROLE IF EXISTS ${NO_REPLICATION_ROLE}`));
    await client.close();
    // Chains whose schedule was on when the services stopped keep their slot (by design); none outlives the cleanup.
    const remaining = [];
    for (const c of connectors) remaining.push(...(await slotsOf(c.id)));
    expect(remaining).toEqual([]);
  });

  it('starts a chain with a full sync, then follows inserts, updates, key changes, deletes and truncates', async () => {
    await createConnector(client, main);
    service([main]);
    // No chain yet: the first scheduled incremental job starts one with a full sync.
    const cursor = await waitFor('a change-capture chain', () => cursorOf(client, main.id), 120_000);
    expect(await slotsOf(main.id)).toEqual([cursor.slot]);
    expect(cursor.tables.sort()).toEqual(['items', 'notes', 'pairs']);
    expect(cursor.publication_owned).toBe(true);
    expect(await publicationExists(cursor.publication)).toBe(true);
    await untilIndexEqualsSource(client, main.index, main.tables);
    const first = (await jobsOf(client, main.id))[0];
    expect(first?.doc.job_type).toBe('incremental');
    expect(JSON.stringify(first?.doc.metadata)).toContain('change_capture_restarted');

    await sql(`INSERT INTO items VALUES (1000, 'new item', 1, 9.99, ARRAY['n'], now())`);
    await sql(`UPDATE items SET qty = qty + 100, name = name || ' (edited)' WHERE id <= 20`);
    await sql(`UPDATE items SET id = 5000 WHERE id = 21`); // key change: the old id must go
    await sql(`DELETE FROM items WHERE id BETWEEN 30 AND 39`);
    await sql(`UPDATE pairs SET k2 = k2 + 1000 WHERE k1 = 'k1'`);
    await sql(`UPDATE notes SET id = 3 WHERE id = 2`);
    await sql(`UPDATE notes SET body = body WHERE id = 1`); // unchanged TOASTed value: must not become null
    await untilIndexEqualsSource(client, main.index, main.tables);

    await sql(`TRUNCATE pairs`);
    await sql(`INSERT INTO pairs VALUES ('after', 1, 'inserted after the truncate')`);
    await untilIndexEqualsSource(client, main.index, main.tables);

    // The job streaming the changes completes within CONNECTORS_INCREMENTAL_MAX_DURATION.
    const incremental = await waitFor('two finished incremental jobs', async () => {
      const done = finished(await jobsOf(client, main.id)).filter((j) => j.doc.job_type === 'incremental');
      return done.length > 1 ? done : undefined;
    });
    for (const j of incremental) expect([j.id, j.doc.status, j.doc.error]).toEqual([j.id, 'completed', null]);
    expect(incremental.reduce((n, j) => n + j.doc.deleted_document_count, 0)).toBeGreaterThan(0);
    // The slot confirmed what was applied: nothing left in it.
    const now = await cursorOf(client, main.id);
    expect(now?.slot).toBe(cursor.slot);
  });

  it('loses and doubles nothing that commits while the chain-starting full sync reads', async () => {
    await createConnector(client, during);
    service([during]);
    // Rows are changed while the full sync pages through `big` (500 rows a page).
    let writes = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const id = 1 + Math.floor(Math.random() * 30_000);
        await sql(`UPDATE big SET n = n + 1 WHERE id = ${id}; INSERT INTO big VALUES (${30_000 + ++writes}, 1, 'new') ON CONFLICT DO NOTHING`);
      }
    })();
    await waitFor('the chain', () => cursorOf(client, during.id), 120_000);
    stop = true;
    await writer;
    expect(writes).toBeGreaterThan(10);
    await untilIndexEqualsSource(client, during.index, during.tables, 60_000);
    const total = (await client.count({ index: during.index })).count;
    expect(total).toBe(30_000 + writes);
  });

  it('follows added and dropped columns and starts a new chain for a table added under *', async () => {
    await createConnector(client, columns);
    service([columns]);
    const first = await waitFor('the chain', () => cursorOf(client, columns.id), 120_000);
    // A column added or dropped changes every document of its table: a new chain's full sync rewrites them.
    await sql(`ALTER TABLE items ADD COLUMN colour text; UPDATE items SET colour = 'red' WHERE id <= 5;
      ALTER TABLE pairs DROP COLUMN val; UPDATE pairs SET k2 = k2 WHERE k1 = 'k2'`);
    const reshaped = await waitFor('a new chain after the column changes', async () => {
      const c = await cursorOf(client, columns.id);
      return c && c.slot !== first.slot ? c : undefined;
    }, 60_000);
    await untilIndexEqualsSource(client, columns.index, columns.tables);
    const red = await client.search({ index: columns.index, query: { term: { public_items_colour: 'red' } } });
    expect(red.hits.hits.length).toBe(5);
    expect((await client.search({ index: columns.index, query: { exists: { field: 'public_pairs_val' } } })).hits.hits).toEqual([]);

    await sql(`CREATE TABLE added (id integer PRIMARY KEY, what text); INSERT INTO added VALUES (1, 'one'), (2, 'two')`);
    const next = await waitFor('a new chain with the added table', async () => {
      const c = await cursorOf(client, columns.id);
      return c && c.slot !== reshaped.slot && c.tables.includes('added') ? c : undefined;
    }, 60_000);
    await untilIndexEqualsSource(client, columns.index, columns.tables);
    // The earlier chain's slot is gone with it.
    expect(await slotsOf(columns.id)).toEqual([next.slot]);
    const restarted = (await jobsOf(client, columns.id)).flatMap((j) => (j.doc.metadata?.notices as { kind: string; message: string }[] | undefined) ?? []);
    expect(restarted.map((n) => n.message).join('\n')).toMatch(/columns of "items", "pairs" were added, dropped or changed type/);
    expect(restarted.map((n) => n.message).join('\n')).toMatch(/synced tables changed \(added added\)/);
  });

  it('repairs a slot dropped behind its back with a full sync, and says so on the job', async () => {
    const before = await cursorOf(client, main.id);
    expect(before).toBeDefined();
    service([main]);
    await waitFor('the slot to be free', async () => {
      const r = await withAdmin(pgService.database, (c) => c.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [before!.slot]));
      return r.rows[0]?.active === false;
    });
    await withAdmin(pgService.database, (c) => c.query('SELECT pg_drop_replication_slot($1)', [before!.slot]));
    await sql(`UPDATE items SET qty = -1 WHERE id = 1`);
    const repaired = await waitFor('a new chain', async () => {
      const c = await cursorOf(client, main.id);
      return c && c.slot !== before!.slot ? c : undefined;
    }, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\nservice log:\n${procs.at(-1)?.lines.slice(-40).join('\n') ?? ''}`);
    });
    expect(await slotsOf(main.id)).toEqual([repaired.slot]);
    await untilIndexEqualsSource(client, main.index, main.tables);
    const notices = (await jobsOf(client, main.id)).flatMap((j) => (j.doc.metadata?.notices as { message: string }[] | undefined) ?? []);
    expect(notices.map((n) => n.message).join('\n')).toContain(`the replication slot ${before!.slot} no longer exists`);
  });

  it('drops the slot and the publication it created when the incremental schedule is turned off', async () => {
    await createConnector(client, off);
    service([off]);
    const cursor = await waitFor('the chain', () => cursorOf(client, off.id), 120_000);
    expect(await publicationExists(cursor.publication)).toBe(true);
    await setIncrementalSchedule(client, off.id, false);
    await waitFor('the chain to be dropped', async () => (await connectorDoc(client, off.id)).sync_cursor === null && (await slotsOf(off.id)).length === 0, 30_000);
    expect(await publicationExists(cursor.publication)).toBe(false);
  });

  it('applies basic sync rules to every change: a row that stops matching leaves the index, and comes back', async () => {
    await createConnector(client, rules);
    const HIDE: BasicRule = { id: 'hide', policy: 'exclude', field: 'public_items_name', rule: 'starts_with', value: 'hidden', order: 0 };
    const DEFAULT: BasicRule = { id: 'DEFAULT', policy: 'include', field: '_', rule: 'regex', value: '.*', order: 1 };
    service([rules]);
    await editDraft(client, rules.id, (draft) => {
      draft.rules = [HIDE, DEFAULT];
      draft.validation = { state: 'edited', errors: [] };
    });
    await waitFor('the rules to be active', async () => (await filteringOf(client, rules.id)).active.rules.some((r) => r.id === 'hide'));
    await waitFor('the chain', () => cursorOf(client, rules.id), 120_000);
    const has = async (id: number) => {
      await client.indices.refresh({ index: rules.index });
      return (await client.count({ index: rules.index, query: { term: { public_items_id: id } } })).count === 1;
    };
    expect(await has(50)).toBe(true);
    await sql(`UPDATE items SET name = 'hidden ' || name WHERE id = 50; INSERT INTO items VALUES (7001, 'hidden new', 1, 1, NULL, now())`);
    await waitFor('row 50 to leave the index', async () => !(await has(50)));
    expect(await has(7001)).toBe(false);
    await sql(`UPDATE items SET name = 'visible again' WHERE id IN (50, 7001)`);
    await waitFor('rows 50 and 7001 to be indexed', async () => (await has(50)) && (await has(7001)));
  });

  it('cancels a streaming incremental job within 5 seconds', async () => {
    await createConnector(client, streaming);
    service([streaming], { CONNECTORS_INCREMENTAL_MAX_DURATION: '120', CONNECTORS_INCREMENTAL_IDLE: '120' });
    await waitFor('the chain', () => cursorOf(client, streaming.id), 120_000);
    await sql(`INSERT INTO pairs VALUES ('streamed', 1)`);
    const running = await waitFor('a streaming incremental job', async () => {
      const jobs = await jobsOf(client, streaming.id);
      return jobs.find((j) => j.doc.job_type === 'incremental' && j.doc.status === 'in_progress' && j.doc.indexed_document_count > 0);
    }, 30_000);
    // As Kibana's cancel: guarded by the version read, so a progress report in between means reading again.
    await waitFor('the cancel request to be written', async () => {
      const j = await store(client).getJob(running.id);
      return j ? store(client).updateJob(running.id, { status: 'canceling', cancelation_requested_at: new Date().toISOString() }, j) : false;
    });
    const asked = Date.now();
    const canceled = await waitFor('the cancel', async () => {
      const j = await store(client).getJob(running.id);
      return j?.doc.status === 'canceled' ? j : undefined;
    }, 10_000, 100);
    expect(Date.now() - asked).toBeLessThan(5000);
    expect(canceled.doc.error).toBeNull();
    // The slot is free again and the next change is still applied.
    await sql(`INSERT INTO pairs VALUES ('after the cancel', 2)`);
    await untilIndexEqualsSource(client, streaming.index, streaming.tables);
  });

  it('replays cleanly after the service is killed while it streams, and never runs one slot twice with two replicas', async () => {
    await createConnector(client, crash);
    const env = { CONNECTORS_IDLE_JOB_THRESHOLD: '3', CONNECTORS_CLEANUP_INTERVAL: '0.5' };
    service([crash], env);
    await waitFor('the chain', () => cursorOf(client, crash.id), 120_000);
    const stop = churn();
    // Killed while streaming: writes reached Elasticsearch that the slot has not confirmed.
    for (let kill = 0; kill < 2; kill++) {
      const victim = procs.at(-1)!;
      await waitFor('a streaming job', async () => (await jobsOf(client, crash.id)).some((j) => j.doc.job_type === 'incremental' && j.doc.status === 'in_progress' && j.doc.indexed_document_count > 0), 30_000);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      victim.kill('SIGKILL');
      await victim.exited;
      service([crash], env);
    }
    service([crash], env); // a second replica beside the last one
    await new Promise((r) => setTimeout(r, 6000));
    const writes = await stop();
    expect(writes).toBeGreaterThan(20);
    await untilIndexEqualsSource(client, crash.index, crash.tables, 60_000);
    const jobs = (await jobsOf(client, crash.id)).filter((j) => j.doc.started_at);
    // The killed jobs end in error through cleanup; every other one completed.
    const failed = jobs.filter((j) => j.doc.status === 'error');
    for (const j of failed) expect(j.doc.error).toMatch(/not seen any update/);
    // One slot, one consumer: the jobs' running times never overlap.
    const spans = jobs.map((j) => [Date.parse(j.doc.started_at!), Date.parse(j.doc.completed_at ?? new Date().toISOString())] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1] - 1000);
    expect(jobs.map((j) => j.doc.error ?? '').join('\n')).not.toMatch(/in use|active for PID/);
  });

  it('keeps a quiet slot from holding WAL on a busy server, and warns on the connector when a slot holds too much', async () => {
    await createConnector(client, quiet);
    const httpPort = 20_000 + Math.floor(Math.random() * 12_000); // below the ephemeral range (32768+)
    service([quiet], { CONNECTORS_REPLICATION_WARN_MB: '4', HTTP_PORT: String(httpPort) });
    const cursor = await waitFor('the chain', () => cursorOf(client, quiet.id), 120_000);
    const slotRow = () =>
      withAdmin(pgService.database, async (c) => (await c.query<{ lsn: string; active: boolean }>('SELECT confirmed_flush_lsn::text AS lsn, active FROM pg_replication_slots WHERE slot_name = $1', [cursor.slot])).rows[0]);
    await waitFor('the slot to be idle', async () => (await slotRow())?.active === false, 30_000);
    const before = parseLsn((await slotRow())!.lsn);
    const jobsBefore = (await jobsOf(client, quiet.id)).length;
    // WAL from a table the connector does not sync: no job, but the slot moves on.
    await sql(`CREATE TABLE IF NOT EXISTS unsynced (id serial PRIMARY KEY, pad text); INSERT INTO unsynced (pad) SELECT repeat('w', 1000) FROM generate_series(1, 2000)`);
    await waitFor('the quiet slot to advance', async () => parseLsn((await slotRow())!.lsn) > before, 30_000);
    expect((await jobsOf(client, quiet.id)).length).toBe(jobsBefore);

    // A consumer that never confirms holds the slot: WAL piles up and the connector says so.
    // The service takes the slot now and then to move it on: try again until this consumer has it.
    const { repl, held } = await waitFor('a consumer of our own holding the slot', async () => {
      if ((await slotRow())?.active !== false) return undefined;
      const r = await ReplicationConnection.open(parseSettings(values('notes')), createLogger('silent'));
      const h = r.start(cursor.slot, cursor.publication, parseLsn(cursor.lsn), 100);
      const refused = await h.next().then(() => undefined, (err: unknown) => err ?? 'refused');
      const holder = refused ? undefined : await waitFor('the slot taken', () => slotHolder(pgService.database, cursor.slot), 5_000).catch(() => undefined);
      if (holder === backendPid(r)) return { repl: r, held: h };
      await h.return(undefined).catch(() => undefined);
      await r.close();
      return undefined;
    }, 30_000);
    try {
      await sql(`INSERT INTO unsynced (pad) SELECT repeat('w', 1000) FROM generate_series(1, 8000)`);
      const warned = await waitFor('the warning', async () => {
        const d = await connectorDoc(client, quiet.id);
        return d.error?.includes('change-capture slot keeps') ? d : undefined;
      }, 30_000);
      expect(warned.error).toMatch(/keeps \d+ MiB of WAL on PostgreSQL \(warning past 4 MiB\)/);
      // The same figure on /metrics, in bytes.
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const retained = new RegExp(`connectors_replication_retained_bytes\\{connector="${quiet.id}"\\} (\\d+)`).exec(metrics);
      expect(Number(retained?.[1])).toBeGreaterThan(4 * 1_048_576);
    } finally {
      await held.return(undefined);
      await repl.close();
    }
    await waitFor('the warning to clear', async () => (await connectorDoc(client, quiet.id)).error === null, 30_000);
  });

  it('drops the chain of a connector deleted in Kibana (soft delete)', async () => {
    await createConnector(client, gone);
    service([gone]);
    await waitFor('the chain', () => cursorOf(client, gone.id), 120_000);
    await waitFor('the slot to be idle', async () => {
      const r = await withAdmin(pgService.database, (c) => c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE $1 AND NOT active', [`${chainPrefix(gone.id)}%`]));
      return r.rowCount === 1;
    }, 30_000);
    await store(client).updateConnector(gone.id, { deleted: true });
    await waitFor('the slot to be dropped', async () => (await slotsOf(gone.id)).length === 0, 30_000);
  });

  it('keeps stored generated columns, writes a large transaction in batches, and explains what it cannot follow', async () => {
    await sql(`CREATE TABLE gen (id int PRIMARY KEY, a int NOT NULL, doubled int GENERATED ALWAYS AS (a * 2) STORED)`);
    await sql(`INSERT INTO gen (id, a) SELECT g, g FROM generate_series(1, 10) g`);
    await sql(`CREATE TABLE measures (id int, at date, v int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE measures_2024 PARTITION OF measures FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      INSERT INTO measures VALUES (1, '2024-05-01', 1)`);
    await createConnector(client, shapes);
    await createConnector(client, parted);
    // Only these two: the suite's other connectors have chains of their own to repair after the DDL above.
    service([shapes, parted]);
    await waitFor('the chain', () => cursorOf(client, shapes.id), 120_000);
    // pgoutput leaves stored generated columns out: the row is read again, the field kept.
    await sql(`UPDATE gen SET a = 100 WHERE id = 1`);
    // 2 500 rows in one transaction: written 1 000 at a time, confirmed at its commit.
    await sql(`INSERT INTO gen (id, a) SELECT g, g FROM generate_series(11, 2510) g`);
    await untilIndexEqualsSource(client, shapes.index, shapes.tables);
    const one = await client.search<Record<string, unknown>>({ index: shapes.index, query: { term: { public_gen_id: 1 } } });
    expect(one.hits.hits[0]?._source?.public_gen_doubled).toBe(200);

    // A partitioned parent listed by name: its changes would arrive under the partitions' names.
    const p = await waitFor('the partitioned connector to explain', async () => {
      const d = await connectorDoc(client, parted.id);
      return d.error ? d : undefined;
    }, 30_000);
    expect(p.error).toContain('"measures" is a partitioned table: list its partitions instead (or use *)');

    // A table whose deletes would not carry the key.
    await sql(`ALTER TABLE gen REPLICA IDENTITY NOTHING`);
    const g = await waitFor('the gen connector to explain', async () => {
      const d = await connectorDoc(client, shapes.id);
      return d.error ? d : undefined;
    }, 30_000);
    expect(g.error).toContain('ALTER TABLE "public"."gen" REPLICA IDENTITY DEFAULT');
    await sql(`ALTER TABLE gen REPLICA IDENTITY DEFAULT`);
  });

  it('falls back to a cursor column without logical replication: edits and inserts follow, deletes wait for a full sync', async () => {
    await createConnector(client, fallback);
    const doc = await connectorDoc(client, fallback.id);
    const configuration = structuredClone(doc.configuration);
    configuration.cursor_column!.value = 'updated';
    await store(client).updateConnector(fallback.id, { configuration });
    service([fallback]);
    const cursor = await waitFor('a cursor-column chain', async () => {
      const c = (await connectorDoc(client, fallback.id)).sync_cursor as { mode?: string; note?: string; tables?: string[] } | null;
      return c?.mode === 'cursor' ? c : undefined;
    }, 60_000);
    expect(cursor.tables).toEqual(['items']);
    expect(cursor.note).toMatch(/deleted rows are not seen; full syncs remove them/);
    const d = await connectorDoc(client, fallback.id);
    expect([d.status, d.error, d.features?.incremental_sync?.enabled]).toEqual(['connected', null, true]);
    await untilIndexEqualsSource(client, fallback.index, fallback.tables);

    await sql(`UPDATE items SET name = 'cursor edit', updated = now() WHERE id = 3; INSERT INTO items (id, name, updated) VALUES (8001, 'cursor insert', now())`);
    await untilIndexEqualsSource(client, fallback.index, fallback.tables);
    const notices = (await jobsOf(client, fallback.id)).flatMap((j) => (j.doc.metadata?.notices as { kind: string }[] | undefined) ?? []);
    expect(notices.map((n) => n.kind)).toContain('cursor_mode');

    // A delete is invisible to the cursor; the next full sync removes it.
    await sql(`DELETE FROM items WHERE id = 8001`);
    await sql(`UPDATE items SET name = 'after the delete', updated = now() WHERE id = 4`);
    await waitFor('the later edit', async () => {
      await client.indices.refresh({ index: fallback.index });
      return (await client.count({ index: fallback.index, query: { match_phrase: { public_items_name: 'after the delete' } } })).count === 1;
    });
    expect((await client.count({ index: fallback.index, query: { term: { public_items_id: 8001 } } })).count).toBe(1);
    const full = await runJob(client, fallback.id);
    expect([full.status, full.error]).toEqual(['completed', null]);
    await untilIndexEqualsSource(client, fallback.index, fallback.tables);
  });

  it('says on the connector why a role without REPLICATION cannot sync incrementally, and keeps full syncs', async () => {
    await createConnector(client, denied);
    service([denied]);
    const doc = await waitFor('the connector to explain', async () => {
      const d = await connectorDoc(client, denied.id);
      return d.error ? d : undefined;
    }, 30_000);
    expect(doc.status).toBe('error');
    expect(doc.error).toContain(`User "${NO_REPLICATION_ROLE}" lacks the REPLICATION attribute`);
    expect(doc.error).toContain(`ALTER ROLE "${NO_REPLICATION_ROLE}" REPLICATION`);
    expect(doc.features?.incremental_sync?.enabled).toBe(false);
    const job = await runJob(client, denied.id);
    expect([job.status, job.error]).toEqual(['completed', null]);
    expect(JSON.stringify(job.metadata)).toContain('change_capture_unavailable');
    // No incremental job is scheduled: it could only fail.
    expect((await jobsOf(client, denied.id)).filter((j) => j.doc.job_type === 'incremental')).toEqual([]);
    expect(await slotsOf(denied.id)).toEqual([]);
  });
});
