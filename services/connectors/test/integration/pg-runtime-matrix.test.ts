import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRule } from '../../src/protocol/documents.js';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import type { BasicRule } from '../../src/protocol/types.js';
import { createDatabase, dropDatabase, pgService, withAdmin } from '../helpers/pg-fixtures.js';
import { connectorDoc, createPgConnector, deleteConnectors, runJob, type PgConnectorOptions } from '../helpers/pg-runtime-helpers.js';
import { esClient, startService, stopAll, store, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';

// Every basic-rule operator and every source error a user can cause, each on a
// connector of its own, all run by one real service process.

const RANDOM = randomBytes(4).toString('hex');
const DB = `it_pgmx_${RANDOM}`;
const INDEX = `it-pgmx-${RANDOM}`;
const LOCKED_OUT = `it_pgmx_${RANDOM}_noread`;
const LOCKED_OUT_PASSWORD = `Pw-${randomBytes(6).toString('hex')}`;

const FIXTURE = `
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, price numeric(8, 2) NOT NULL, qty bigint NOT NULL, active boolean NOT NULL,
  code varchar(8), born date, seen timestamptz, tags int[], meta jsonb);
INSERT INTO items VALUES
  (1, 'red pen', 2.50, 10, true, '10', '1999-12-31', '2024-01-01 10:00:00+02', '{1,7}', '{"color": "red"}'),
  (2, 'blue pen', 3.00, 5, false, '9', '2000-01-01', '2024-01-01 06:00:00+00', '{2}', '{"color": "blue"}'),
  (3, 'red lamp', 40.00, 1, true, '42', '0044-03-15 BC', 'infinity', '{}', '{"watts": 40}'),
  (4, 'desk', 250.00, 2, true, '5', 'infinity', '2023-06-01 00:00:00+00', '{17,3}', '[1, 2]'),
  (5, 'pencil', 0.99, 100, false, '100', NULL, NULL, NULL, NULL);
`;

type Case = { name: string; rules: Omit<BasicRule, 'order'>[]; expected: number[]; error?: RegExp };
const rule = (id: string, policy: 'include' | 'exclude', column: string, op: BasicRule['rule'], value: string) => ({
  id,
  policy,
  field: `public_items_${column}`,
  rule: op,
  value,
});

// Exclude rules drop what they match; the DEFAULT rule (include everything) comes last.
const CASES: Case[] = [
  { name: 'equals (text)', rules: [rule('r', 'exclude', 'name', 'equals', 'desk')], expected: [1, 2, 3, 5] },
  { name: 'equals (boolean)', rules: [rule('r', 'exclude', 'active', 'equals', 'false')], expected: [1, 3, 4] },
  { name: 'contains', rules: [rule('r', 'exclude', 'name', 'contains', 'pen')], expected: [3, 4] },
  { name: 'starts_with', rules: [rule('r', 'exclude', 'name', 'starts_with', 'red')], expected: [2, 4, 5] },
  { name: 'ends_with', rules: [rule('r', 'exclude', 'name', 'ends_with', 'pen')], expected: [3, 4, 5] },
  { name: 'regex', rules: [rule('r', 'exclude', 'name', 'regex', '(red|blue) pen')], expected: [3, 4, 5] },
  { name: '> (numeric)', rules: [rule('r', 'exclude', 'price', '>', '10')], expected: [1, 2, 5] },
  { name: '< (bigint)', rules: [rule('r', 'exclude', 'qty', '<', '5')], expected: [1, 2, 5] },
  // Compared by the column's type, as Elastic coerces by the value's type (README, sync rules).
  { name: '> (varchar compares as text: "9" > "5", "10" < "5")', rules: [rule('r', 'exclude', 'code', '>', '5')], expected: [1, 3, 4, 5] },
  { name: '< (date as an instant: BC first, NULL never)', rules: [rule('r', 'exclude', 'born', '<', '2000-01-01')], expected: [2, 4, 5] },
  {
    // 10:00+02 is 08:00Z, after 07:30Z; as text "…T08:00:00+00:00" would sort before "…T09:30:00+02:00".
    name: '> (timestamptz as an instant, infinity last)',
    rules: [rule('r', 'exclude', 'seen', '>', '2024-01-01T09:30:00+02:00')],
    expected: [2, 4, 5],
  },
  { name: 'equals (boolean, t/f words)', rules: [rule('r', 'exclude', 'active', 'equals', 'f')], expected: [1, 3, 4] },
  { name: 'contains (int array as indexed text)', rules: [rule('r', 'exclude', 'tags', 'contains', '7')], expected: [2, 3, 5] },
  { name: 'contains (jsonb object as JSON text)', rules: [rule('r', 'exclude', 'meta', 'contains', '"color":"red"')], expected: [2, 3, 4, 5] },
  { name: '> on a boolean', rules: [rule('gt-bool', 'exclude', 'active', '>', 'false')], expected: [], error: /^Sync rule "gt-bool": field "public_items_active" holds booleans; ">" cannot compare them/ },
  { name: '< with a rule value that is not a date', rules: [rule('lt-date', 'exclude', 'born', '<', 'last year')], expected: [], error: /^Sync rule "lt-date": field "public_items_born" holds dates or timestamps; "<" needs an ISO 8601 date or timestamp, not "last year"/ },
  {
    // `.+`, not `.*`: only the DEFAULT rule may match everything (Elastic's validation, re-run at job start).
    name: 'order: the first matching rule decides',
    rules: [rule('keep-desk', 'include', 'name', 'equals', 'desk'), rule('drop-rest', 'exclude', 'name', 'regex', '.+')],
    expected: [4],
  },
];

const ERRORS: { name: string; options: Partial<PgConnectorOptions> & { port?: number }; message: RegExp }[] = [
  { name: 'unreachable host', options: { port: 1 }, message: /^Cannot reach PostgreSQL at 127\.0\.0\.1:1/ },
  { name: 'missing database', options: { database: `${DB}_nope` }, message: new RegExp(`^Database "${DB}_nope" does not exist`) },
  { name: 'missing schema', options: { schema: 'nope_schema' }, message: /Schema "nope_schema" does not exist|"nope_schema"/ },
  {
    name: 'permission denied',
    options: { username: LOCKED_OUT, password: LOCKED_OUT_PASSWORD },
    message: new RegExp(`^Permission denied: user "${LOCKED_OUT}" may not SELECT from "items"`),
  },
];

const ruleId = (i: number) => `pgmx-rule-${i}-${RANDOM}`;
const errorId = (i: number) => `pgmx-err-${i}-${RANDOM}`;

describe('PostgreSQL through the runtime: every rule operator and every user error', () => {
  let client: Client;
  const procs: ServiceProcess[] = [];
  const all = [...CASES.map((_, i) => ruleId(i)), ...ERRORS.map((_, i) => errorId(i))];

  beforeAll(async () => {
    client = esClient();
    await createDatabase(DB, FIXTURE);
    await withAdmin(pgService.database, async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${LOCKED_OUT}`);
      await c.query(`CREATE ROLE ${LOCKED_OUT} LOGIN PASSWORD '${LOCKED_OUT_PASSWORD}'`);
    });
    await withAdmin(DB, (c) => c.query(`REVOKE ALL ON items FROM PUBLIC`));

    for (const [i, c] of CASES.entries()) {
      const id = ruleId(i);
      await createPgConnector(client, id, `${INDEX}-rule-${i}`, { database: DB, tables: 'items' });
      // Rules as Kibana leaves them once validated and activated.
      const doc = await connectorDoc(client, id);
      const rules = [...c.rules.map((r, order) => ({ ...defaultRule(order), ...r, order })), defaultRule(c.rules.length)];
      const filtering = structuredClone(doc.filtering);
      for (const side of [filtering[0]!.active, filtering[0]!.draft]) {
        side.rules = rules;
        side.validation = { state: 'valid', errors: [] };
      }
      await store(client).updateConnector(id, { filtering });
    }
    for (const [i, e] of ERRORS.entries()) {
      await createPgConnector(client, errorId(i), `${INDEX}-err-${i}`, { database: DB, tables: 'items', ...e.options });
      if (e.options.port !== undefined) {
        const doc = await connectorDoc(client, errorId(i));
        const configuration = structuredClone(doc.configuration);
        configuration.port!.value = e.options.port;
        await store(client).updateConnector(errorId(i), { configuration });
      }
    }
    await client.indices.refresh({ index: CONNECTORS_ALIAS });
    procs.push(startService({ CONNECTOR_IDS: all.join(',') }));
  });

  afterAll(async () => {
    await stopAll(procs);
    if (client) {
      await deleteConnectors(client, all);
      await client.indices.delete({ index: `${INDEX}-*`, ignore_unavailable: true });
      await client.close();
    }
    await dropDatabase(DB);
    await withAdmin(pgService.database, (c) => c.query(`DROP ROLE IF EXISTS ${LOCKED_OUT}`));
  });

  for (const [i, c] of CASES.entries()) {
    it(`basic rule ${c.name}`, async () => {
      const id = ruleId(i);
      await waitFor(`${id} connected`, async () => (await connectorDoc(client, id)).status === 'connected');
      const job = await runJob(client, id);
      if (c.error) {
        // A comparison the column's type does not allow: the job says which rule and field, and the connector too.
        expect(job.status).toBe('error');
        expect(job.error).toMatch(c.error);
        expect((await connectorDoc(client, id)).last_sync_error).toMatch(c.error);
        return;
      }
      expect(job.error).toBeNull();
      expect(job.status).toBe('completed');
      expect(job.indexed_document_count).toBe(c.expected.length);
      expect(job.metadata.excluded_by_sync_rules ?? 0).toBe(5 - c.expected.length);
      const index = `${INDEX}-rule-${i}`;
      await client.indices.refresh({ index });
      const res = await client.search<{ public_items_id: number }>({ index, size: 10, sort: [{ public_items_id: 'asc' }] });
      expect(res.hits.hits.map((h) => h._source?.public_items_id)).toEqual(c.expected);
    });
  }

  for (const [i, e] of ERRORS.entries()) {
    it(`${e.name}: the connector says what to fix, and so does a sync job`, async () => {
      const id = errorId(i);
      const doc = await waitFor(`${id} in error`, async () => {
        const d = await connectorDoc(client, id);
        return d.status === 'error' ? d : undefined;
      });
      expect(doc.error).toMatch(e.message);
      const job = await runJob(client, id);
      expect(job.status).toBe('error');
      expect(job.error).toMatch(e.message);
      // (The configuration itself holds the password, as the protocol stores it; the messages never do.)
      if (e.options.password) expect(`${doc.error} ${job.error}`).not.toContain(e.options.password);
    });
  }
});
