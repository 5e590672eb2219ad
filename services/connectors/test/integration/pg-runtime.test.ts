import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import type { BasicRule } from '../../src/protocol/types.js';
import type { SyncNotice } from '../../src/sources/types.js';
import { createDatabase, dropDatabase, pgService, withAdmin } from '../helpers/pg-fixtures.js';
import {
  connectorDoc,
  createPgConnector,
  deleteConnectors,
  editDraft,
  filteringOf,
  peakRssKiB,
  runJob,
} from '../helpers/pg-runtime-helpers.js';
import { esClient, startService, stopAll, store, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';

// The PostgreSQL connector run by the real service process, driven only
// through the connector documents, as Kibana and a user would drive it.

const RANDOM = randomBytes(4).toString('hex');
const DB = `it_pgrt_${RANDOM}`;
const INDEX = `it-pgrt-${RANDOM}`;
const ROLE = `it_pgrt_${RANDOM}_user`;
const ROLE_PASSWORD = `Right-pw-${randomBytes(6).toString('hex')}`;
const WRONG_PASSWORD = `Wrong-pw-${randomBytes(6).toString('hex')}`;
const BIG_ROWS = 200_000;

const C = {
  badPassword: `pgrt-badpw-${RANDOM}`,
  missingTable: `pgrt-nope-${RANDOM}`,
  main: `pgrt-main-${RANDOM}`,
  advanced: `pgrt-adv-${RANDOM}`,
  big: `pgrt-big-${RANDOM}`,
};
const INDICES = {
  badPassword: `${INDEX}-badpw`,
  missingTable: `${INDEX}-nope`,
  main: INDEX,
  advanced: `${INDEX}-adv`,
  big: `${INDEX}-big`,
};

const FIXTURE = `
CREATE TABLE line_items (
  order_id integer NOT NULL,
  line_no integer NOT NULL,
  sku text NOT NULL,
  qty integer NOT NULL,
  active boolean NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (order_id, line_no)
);
INSERT INTO line_items VALUES
  (1, 1, 'A-1', 1, true,  '2024-01-01 10:00:00+00'),
  (1, 2, 'A-2', 3, false, '2024-01-02 10:00:00+00'),
  (2, 1, 'B-1', 5, true,  '2024-01-03 10:00:00+00'),
  (2, 2, 'B-2', 2, true,  '2024-01-04 10:00:00+00'),
  (3, 1, 'C-1', 4, false, '2024-01-05 10:00:00+00'),
  (3, 2, 'C-2', 6, true,  '2024-01-06 10:00:00+00'),
  (4, 1, 'D-1', 7, true,  '2024-01-07 10:00:00+00'),
  (4, 2, 'D-2', 1, false, '2024-01-08 10:00:00+00');

CREATE TABLE "Order Items" (id bigint PRIMARY KEY, "Name" text NOT NULL, price numeric(10, 2));
INSERT INTO "Order Items" VALUES (10, 'ten', 1.50), (20, 'twenty', 2.25), (30, 'thirty', NULL);

CREATE TABLE audit_log (at timestamptz NOT NULL, message text);
INSERT INTO audit_log VALUES ('2024-01-01 00:00:00+00', 'created'), ('2024-01-02 00:00:00+00', 'updated');

CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price integer NOT NULL);
INSERT INTO products VALUES (1, 'pen', 2), (2, 'book', 15), (3, 'lamp', 40), (4, 'mug', 8), (5, 'desk', 250);

CREATE TABLE big_rows (id integer PRIMARY KEY, n bigint NOT NULL, label text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO big_rows
  SELECT g, g::bigint * 7, rpad('row ' || g || ' ', 100, md5(g::text)), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
  FROM generate_series(1, ${BIG_ROWS}) AS g;
ANALYZE big_rows;
`;

const DEFAULT_RULE: BasicRule = { id: 'DEFAULT', policy: 'include', field: '_', rule: 'regex', value: '.*', order: 1 };
const EXCLUDE_INACTIVE: BasicRule = { id: 'r1', policy: 'exclude', field: 'public_line_items_active', rule: 'equals', value: 'false', order: 0 };

const lineItemId = (orderId: number, lineNo: number) => `${DB}_public_line_items_${orderId}_${lineNo}`;
const orderItemId = (id: number) => `${DB}_public_Order Items_${id}`;

describe('PostgreSQL connector through the protocol runtime (live PostgreSQL and Elasticsearch)', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];

  async function count(index: string): Promise<number> {
    await client.indices.refresh({ index });
    return (await client.count({ index })).count;
  }

  async function ids(index: string): Promise<string[]> {
    await client.indices.refresh({ index });
    const res = await client.search({ index, size: 1000, _source: false, sort: ['_doc'] });
    return res.hits.hits.map((h) => h._id ?? '').sort();
  }

  beforeAll(async () => {
    client = esClient();
    await createDatabase(DB, FIXTURE);
    await withAdmin(pgService.database, async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
      await c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${ROLE_PASSWORD}'`);
    });
    await createPgConnector(client, C.badPassword, INDICES.badPassword, {
      database: DB,
      tables: 'line_items',
      username: ROLE,
      password: WRONG_PASSWORD,
    });
    await createPgConnector(client, C.missingTable, INDICES.missingTable, { database: DB, tables: 'nope' });
    await createPgConnector(client, C.main, INDICES.main, { database: DB, tables: 'line_items,Order Items,audit_log' });
    await createPgConnector(client, C.advanced, INDICES.advanced, { database: DB, tables: 'products' });
    await createPgConnector(client, C.big, INDICES.big, { database: DB, tables: 'big_rows' });
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    procs.push(startService({ CONNECTOR_IDS: Object.values(C).join(',') }));
  });

  afterAll(async () => {
    await stopAll(procs);
    if (client) {
      await deleteConnectors(client, Object.values(C));
      await client.indices.delete({ index: Object.values(INDICES), ignore_unavailable: true });
      await client.close();
    }
    await dropDatabase(DB);
    await withAdmin(pgService.database, (c) => c.query(`DROP ROLE IF EXISTS ${ROLE}`));
  });

  it('puts a connector with a wrong password in error, naming the user and never the password', async () => {
    const doc = await waitFor('authentication error', async () => {
      const d = await connectorDoc(client, C.badPassword);
      return d.status === 'error' ? d : undefined;
    });
    expect(doc.error).toContain('Authentication failed');
    expect(doc.error).toContain(`"${ROLE}"`);
    expect(doc.error).not.toContain(WRONG_PASSWORD);
    // The service says so in its log too, still without the password.
    const proc = procs[0]!;
    await waitFor('the error in the log', async () => proc.lines.some((l) => l.includes(C.badPassword) && l.includes('Authentication failed')));
    const text = proc.lines.join('\n');
    expect(text).not.toContain(WRONG_PASSWORD);
  });

  it('puts a connector whose table does not exist in error, naming the table', async () => {
    const doc = await waitFor('table-not-found error', async () => {
      const d = await connectorDoc(client, C.missingTable);
      return d.status === 'error' ? d : undefined;
    });
    expect(doc.error).toMatch(/not found/i);
    expect(doc.error).toContain('"nope"');
    expect(doc.error).toContain(DB);
  });

  it('fully syncs composite keys, a mixed-case table with a space, and reports the table without a key', async () => {
    await waitFor('main connector connected', async () => (await connectorDoc(client, C.main)).status === 'connected');
    const job = await runJob(client, C.main);
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(8 + 3);
    expect(job.deleted_document_count).toBe(0);
    expect(job.total_document_count).toBe(11);
    expect(await count(INDICES.main)).toBe(job.total_document_count);

    // The table without a primary key is reported on the job, not only in the log.
    const notices = (job.metadata.notices ?? []) as SyncNotice[];
    const skipped = notices.filter((n) => n.kind === 'table_skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.message).toContain('audit_log');
    expect(skipped[0]?.detail).toMatchObject({ table: 'audit_log', reason: 'no primary key' });

    expect(await ids(INDICES.main)).toEqual(
      [
        ...[
          [1, 1],
          [1, 2],
          [2, 1],
          [2, 2],
          [3, 1],
          [3, 2],
          [4, 1],
          [4, 2],
        ].map(([o, l]) => lineItemId(o!, l!)),
        ...[10, 20, 30].map(orderItemId),
      ].sort(),
    );
    const line = await client.get<Record<string, unknown>>({ index: INDICES.main, id: lineItemId(2, 1) });
    expect(line._source).toMatchObject({
      id: lineItemId(2, 1),
      database: DB,
      schema: 'public',
      table: 'line_items',
      public_line_items_order_id: 2,
      public_line_items_line_no: 1,
      public_line_items_sku: 'B-1',
      public_line_items_qty: 5,
      public_line_items_active: true,
    });
    expect(Date.parse(String(line._source?.public_line_items_created_at))).toBe(Date.parse('2024-01-03T10:00:00Z'));
    const order = await client.get<Record<string, unknown>>({ index: INDICES.main, id: orderItemId(20) });
    expect(order._source).toMatchObject({ table: 'Order Items', 'public_order items_id': 20, 'public_order items_name': 'twenty', 'public_order items_price': 2.25 });

    // The index was created with mappings derived from the column types, not dynamic ones.
    const mapping = await client.indices.getMapping({ index: INDICES.main });
    const properties = (mapping[INDICES.main]?.mappings.properties ?? {}) as Record<string, { type?: string }>;
    expect(properties.public_line_items_qty?.type).toBe('integer');
    expect(properties.public_line_items_order_id?.type).toBe('integer');
    expect(properties['public_order items_id']?.type).toBe('long');
    expect(properties.public_line_items_created_at?.type).toBe('date');
    expect(properties.public_line_items_active?.type).toBe('boolean');
    expect(properties['public_order items_price']?.type).toBe('double');
    expect(properties.table?.type).toBe('keyword');

    const connector = await connectorDoc(client, C.main);
    expect(connector.last_sync_status).toBe('completed');
    expect(connector.last_indexed_document_count).toBe(11);
  });

  it('deletes documents of deleted rows and of a table dropped from the list', async () => {
    await withAdmin(DB, (c) => c.query('DELETE FROM line_items WHERE (order_id, line_no) IN ((1, 2), (4, 1))'));
    const configuration = structuredClone((await connectorDoc(client, C.main)).configuration);
    configuration.tables!.value = 'line_items,audit_log';
    expect(await store(client).updateConnector(C.main, { configuration })).toBe(true);

    const job = await runJob(client, C.main);
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(6);
    expect(job.deleted_document_count).toBe(2 + 3);
    expect(job.total_document_count).toBe(6);
    expect(await count(INDICES.main)).toBe(6);
    for (const id of [lineItemId(1, 2), lineItemId(4, 1), ...[10, 20, 30].map(orderItemId)]) {
      expect(await client.exists({ index: INDICES.main, id })).toBe(false);
    }
    expect(await client.exists({ index: INDICES.main, id: lineItemId(1, 1) })).toBe(true);
  });

  it('validates, activates and applies basic sync rules; an invalid draft leaves the active rules alone', async () => {
    await editDraft(client, C.main, (draft) => {
      draft.rules = [EXCLUDE_INACTIVE, DEFAULT_RULE];
      draft.validation = { state: 'edited', errors: [] };
    });
    const activated = await waitFor('activation of the draft rules', async () => {
      const f = await filteringOf(client, C.main);
      return f.draft.validation.state === 'valid' && f.active.rules.some((r) => r.id === 'r1') ? f : undefined;
    });
    expect(activated.active.rules.map((r) => r.id)).toEqual(['r1', 'DEFAULT']);
    expect(activated.active.validation.state).toBe('valid');

    // Remaining rows: (1,1) (2,1) (2,2) (3,2) active; (3,1) (4,2) inactive and indexed by the previous sync.
    const job = await runJob(client, C.main);
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    expect(job.connector.filtering?.rules.map((r) => r.id)).toEqual(['r1', 'DEFAULT']);
    expect(job.indexed_document_count).toBe(4);
    expect(job.deleted_document_count).toBe(2);
    expect(job.total_document_count).toBe(4);
    expect(job.metadata.excluded_by_sync_rules).toBe(2);
    expect(await ids(INDICES.main)).toEqual([lineItemId(1, 1), lineItemId(2, 1), lineItemId(2, 2), lineItemId(3, 2)].sort());
    await client.indices.refresh({ index: INDICES.main });
    const inactive = await client.count({ index: INDICES.main, query: { term: { public_line_items_active: false } } });
    expect(inactive.count).toBe(0);

    // A draft with a broken regex: invalid, named by rule id, and never activated.
    await editDraft(client, C.main, (draft) => {
      draft.rules = [
        EXCLUDE_INACTIVE,
        { id: 'bad-regex', policy: 'exclude', field: 'public_line_items_sku', rule: 'regex', value: '(', order: 1 },
        { ...DEFAULT_RULE, order: 2 },
      ];
      draft.validation = { state: 'edited', errors: [] };
    });
    const rejected = await waitFor('rejection of the invalid draft', async () => {
      const f = await filteringOf(client, C.main);
      return f.draft.validation.state === 'invalid' ? f : undefined;
    });
    expect(rejected.draft.validation.errors).toHaveLength(1);
    expect(rejected.draft.validation.errors[0]?.ids).toEqual(['bad-regex']);
    expect(rejected.draft.validation.errors[0]?.messages.join(' ')).toMatch(/regex/i);
    expect(rejected.active.rules.map((r) => r.id)).toEqual(['r1', 'DEFAULT']);
    expect(rejected.active.validation.state).toBe('valid');
    // A few more polls change nothing.
    await new Promise((r) => setTimeout(r, 1000));
    const later = await filteringOf(client, C.main);
    expect(later.active.rules.map((r) => r.id)).toEqual(['r1', 'DEFAULT']);
    expect(later.draft.validation.state).toBe('invalid');
  });

  it('syncs only the rows of an advanced rule query, and rejects a rule naming a missing table', async () => {
    await waitFor('advanced connector connected', async () => (await connectorDoc(client, C.advanced)).status === 'connected');
    const snippet = [{ tables: ['products'], query: 'SELECT * FROM products WHERE price >= 10' }];
    await editDraft(client, C.advanced, (draft) => {
      draft.advanced_snippet = { value: snippet, updated_at: new Date().toISOString() };
      draft.validation = { state: 'edited', errors: [] };
    });
    await waitFor('activation of the advanced rules', async () => {
      const f = await filteringOf(client, C.advanced);
      return f.draft.validation.state === 'valid' && Array.isArray(f.active.advanced_snippet.value);
    });
    expect((await filteringOf(client, C.advanced)).active.advanced_snippet.value).toEqual(snippet);

    const job = await runJob(client, C.advanced);
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(3);
    expect(job.total_document_count).toBe(3);
    expect(await count(INDICES.advanced)).toBe(3);
    expect(await ids(INDICES.advanced)).toEqual([2, 3, 5].map((id) => `${DB}_public_products_${id}`).sort());
    const doc = await client.get<Record<string, unknown>>({ index: INDICES.advanced, id: `${DB}_public_products_3` });
    expect(doc._source).toMatchObject({ table: ['products'], public_products_name: 'lamp', public_products_price: 40 });

    const active = (await filteringOf(client, C.advanced)).active;
    await editDraft(client, C.advanced, (draft) => {
      draft.advanced_snippet = { value: [{ tables: ['missing_table'], query: 'SELECT * FROM missing_table' }], updated_at: new Date().toISOString() };
      draft.validation = { state: 'edited', errors: [] };
    });
    const rejected = await waitFor('rejection of the advanced rule', async () => {
      const f = await filteringOf(client, C.advanced);
      return f.draft.validation.state === 'invalid' ? f : undefined;
    });
    expect(rejected.draft.validation.errors).toEqual([{ ids: ['advanced_snippet'], messages: ['Tables not found or inaccessible: missing_table'] }]);
    expect(rejected.active).toEqual(active);

    // Active rules edited by hand, their stored state still "valid": the job validates them again.
    const c = await store(client).getConnector(C.advanced);
    const filtering = structuredClone(c!.doc.filtering);
    filtering[0]!.active.advanced_snippet.value = [{ tables: ['missing_table'], query: 'SELECT * FROM missing_table' }];
    await store(client).updateConnector(C.advanced, { filtering });
    const invalid = await runJob(client, C.advanced);
    expect([invalid.status, invalid.error]).toEqual(['error', 'Invalid sync rules: advanced rules: Tables not found or inaccessible: missing_table']);
    expect(await count(INDICES.advanced)).toBe(3);
    filtering[0]!.active = active;
    await store(client).updateConnector(C.advanced, { filtering });
  });

  it('syncs a 200k-row table with bounded memory', async () => {
    const proc = procs[0]!;
    const pid = proc.proc.pid!;
    const job = await runJob(client, C.big, 120_000);
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    expect(job.indexed_document_count).toBe(BIG_ROWS);
    expect(job.deleted_document_count).toBe(0);
    expect(job.total_document_count).toBe(BIG_ROWS);
    expect(await count(INDICES.big)).toBe(BIG_ROWS);
    const last = await client.get<Record<string, unknown>>({ index: INDICES.big, id: `${DB}_public_big_rows_${BIG_ROWS}` });
    expect(last._source).toMatchObject({ public_big_rows_id: BIG_ROWS, public_big_rows_n: BIG_ROWS * 7 });
    expect(String(last._source?.public_big_rows_label)).toHaveLength(100);

    const peakMiB = peakRssKiB(pid) / 1024;
    const seconds = (Date.parse(job.completed_at ?? '') - Date.parse(job.started_at ?? '')) / 1000;
    console.log(
      `pg-runtime: ${BIG_ROWS} rows in ${seconds.toFixed(1)} s (${Math.round(BIG_ROWS / seconds)} rows/s), ` +
        `service peak RSS ${peakMiB.toFixed(0)} MiB, ${job.indexed_document_volume} MiB indexed`,
    );
    expect(peakMiB).toBeGreaterThan(10); // it is the service's own figure
    expect(peakMiB).toBeLessThan(600);
  });
});
