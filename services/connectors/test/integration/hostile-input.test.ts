import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRule, newJobDoc } from '../../src/protocol/documents.js';
import { CONNECTORS_ALIAS, JOBS_ALIAS } from '../../src/protocol/indices.js';
import type { BasicRule, ConnectorDoc } from '../../src/protocol/types.js';
import { MAX_MESSAGE_CHARS } from '../../src/util/text.js';
import { findSecrets, freezableRelay, responsiveness, selfSignedCa, silentServer, untrustedTlsServer, type TestServer } from '../helpers/hostile.js';
import { createDatabase, dropDatabase, pgService, withAdmin } from '../helpers/pg-fixtures.js';
import { connectorDoc, createPgConnector, deleteConnectors, runJob } from '../helpers/pg-runtime-helpers.js';
import { esClient, startService, stopAll, store, waitFor, type ServiceProcess } from '../helpers/runtime-harness.js';

// Hostile input, table-driven: each case is a connector (or a protocol
// document) a careless or malicious user could produce, served by one real
// service process with a healthy canary connector beside them. Each must end
// in a clear error on the right document and in the log, or in a correct
// sync; the canary keeps syncing; no secret is written anywhere; /health
// answers throughout.

const R = randomBytes(4).toString('hex');
const DB = `it_hx_${R}`;
const INDEX = `it-hx-${R}`;
const READER = `it_hx_${R}_reader`;
const READER_PASSWORD = `Rd-${randomBytes(12).toString('hex')}`;
const SHORT = `it_hx_${R}_short`;
/** Short secrets must not leak either. */
const SHORT_PASSWORD = 'Qz7#';
const WRONG_PASSWORD = `Wr0ng-${randomBytes(6).toString('hex')}`;
const URL_PASSWORD = `Url-${randomBytes(8).toString('hex')}`;
const SECRETS = [READER_PASSWORD, SHORT_PASSWORD, WRONG_PASSWORD, URL_PASSWORD];
const LONG_NAME = 'n'.repeat(63);
const PWNED_FILE = `/tmp/hx-pwned-${R}`;
const TEN_MB = 'x'.repeat(10 * 1024 * 1024);

const FIXTURE = `
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, price numeric(8, 2) NOT NULL, qty bigint NOT NULL, active boolean NOT NULL, born date);
INSERT INTO items VALUES (1, 'red pen', 2.50, 10, true, '1999-12-31'), (2, 'blue pen', 3.00, 5, false, '2000-01-01'), (3, 'lamp', 40.00, 1, true, NULL);
CREATE TABLE "we""ird" (id integer PRIMARY KEY, v text);
INSERT INTO "we""ird" VALUES (1, 'quoted');
CREATE TABLE "has space" (id integer PRIMARY KEY, v text);
INSERT INTO "has space" VALUES (1, 'spaced');
CREATE TABLE "a.b" (id integer PRIMARY KEY, v text);
INSERT INTO "a.b" VALUES (1, 'dotted');
CREATE TABLE "données" (id integer PRIMARY KEY, v text);
INSERT INTO "données" VALUES (1, 'accents');
CREATE TABLE "${LONG_NAME}" (id integer PRIMARY KEY, v text);
INSERT INTO "${LONG_NAME}" VALUES (1, 'long');
CREATE TABLE "select" (id integer PRIMARY KEY, "from" text);
INSERT INTO "select" VALUES (1, 'reserved');
CREATE TABLE letters (id integer PRIMARY KEY, s text NOT NULL);
INSERT INTO letters SELECT g, repeat('a', 40) || '!' FROM generate_series(1, 50) g;
INSERT INTO letters VALUES (51, 'aaa');
CREATE TABLE wide (id integer PRIMARY KEY, body text NOT NULL);
INSERT INTO wide SELECT 1, repeat(md5('w'), 3 * 1024 * 1024 / 32);
CREATE TABLE huge (id integer PRIMARY KEY, body text NOT NULL);
INSERT INTO huge SELECT 1, repeat(md5('h'), 50 * 1024 * 1024 / 32);
CREATE TABLE nested (id integer PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO nested VALUES (1, '{"flat": 1}');
INSERT INTO nested SELECT 2, (repeat('{"a":', 100) || '1' || repeat('}', 100))::jsonb;
CREATE TABLE blobs (id integer PRIMARY KEY, b bytea NOT NULL);
INSERT INTO blobs VALUES (1, '\\xfffe00c328'::bytea), (2, ''::bytea);
CREATE TABLE floats (id integer PRIMARY KEY, f8 float8, f4 real, n numeric, fa float8[]);
INSERT INTO floats VALUES (1, 'NaN', 'Infinity', 'NaN', '{NaN,Infinity,-Infinity,1.5}'), (2, '-Infinity', 'NaN', 'Infinity', '{}'), (3, 2.5, 1.25, 10, '{1}');
`;

type Expect =
  /** The connector shows the error, and a job started anyway ends with it. */
  | { on: 'connector'; message: RegExp }
  /** The connector is fine; the job ends in error. */
  | { on: 'job'; message: RegExp }
  /** The sync completes with these documents. */
  | { on: 'ok'; docs: number }
  /** The sync completes; Elasticsearch refused these documents, and the job says so. */
  | { on: 'failed-documents'; ids: string[]; reason: RegExp };

interface Case {
  name: string;
  tables?: string;
  /** Configuration values, exactly as a document may hold them (any JSON). */
  config?: Record<string, unknown> | (() => Record<string, unknown>);
  /** Configuration entries this service does not know. */
  extraEntries?: Record<string, unknown>;
  login?: { username: string; password: string };
  rules?: Record<string, unknown>[];
  advanced?: unknown;
  expect: Expect;
  /** Extra checks after the job: nothing half-applied. */
  after?: (client: Client, index: string) => Promise<void>;
}

const servers: Record<'silent' | 'tls', TestServer | undefined> = { silent: undefined, tls: undefined };
let caPem = '';
/** A CA certificate that signed nothing the servers here present. */
const otherCa = () => caPem;
let relay: Awaited<ReturnType<typeof freezableRelay>> | undefined;

const basic = (field: string, rule: string, value: string, policy = 'exclude', id = 'hostile') => ({ id, policy, field, rule, value });
const itemsUntouched = async () => {
  const n = await withAdmin(DB, (c) => c.query<{ n: string }>('SELECT count(*)::text AS n FROM items'));
  expect(n.rows[0]?.n).toBe('3');
};

const CASES: Case[] = [
  // Configuration: wrong types and ranges, missing values, wrong shapes, sizes, NUL bytes.
  { name: 'port is a word', config: { port: 'abc' }, expect: { on: 'connector', message: /^Invalid configuration: "Port" must be an integer \(got "abc"\)/ } },
  { name: 'port 0', config: { port: 0 }, expect: { on: 'connector', message: /"port" must be an integer ≥ 1 \(got 0\)/ } },
  { name: 'port 70000', config: { port: 70000 }, expect: { on: 'connector', message: /"port" must be at most 65535 \(got 70000\)/ } },
  { name: 'port -1', config: { port: -1 }, expect: { on: 'connector', message: /"port" must be an integer ≥ 1/ } },
  { name: 'port 1.5', config: { port: 1.5 }, expect: { on: 'connector', message: /^Invalid configuration: "Port" must be an integer \(got 1\.5\)/ } },
  { name: 'port is a list', config: { port: [5432] }, expect: { on: 'connector', message: /^Invalid configuration: "Port" must be an integer/ } },
  { name: 'host is empty', config: { host: '' }, expect: { on: 'connector', message: /^Invalid configuration: "Host" is required/ } },
  { name: 'host is a list', config: { host: ['127.0.0.1', 'other'] }, expect: { on: 'connector', message: /^Invalid configuration: "Host" must be text \(got a list\)/ } },
  { name: 'host is an object', config: { host: { name: '127.0.0.1' } }, expect: { on: 'connector', message: /^Invalid configuration: "Host" must be text \(got an object\)/ } },
  { name: 'database is null', config: { database: null }, expect: { on: 'connector', message: /^Invalid configuration: "Database" is required/ } },
  { name: 'username with a NUL byte', config: { username: 'conn\u0000ectors' }, expect: { on: 'connector', message: /"username" must not contain NUL characters/ } },
  { name: 'host of 10 MB', config: { host: TEN_MB }, expect: { on: 'connector', message: /"host" is too long \(10485760 characters; at most 4096\)/ } },
  { name: 'password of 10 MB', config: { password: TEN_MB }, expect: { on: 'connector', message: /"password" is too long/ } },
  { name: 'schema in unicode that does not exist', config: { schema: 'схема_😀' }, expect: { on: 'connector', message: /Schema "схема_😀" does not exist/ } },
  { name: 'host in unicode that does not resolve', config: { host: 'база.invalid' }, expect: { on: 'connector', message: /Cannot resolve PostgreSQL host "база\.invalid"/ } },
  { name: 'unknown configuration keys are ignored', extraEntries: { bogus: { value: 'x', type: 'str' }, __proto__x: { value: 1 } }, expect: { on: 'ok', docs: 3 } },
  { name: 'fetch_size is a word', config: { fetch_size: 'many' }, expect: { on: 'connector', message: /^Invalid configuration: "Rows fetched per request" must be an integer \(got "many"\)/ } },
  { name: 'fetch_size -5', config: { fetch_size: -5 }, expect: { on: 'connector', message: /"fetch_size" must be an integer ≥ 1/ } },
  { name: 'fetch_bytes 0', config: { fetch_bytes: 0 }, expect: { on: 'connector', message: /^Invalid configuration: "Bytes fetched per request \(about\)" must be/ } },
  { name: 'statement_timeout -1', config: { statement_timeout: -1 }, expect: { on: 'connector', message: /^Invalid configuration: "Statement timeout \(seconds\)" must be/ } },
  { name: 'connect_timeout 0', config: { connect_timeout: 0 }, expect: { on: 'connector', message: /^Invalid configuration: "Connection timeout \(seconds\)" must be/ } },
  { name: 'retry_count is an object', config: { retry_count: { n: 3 } }, expect: { on: 'connector', message: /^Invalid configuration: "Retries per request" must be an integer/ } },
  { name: 'ssl_enabled is "maybe"', config: { ssl_enabled: 'maybe' }, expect: { on: 'connector', message: /^Invalid configuration: "Enable SSL verification" must be true or false \(got "maybe"\)/ } },
  { name: 'field_naming unknown', config: { field_naming: 'weird' }, expect: { on: 'connector', message: /^Invalid configuration: "Document field names" must be one of/ } },
  { name: 'tables is an empty list', config: { tables: [] }, tables: '', expect: { on: 'connector', message: /^Invalid configuration: "Comma-separated list of tables" is required/ } },
  { name: 'tables holds objects', config: { tables: [{ name: 'items' }] }, expect: { on: 'connector', message: /^Invalid configuration: "Comma-separated list of tables" must be a list of text values/ } },

  // Credentials and reachability.
  { name: 'wrong password', login: { username: READER, password: WRONG_PASSWORD }, expect: { on: 'connector', message: new RegExp(`Authentication failed for user "${READER}"`) } },
  { name: 'unknown role', login: { username: `it_hx_${R}_ghost`, password: SHORT_PASSWORD }, expect: { on: 'connector', message: new RegExp(`it_hx_${R}_ghost`) } },
  { name: 'nothing listens on the port', config: { port: 1 }, expect: { on: 'connector', message: /Cannot reach PostgreSQL at 127\.0\.0\.1:1/ } },
  {
    name: 'a port that accepts and never answers: the connect timeout fires',
    config: () => ({ port: servers.silent!.port, connect_timeout: 2 }),
    expect: { on: 'connector', message: /Cannot reach PostgreSQL at 127\.0\.0\.1:\d+: .*timeout/i },
  },
  { name: 'TLS on, no certificate given', config: { ssl_enabled: true }, expect: { on: 'connector', message: /^Invalid configuration: "SSL certificate" is required/ } },
  { name: 'TLS required, the server has none', config: () => ({ ssl_enabled: true, ssl_ca: otherCa() }), expect: { on: 'connector', message: /^SSL connection to PostgreSQL at 127\.0\.0\.1:\d+ failed: The server does not support SSL connections/ } },
  {
    name: 'TLS on, a certificate no configured CA vouches for',
    config: () => ({ port: servers.tls!.port, ssl_enabled: true, ssl_ca: otherCa(), connect_timeout: 5 }),
    expect: { on: 'connector', message: /^SSL connection to PostgreSQL at 127\.0\.0\.1:\d+ failed: .*(self-signed|self signed|unable to verify)/i },
  },
  {
    name: 'a connection string with a password typed as the host',
    config: { host: `postgresql://hx:${URL_PASSWORD}@db.invalid:5432/app` },
    expect: { on: 'connector', message: /^Invalid PostgreSQL configuration: "host" must be a host name or IP address, not a URL$/ },
  },

  // Names.
  { name: 'unknown database', config: { database: `${DB}_nope` }, expect: { on: 'connector', message: new RegExp(`Database "${DB}_nope" does not exist`) } },
  { name: 'unknown schema', config: { schema: 'nope' }, expect: { on: 'connector', message: /Schema "nope" does not exist/ } },
  { name: 'unknown table', tables: 'items,nope', expect: { on: 'connector', message: /Table not found in schema "public" of database "[^"]+": "nope"/ } },
  { name: 'a table name with a double quote', tables: 'we"ird', expect: { on: 'ok', docs: 1 } },
  { name: 'a table name with a space', tables: 'has space', expect: { on: 'ok', docs: 1 } },
  { name: 'a table name with a dot', tables: 'a.b', expect: { on: 'ok', docs: 1 } },
  { name: 'a table name in unicode', tables: 'données', expect: { on: 'ok', docs: 1 } },
  { name: 'a table name of 63 bytes', tables: LONG_NAME, expect: { on: 'ok', docs: 1 } },
  { name: 'a table name of 64 bytes (PostgreSQL would truncate it)', tables: `${LONG_NAME}x`, expect: { on: 'connector', message: new RegExp(`"${LONG_NAME}x"`) } },
  { name: 'a reserved word as table and column', tables: 'select', expect: { on: 'ok', docs: 1 } },
  {
    name: 'SQL in the table list',
    tables: 'items; DROP TABLE items; --',
    expect: { on: 'connector', message: /Table not found .*"items; DROP TABLE items; --"/ },
    after: itemsUntouched,
  },
  { name: 'SQL in the schema', config: { schema: "public'; DROP TABLE items; --" }, expect: { on: 'connector', message: /Schema "public'; DROP TABLE items; --" does not exist/ }, after: itemsUntouched },
  { name: 'SQL in the database name', config: { database: 'x"; DROP DATABASE postgres; --' }, expect: { on: 'connector', message: /Database "x"; DROP DATABASE postgres; --" does not exist/ } },

  // Basic sync rules.
  { name: '">" with a word on a bigint', rules: [basic('public_items_qty', '>', 'abc')], expect: { on: 'job', message: /Sync rule "hostile": field "public_items_qty" holds numbers; ">" needs a number, not "abc"/ } },
  { name: '"<" with a word on a numeric', rules: [basic('public_items_price', '<', 'ten')], expect: { on: 'job', message: /Sync rule "hostile": field "public_items_price" holds numbers/ } },
  { name: '">" on a boolean', rules: [basic('public_items_active', '>', 'true')], expect: { on: 'job', message: /field "public_items_active" holds booleans; ">" cannot compare them/ } },
  { name: '"<" with a word on a date', rules: [basic('public_items_born', '<', 'yesterday')], expect: { on: 'job', message: /field "public_items_born" holds dates or timestamps; "<" needs an ISO 8601 date or timestamp, not "yesterday"/ } },
  { name: 'an invalid regex', rules: [basic('public_items_name', 'regex', '(unclosed')], expect: { on: 'job', message: /^Invalid sync rules: rule "hostile": invalid regex "\(unclosed": error parsing regexp: missing closing \)/ } },
  { name: 'a regex with a backreference', rules: [basic('public_items_name', 'regex', '(?P<w>\\w)(?P=w)')], expect: { on: 'job', message: /^Invalid sync rules: rule "hostile": invalid regex .*: backreferences \(\(\?P=name\)\) are not supported/ } },
  {
    name: 'catastrophic regexes run in linear time',
    tables: 'letters',
    rules: [basic('public_letters_s', 'regex', '(a+)+$'), basic('public_letters_s', 'regex', '(a|aa)*c', 'exclude', 'second')],
    expect: { on: 'ok', docs: 50 },
  },
  { name: 'an unknown operator', rules: [basic('public_items_name', 'like', 'pen%')], expect: { on: 'job', message: /^Invalid sync rules: rule "hostile": rule must be one of equals, .* \(got "like"\)/ } },
  { name: 'an unknown policy', rules: [basic('public_items_name', 'equals', 'lamp', 'maybe')], expect: { on: 'job', message: /^Invalid sync rules: rule "hostile": policy must be "include" or "exclude" \(got "maybe"\)/ } },
  { name: 'a rule value that is a number', rules: [{ ...basic('public_items_name', 'equals', 'x'), value: 5 }], expect: { on: 'job', message: /^Invalid sync rules: rule "hostile": value must be a non-empty string \(got 5\)/ } },

  // Advanced sync rules: never more than reading.
  { name: 'advanced rule with DDL', advanced: [{ tables: ['items'], query: 'CREATE TABLE hx_pwned (a int)' }], expect: { on: 'job', message: /^Invalid sync rules: advanced rules: Rule 1: "query" must be one SELECT statement .*; it starts with CREATE/ } },
  { name: 'advanced rule with DML', advanced: [{ tables: ['items'], query: 'DELETE FROM items RETURNING *' }], expect: { on: 'job', message: /it starts with DELETE/ }, after: itemsUntouched },
  {
    name: 'advanced rule with DML inside WITH',
    advanced: [{ tables: ['items'], query: 'WITH gone AS (DELETE FROM items RETURNING *) SELECT * FROM gone' }],
    expect: { on: 'job', message: /^PostgreSQL error 0A000 while reading advanced rule #1: DECLARE CURSOR must not contain data-modifying statements in WITH/ },
    after: itemsUntouched,
  },
  {
    name: 'advanced rule with COPY … TO PROGRAM',
    advanced: [{ tables: ['items'], query: `COPY (SELECT 1) TO PROGRAM 'touch ${PWNED_FILE}'` }],
    expect: { on: 'job', message: /it starts with COPY/ },
    after: async () => {
      expect(existsSync(PWNED_FILE)).toBe(false);
    },
  },
  {
    name: 'advanced rule with two statements',
    advanced: [{ tables: ['items'], query: 'SELECT * FROM items; DROP TABLE items' }],
    expect: { on: 'job', message: /^PostgreSQL error 42601 while reading advanced rule #1: cannot insert multiple commands into a prepared statement/ },
    after: itemsUntouched,
  },
  {
    name: 'advanced rule sleeping past the statement timeout',
    config: { statement_timeout: 1 },
    advanced: [{ tables: ['items'], query: 'SELECT *, pg_sleep(3) FROM items' }],
    expect: { on: 'job', message: /^Query cancelled \(statement timeout or cancel request\) while reading advanced rule #1: canceling statement due to statement timeout/ },
  },
  { name: 'advanced rules that are a string', advanced: 'DROP TABLE items', expect: { on: 'job', message: /^Invalid sync rules: advanced rules: Advanced rules must be a JSON array/ }, after: itemsUntouched },
  { name: 'advanced rule with a query that is a number', advanced: [{ tables: ['items'], query: 42 }], expect: { on: 'job', message: /"query" must be a non-empty string/ } },

  // Data.
  { name: 'a row larger than the bulk request limit', tables: 'wide', expect: { on: 'ok', docs: 1 } },
  // Elasticsearch refuses it (indexing pressure, a tenth of its heap): the job names the document and the reason.
  { name: 'a 50 MB text value', tables: 'huge', expect: { on: 'failed-documents', ids: [`${DB}_public_huge_1`], reason: /^es_rejected_execution_exception$/ } },
  { name: 'jsonb nested 100 deep', tables: 'nested', expect: { on: 'ok', docs: 2 } },
  { name: 'bytea that is not UTF-8', tables: 'blobs', expect: { on: 'ok', docs: 2 } },
  { name: 'NaN and ±Infinity in float8, real, numeric and arrays', tables: 'floats', expect: { on: 'ok', docs: 3 } },
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const caseId = (i: number) => `hx-${i}-${R}`;
const CANARY = `hx-canary-${R}`;
const UNKNOWN_TYPE = `hx-mysql-${R}`;
const FREEZE = `hx-freeze-${R}`;
const CURSOR = `hx-cursor-${R}`;

/** Writes rules as Kibana leaves them once validated and activated. */
async function activateRules(client: Client, id: string, basicRules?: Record<string, unknown>[], advanced?: unknown): Promise<void> {
  const doc = await connectorDoc(client, id);
  const filtering = structuredClone(doc.filtering);
  for (const side of [filtering[0]!.active, filtering[0]!.draft]) {
    if (basicRules) side.rules = [...basicRules.map((r, order) => ({ ...defaultRule(order), ...r, order })), defaultRule(basicRules.length)] as BasicRule[];
    if (advanced !== undefined) side.advanced_snippet = { value: advanced as never, updated_at: new Date().toISOString() } as never;
    side.validation = { state: 'valid', errors: [] };
  }
  await store(client).updateConnector(id, { filtering });
}

async function setConfig(client: Client, id: string, values: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
  const doc = await connectorDoc(client, id);
  const configuration = structuredClone(doc.configuration) as Record<string, { value: unknown }>;
  for (const [key, value] of Object.entries(values)) configuration[key]!.value = value;
  await store(client).updateConnector(id, { configuration: { ...configuration, ...extra } as ConnectorDoc['configuration'] });
}

describe('hostile input: clear errors on the right document, the service serving the rest', () => {
  let client: Client;
  let service: ServiceProcess;
  let health: ReturnType<typeof responsiveness>;
  const procs: ServiceProcess[] = [];
  const all = [...CASES.map((_, i) => caseId(i)), CANARY, UNKNOWN_TYPE, FREEZE, CURSOR];
  const outcomes: string[] = [];

  beforeAll(async () => {
    client = esClient();
    await createDatabase(DB, FIXTURE);
    await withAdmin(pgService.database, async (c) => {
      for (const [role, password] of [[READER, READER_PASSWORD], [SHORT, SHORT_PASSWORD]] as const) {
        await c.query(`DROP ROLE IF EXISTS ${role}`);
        await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
      }
    });
    await withAdmin(DB, (c) => c.query(`GRANT USAGE ON SCHEMA public TO ${READER}, ${SHORT}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER}, ${SHORT}`));
    servers.silent = await silentServer();
    servers.tls = await untrustedTlsServer();
    caPem = selfSignedCa();
    relay = await freezableRelay(pgService.port, pgService.host);

    for (const [i, c] of CASES.entries()) {
      const login = c.login ?? { username: READER, password: READER_PASSWORD };
      await createPgConnector(client, caseId(i), `${INDEX}-${i}`, { database: DB, tables: c.tables ?? 'items', ...login });
      const config = typeof c.config === 'function' ? c.config() : c.config;
      if (config || c.extraEntries) await setConfig(client, caseId(i), config ?? {}, c.extraEntries);
      if (c.rules || c.advanced !== undefined) await activateRules(client, caseId(i), c.rules, c.advanced);
    }
    await createPgConnector(client, CANARY, `${INDEX}-canary`, { database: DB, tables: 'items', username: SHORT, password: SHORT_PASSWORD });
    await createPgConnector(client, UNKNOWN_TYPE, `${INDEX}-mysql`, { database: DB, tables: 'items' });
    await store(client).updateConnector(UNKNOWN_TYPE, { service_type: 'mysql' });
    // Through a relay that freezes once the table is being read: only the client's own timeout can end the wait.
    await createPgConnector(client, FREEZE, `${INDEX}-freeze`, { database: DB, tables: 'items', username: READER, password: READER_PASSWORD });
    await setConfig(client, FREEZE, { port: relay.port, statement_timeout: 1, retry_count: 0, connect_timeout: 2 });
    await createPgConnector(client, CURSOR, `${INDEX}-cursor`, { database: DB, tables: 'items', username: READER, password: READER_PASSWORD, fetchSize: 1 });
    await activateRules(client, CURSOR, undefined, [{ tables: ['items'], query: "SELECT g AS id, 'row ' || g AS v FROM generate_series(1, 10000000) g", id_columns: ['id'] }]);
    await client.indices.refresh({ index: CONNECTORS_ALIAS });

    service = startService({ CONNECTOR_IDS: all.join(','), CONNECTORS_MAX_CONCURRENT_SYNCS: '4' });
    procs.push(service);
    const line = await service.waitForLog(/health endpoint on/, 60_000);
    health = responsiveness(`http://127.0.0.1:${/:(\d+)\/health/.exec(line)?.[1]}/health`);
  });

  afterAll(async () => {
    await stopAll(procs);
    await Promise.all([servers.silent?.close(), servers.tls?.close(), relay?.close()]);
    if (client) {
      await deleteConnectors(client, all);
      await client.indices.delete({ index: `${INDEX}-*`, ignore_unavailable: true });
      await client.close();
    }
    await dropDatabase(DB);
    await withAdmin(pgService.database, async (c) => {
      for (const role of [READER, SHORT]) await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
    console.log(`hostile input, ${outcomes.length} outcomes:\n${outcomes.join('\n')}`);
  });

  /** The message is on the document and, with the connector's id, in the log; it fits a keyword. */
  async function expectReported(id: string, message: string | null | undefined, pattern: RegExp): Promise<void> {
    expect(message, 'error message').toMatch(pattern);
    expect(message!.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    // As a log line holds it (JSON-escaped); the line may follow the document's write.
    const fragment = escapeRegExp(JSON.stringify(message!.slice(0, 60)).slice(1, -1));
    await service.waitForLog(new RegExp(`${escapeRegExp(id)}.*${fragment}|${fragment}.*${escapeRegExp(id)}`), 5_000);
  }

  for (const [i, c] of CASES.entries()) {
    it(`${c.name}`, async () => {
      const id = caseId(i);
      const index = `${INDEX}-${i}`;
      const e = c.expect;
      const connector = await waitFor(`${id} checked`, async () => {
        const d = await connectorDoc(client, id);
        return d.status === 'error' || d.status === 'connected' ? d : undefined;
      }, 60_000);
      outcomes.push(`  ${c.name}: connector ${connector.status}${connector.error ? `: ${connector.error.slice(0, 200)}` : ''}`);
      if (e.on === 'connector') {
        expect(connector.status, `${connector.error}`).toBe('error');
        await expectReported(id, connector.error, e.message);
      } else {
        expect(connector.status, `${connector.error}`).toBe('connected');
      }
      const job = await runJob(client, id, 90_000);
      outcomes.push(`  ${c.name}: job ${job.status}${job.error ? `: ${job.error.slice(0, 200)}` : ` (${job.indexed_document_count} documents)`}`);
      if (e.on === 'ok') {
        expect(job.error ?? null).toBeNull();
        expect(job.status).toBe('completed');
        expect(job.indexed_document_count).toBe(e.docs);
        await client.indices.refresh({ index });
        expect((await client.count({ index })).count).toBe(e.docs);
      } else if (e.on === 'failed-documents') {
        // Elastic's rule: a completed job carries no error; the failures are in its metadata and the log.
        expect(job.status).toBe('completed');
        const failed = job.metadata.failed_documents as { count: number; samples: { id: string; type: string; reason: string }[] };
        outcomes.push(`    failed documents: ${JSON.stringify(failed).slice(0, 300)}`);
        expect(failed.count).toBe(e.ids.length);
        expect(failed.samples.map((f) => f.id)).toEqual(e.ids);
        for (const f of failed.samples) {
          expect(f.type).toMatch(e.reason);
          expect(service.lines.some((l) => l.includes(f.id) && l.includes(f.type)), `a log line naming ${f.id}`).toBe(true);
        }
      } else {
        expect(job.status).toBe('error');
        await expectReported(id, job.error, e.message);
        expect((await connectorDoc(client, id)).last_sync_error).toBe(job.error);
      }
      await c.after?.(client, index);
    });
  }

  it('unknown service_type: the connector says which types this service runs', async () => {
    const doc = await waitFor('the unknown type reported', async () => {
      const d = await connectorDoc(client, UNKNOWN_TYPE);
      return d.status === 'error' ? d : undefined;
    });
    await expectReported(UNKNOWN_TYPE, doc.error, /Unknown service type "mysql": this service provides .*postgresql/);
  });

  it('a read whose server stops answering: the client timeout fires, the job ends in error', async () => {
    await waitFor('the relayed connector checked', async () => (await connectorDoc(client, FREEZE)).status === 'connected', 60_000);
    relay!.freezeOn('FROM "public"."items"');
    const job = await runJob(client, FREEZE, 90_000);
    relay!.thaw();
    outcomes.push(`  frozen server mid-read: ${job.status}: ${job.error}`);
    expect(job.status).toBe('error');
    await expectReported(FREEZE, job.error, /Cannot reach PostgreSQL at 127\.0\.0\.1:\d+: Query read timeout/);
  });

  it('a cursor over 10 M rows with a fetch size of 1: it streams, and a cancel stops it at once', async () => {
    const jobId = await store(client).createJob(CURSOR, 'full', 'on_demand');
    await waitFor('documents flowing', async () => ((await store(client).getJob(jobId))?.doc.indexed_document_count ?? 0) > 100, 60_000);
    await store(client).updateJob(jobId, { status: 'canceling', cancelation_requested_at: new Date().toISOString() });
    const job = await waitFor('the cancel', async () => {
      const j = await store(client).getJob(jobId);
      return j && ['canceled', 'error', 'completed'].includes(j.doc.status) ? j.doc : undefined;
    }, 15_000);
    outcomes.push(`  10 M-row cursor, fetch size 1: ${job.status} after ${job.indexed_document_count} documents`);
    expect(job.status).toBe('canceled');
  });

  it('protocol documents: a job of a deleted connector, jobs with missing or mistyped fields, jobs held by a forged worker', async () => {
    const canary = await connectorDoc(client, CANARY);
    const put = async (doc: Record<string, unknown>) => {
      const res = await client.index({ index: JOBS_ALIAS, document: doc, refresh: true });
      return res._id;
    };
    // Jobs no worker would ever take as they are: each must end in error with its reason, not wait forever.
    const ghost = newJobDoc(`hx-deleted-${R}`, canary, 'full', 'on_demand');
    const ghostId = await put({ ...ghost });
    const missing = await put({ status: 'pending', connector: { id: CANARY }, created_at: new Date().toISOString() });
    const mistyped = await put({ ...newJobDoc(CANARY, canary, 'full', 'on_demand'), job_type: 42, trigger_method: ['on_demand'] });
    const stale = new Date(Date.now() - 10 * 60_000).toISOString();
    const forged = [];
    for (let i = 0; i < 2; i++) {
      forged.push(await put({ ...newJobDoc(CANARY, canary, 'full', 'on_demand'), status: 'in_progress', worker_hostname: 'forged-worker', started_at: stale, last_seen: stale }));
    }
    const expected: [string, string, RegExp][] = [
      ['of a deleted connector', ghostId, /^The connector of this job no longer exists\.$/],
      ['missing its job_type', missing, /^Malformed sync job: job_type is missing$/],
      ['with job_type 42', mistyped, /^Malformed sync job: job_type must be one of full, incremental, access_control \(got 42\)$/],
      ['held by a forged worker (1)', forged[0]!, /^The job has not seen any update for some time\.$/],
      ['held by a forged worker (2)', forged[1]!, /^The job has not seen any update for some time\.$/],
    ];
    for (const [what, jobId, message] of expected) {
      const job = await waitFor(`the job ${what} settled`, async () => {
        const j = await store(client).getJob(jobId);
        return j && ['error', 'canceled', 'completed'].includes(j.doc.status) ? j.doc : undefined;
      }, 30_000);
      outcomes.push(`  protocol, a job ${what}: ${job.status}: ${job.error}`);
      expect(job.status, what).toBe('error');
      expect(job.error, what).toMatch(message);
      // The line follows the write: wait for it rather than race it.
      await service.waitForLog(new RegExp(`${escapeRegExp(jobId)}.*${escapeRegExp(job.error!)}`), 20_000);
    }
  });

  it('the canary connector still syncs, and the index equals its source', async () => {
    const job = await runJob(client, CANARY, 60_000);
    // On failure, what the service said about the canary.
    const said = () => `job ${job.id}: ${job.status} ${job.error ?? ''}\n${service.lines.filter((l) => l.includes(CANARY)).slice(-20).join('\n')}`;
    expect(job.error ?? null, said()).toBeNull();
    expect(job.status, said()).toBe('completed');
    await client.indices.refresh({ index: `${INDEX}-canary` });
    const res = await client.search<Record<string, unknown>>({ index: `${INDEX}-canary`, size: 10, sort: [{ public_items_id: 'asc' }] });
    expect(res.hits.hits.map((h) => [h._source?.public_items_id, h._source?.public_items_name]), said()).toEqual([
      [1, 'red pen'],
      [2, 'blue pen'],
      [3, 'lamp'],
    ]);
    expect(service.proc.exitCode).toBeNull();
  });

  it('no secret in any log line or document; /health answered throughout', async () => {
    const { samples, worstMs, worstAt } = await health.stop();
    const hits = await findSecrets(client, SECRETS, service.lines, all);
    outcomes.push(`  secrets found: ${hits.length}; /health: ${samples} answers, slowest ${worstMs} ms`);
    expect(hits).toEqual([]);
    expect(samples).toBeGreaterThan(50);
    // A stalled event loop (a backtracking regex, a synchronous 50 MB parse) would show here.
    expect(worstMs, `the slowest /health was asked at ${worstAt}; the service's last lines:\n${service.lines.slice(-40).join('\n')}`).toBeLessThan(5_000);
  });
});
