import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@elastic/elasticsearch';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { SerializedPage, type DataSource, type SourceDocument } from '../../src/sources/types.js';
import { FIELD_NAMING_VALUES } from '../../src/sources/postgresql/schema.js';
import { documentBody, pipelineHints } from '../../src/sync/writer.js';
import { serviceSettings } from '../helpers/services.js';
import { jsonValues, printJson } from '../helpers/json-values.js';
import { arrayOf, builtin } from '../helpers/pg-types.js';
import { jsonbJson } from '../../src/sources/postgresql/json.js';
import { jsonConverter, valueConverter } from '../../src/sources/postgresql/values.js';
import { captureLogger, collect, createDatabase, databaseName, dropDatabase, sourceValues, withAdmin } from '../helpers/pg-fixtures.js';

// Every PostgreSQL type the source converts, with edge values, checked value by
// value and then indexed into Elasticsearch with the derived mappings.
const DB = databaseName('types');
const INDEX = `it-pg-types-${process.pid}`;

const FIXTURE = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE address AS (street text, zip int, tags text[], meta jsonb);
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE all_types (
  id int PRIMARY KEY,
  c_int2 int2, c_int4 int4, c_int8 int8, c_numeric numeric, c_numeric_scaled numeric(12,2),
  c_real real, c_double double precision, c_money money, c_bool boolean,
  c_char char(5), c_varchar varchar(20), c_text text, c_bytea bytea,
  c_date date, c_time time, c_timetz timetz, c_timestamp timestamp, c_timestamptz timestamptz, c_interval interval,
  c_uuid uuid, c_inet inet, c_cidr cidr, c_macaddr macaddr, c_json json, c_jsonb jsonb,
  c_int_array int[], c_text_array text[], c_float_array float8[], c_enum mood, c_composite address, c_domain posint,
  c_point point, c_line line, c_lseg lseg, c_box box, c_path path, c_polygon polygon, c_circle circle,
  c_bit bit(4), c_varbit varbit(10), c_tsvector tsvector, c_int4range int4range, c_tstzrange tstzrange,
  c_xml xml, c_oid oid,
  c_generated int8 GENERATED ALWAYS AS (c_int4::int8 * 2) STORED
);
INSERT INTO all_types VALUES
(1, 12, 123456, 9007199254740991, 12.5, 1234.50,
 1.5, 0.1, 1234.56, true,
 'ab', 'hello', 'plain text', '\\x00ff10'::bytea,
 '2024-01-31', '13:14:15.000001', '13:14:15+05:30', '2024-01-31 13:14:15', '2024-01-31 13:14:15.5+02', '1 year 2 mons 3 days 04:05:06.789',
 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '192.168.0.1', '10.0.0.0/8', '08:00:2b:01:02:03', '{"b": 1, "a": [1, 2.50]}', '{"nested": {"deep": [true, null, "x"]}, "n": 1}',
 '{1,2,3}', '{"a b","c,d",""}', '{1.5,NaN}', 'happy', ROW('Main "St"', 12345, ARRAY['x', NULL], '{"k": "v"}'), 7,
 '(1,2)', '{1,-1,0}', '[(0,0),(1,1)]', '(2,2),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))', '<(0,0),5>',
 B'1010', B'101', 'the quick brown fox', '[1,10)', '[2024-01-01 00:00:00+00,2024-02-01 00:00:00+00)',
 '<a href="x">t</a>', 4294967295),
(2, 32767, 2147483647, 9223372036854775807, 1234567890123456789012345678901234567890, -9999999999.99,
 'NaN', 'Infinity', -0.01, false,
 'abcde', 'ünïcødé ✓', repeat('x', 1048576), ''::bytea,
 'infinity', '00:00:00', '23:59:59.999999-08', 'infinity', 'infinity', '-1 days -00:00:01',
 '00000000-0000-0000-0000-000000000000', '2001:db8::1/64', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', '[1, "two", 3.0, 12345678901234567890]', '"just a string"',
 '{{1,NULL},{NULL,4}}', '{NULL,"NULL"}', '{Infinity,-Infinity}', 'sad', ROW(NULL, NULL, NULL, NULL), 1,
 '(-1.5,1e+20)', '{0,1,0}', '[(1,2),(3,4)]', '(1,1),(1,1)', '((0,0),(1,1))', '((0,0))', '<(1,1),0.5>',
 B'0000', B'', '', 'empty', '(2024-01-01 00:00:00+00,)',
 '<root/>', 0),
(3, -32768, -2147483648, -9223372036854775808, 'NaN', 0,
 '-Infinity', '-Infinity', 0, true,
 '', '', E'line1\\nline2\\t"quoted"', '\\x27'::bytea,
 '-infinity', '24:00:00', '00:00:00+00', '-infinity', '-infinity', '0',
 'ffffffff-ffff-ffff-ffff-ffffffffffff', '::1', '::/0', '00:00:00:00:00:00', 'null', '[]',
 '{}', '{}', '{}', 'ok', ROW('', 0, '{}', 'null'), 2147483647,
 '(0,0)', '{1,0,-5}', '[(0,0),(0,0)]', '(0,0),(0,0)', '[(0,0)]', '((1,1))', '<(0,0),0>',
 B'1111', B'1111111111', 'a:1 b:2', '[-5,-5]', 'empty',
 '<?xml version="1.0"?><x/>', 1),
(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO all_types (id, c_date, c_timestamp, c_timestamptz, c_int8, c_numeric, c_real, c_double, c_int_array, c_jsonb, c_bytea)
VALUES (5, '0044-03-15 BC', '2000-02-29 23:59:59.123', '1999-12-31 23:59:59.999999-05', 9007199254740993, 0.000001, 3.4028235e38, 1.7976931348623157e308,
 '[0:1]={7,8}', '{"__proto__": {"x": 1}, "1": "one", "b": 2, "a": 1}', decode(repeat('ab', 100), 'hex'));
`;

// Same column names as all_types with other types: with plain column names the
// two tables share fields, whose mappings must be widened, not conflict.
const CLASHING = `
CREATE TABLE clashing (id text PRIMARY KEY, c_int8 text, c_jsonb int, c_double int, c_composite text);
INSERT INTO clashing VALUES ('a', 'not a number', 5, 7, 'plain');
`;

// Columns named like the metadata fields, the pipeline's hints and a prototype
// key, and two that spell the same field once lower-cased: where a serialized
// body must still put every key where the document object does.
const NAMESAKES = `
CREATE TABLE namesakes ("table" text PRIMARY KEY, id int, database text, "__proto__" text, "_reduce_whitespace" text, "Name" text, name text, schema int);
INSERT INTO namesakes VALUES ('t1', 7, 'db', 'proto', 'ws', 'upper', 'lower', 1), ('t2', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE own_timestamp (k int PRIMARY KEY, "_timestamp" timestamptz);
INSERT INTO own_timestamp VALUES (1, '2024-01-01 00:00:00+00'), (2, NULL);
CREATE TABLE numeric_key (k int PRIMARY KEY, "123" text);
INSERT INTO numeric_key VALUES (1, 'x');
`;

const MB = 1024 * 1024;

/** Expected field values, keyed by column (the source prefixes them). */
const EXPECTED: Record<number, Record<string, unknown>> = {
  1: {
    id: 1,
    c_int2: 12,
    c_int4: 123456,
    c_int8: 9007199254740991,
    c_numeric: 12.5,
    c_numeric_scaled: 1234.5,
    c_real: 1.5,
    c_double: 0.1,
    c_money: '$1,234.56',
    c_bool: true,
    c_char: 'ab   ',
    c_varchar: 'hello',
    c_text: 'plain text',
    c_bytea: Buffer.from([0x00, 0xff, 0x10]).toString('base64'),
    c_date: '2024-01-31',
    c_time: '13:14:15.000001',
    c_timetz: '13:14:15+05:30',
    c_timestamp: '2024-01-31T13:14:15',
    c_timestamptz: '2024-01-31T11:14:15.500000+00:00',
    c_interval: 'P1Y2M3DT4H5M6.789S',
    c_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    c_inet: '192.168.0.1',
    c_cidr: '10.0.0.0/8',
    c_macaddr: '08:00:2b:01:02:03',
    c_json: { b: 1, a: [1, 2.5] },
    c_jsonb: { n: 1, nested: { deep: [true, null, 'x'] } },
    c_int_array: [1, 2, 3],
    c_text_array: ['a b', 'c,d', ''],
    c_float_array: [1.5, 'NaN'],
    c_enum: 'happy',
    c_composite: { street: 'Main "St"', zip: 12345, tags: ['x', null], meta: { k: 'v' } },
    c_domain: 7,
    c_point: '(1,2)',
    c_line: '{1,-1,0}',
    c_lseg: '[(0,0),(1,1)]',
    c_box: '(2,2),(0,0)',
    c_path: '[(0,0),(1,1),(2,0)]',
    c_polygon: '((0,0),(1,1),(1,0))',
    c_circle: '<(0,0),5>',
    c_bit: '1010',
    c_varbit: '101',
    c_tsvector: "'brown' 'fox' 'quick' 'the'",
    c_int4range: '[1,10)',
    c_tstzrange: '["2024-01-01 00:00:00+00","2024-02-01 00:00:00+00")',
    c_xml: '<a href="x">t</a>',
    c_oid: 4294967295,
    c_generated: 246912,
  },
  2: {
    id: 2,
    c_int2: 32767,
    c_int4: 2147483647,
    c_int8: '9223372036854775807',
    c_numeric: '1234567890123456789012345678901234567890',
    c_numeric_scaled: -9999999999.99,
    c_real: 'NaN',
    c_double: 'Infinity',
    c_money: '-$0.01',
    c_bool: false,
    c_char: 'abcde',
    c_varchar: 'ünïcødé ✓',
    c_text: 'x'.repeat(MB),
    c_bytea: '',
    c_date: 'infinity',
    c_time: '00:00:00',
    c_timetz: '23:59:59.999999-08:00',
    c_timestamp: 'infinity',
    c_timestamptz: 'infinity',
    c_interval: 'P-1DT-1S',
    c_uuid: '00000000-0000-0000-0000-000000000000',
    c_inet: '2001:db8::1/64',
    c_cidr: '2001:db8::/32',
    c_macaddr: 'ff:ff:ff:ff:ff:ff',
    c_json: [1, 'two', 3, '12345678901234567890'],
    c_jsonb: 'just a string',
    c_int_array: [
      [1, null],
      [null, 4],
    ],
    c_text_array: [null, 'NULL'],
    c_float_array: ['Infinity', '-Infinity'],
    c_enum: 'sad',
    c_composite: { street: null, zip: null, tags: null, meta: null },
    c_domain: 1,
    c_point: '(-1.5,1e+20)',
    c_line: '{0,1,0}',
    c_lseg: '[(1,2),(3,4)]',
    c_box: '(1,1),(1,1)',
    c_path: '((0,0),(1,1))',
    c_polygon: '((0,0))',
    c_circle: '<(1,1),0.5>',
    c_bit: '0000',
    c_varbit: '',
    c_tsvector: '',
    c_int4range: 'empty',
    c_tstzrange: '("2024-01-01 00:00:00+00",)',
    c_xml: '<root/>',
    c_oid: 0,
    c_generated: 4294967294,
  },
  3: {
    id: 3,
    c_int2: -32768,
    c_int4: -2147483648,
    c_int8: '-9223372036854775808',
    c_numeric: 'NaN',
    c_numeric_scaled: 0,
    c_real: '-Infinity',
    c_double: '-Infinity',
    c_money: '$0.00',
    c_bool: true,
    c_char: '     ',
    c_varchar: '',
    c_text: 'line1\nline2\t"quoted"',
    c_bytea: Buffer.from("'").toString('base64'),
    c_date: '-infinity',
    c_time: '24:00:00',
    c_timetz: '00:00:00+00:00',
    c_timestamp: '-infinity',
    c_timestamptz: '-infinity',
    c_interval: 'PT0S',
    c_uuid: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    c_inet: '::1',
    c_cidr: '::/0',
    c_macaddr: '00:00:00:00:00:00',
    c_json: null,
    c_jsonb: [],
    c_int_array: [],
    c_text_array: [],
    c_float_array: [],
    c_enum: 'ok',
    c_composite: { street: '', zip: 0, tags: [], meta: null },
    c_domain: 2147483647,
    c_point: '(0,0)',
    c_line: '{1,0,-5}',
    c_lseg: '[(0,0),(0,0)]',
    c_box: '(0,0),(0,0)',
    c_path: '[(0,0)]',
    c_polygon: '((1,1))',
    c_circle: '<(0,0),0>',
    c_bit: '1111',
    c_varbit: '1111111111',
    c_tsvector: "'a':1 'b':2",
    c_int4range: '[-5,-4)',
    c_tstzrange: 'empty',
    c_xml: '<x/>',
    c_oid: 1,
    c_generated: -4294967296,
  },
  5: {
    id: 5,
    c_date: '-0043-03-15',
    c_timestamp: '2000-02-29T23:59:59.123000',
    c_timestamptz: '2000-01-01T04:59:59.999999+00:00',
    c_int8: '9007199254740993',
    c_numeric: 0.000001,
    c_real: 3.4028235e38,
    c_double: 1.7976931348623157e308,
    c_int_array: [7, 8],
    c_bytea: Buffer.alloc(100, 0xab).toString('base64'),
  },
};

const COLUMNS = Object.keys(EXPECTED[1] ?? {});
const field = (column: string): string => `public_all_types_${column}`;

describe('PostgreSQL source: every type', () => {
  let source: DataSource;
  let docs: SourceDocument[];
  const es = new Client({ node: serviceSettings().elasticsearchUrl, requestTimeout: 60_000 });

  beforeAll(async () => {
    await createDatabase(DB, FIXTURE + CLASHING + NAMESAKES);
    // money's text form follows lc_monetary; pin it so the expectation holds anywhere.
    await withAdmin(DB, (c) => c.query(`ALTER DATABASE "${DB}" SET lc_monetary = 'C'`));
    source = postgresqlSource.create(sourceValues(DB, { tables: ['all_types'], fetch_size: 2 }), captureLogger('warn').log);
    docs = (await collect(source)).docs;
  });

  afterAll(async () => {
    await source?.close();
    await es.indices.delete({ index: INDEX, ignore_unavailable: true });
    await es.close();
    await dropDatabase(DB);
  });

  it('reads every row, in primary-key order, with the metadata fields', async () => {
    expect(docs.map((d) => d._id)).toEqual([1, 2, 3, 4, 5].map((n) => `${DB}_public_all_types_${n}`));
    const lastCommit = await withAdmin(DB, async (c) => {
      const res = await c.query<{ t: string }>(
        `SELECT to_char(max(pg_xact_commit_timestamp(xmin)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS t FROM all_types`,
      );
      return res.rows[0]!.t;
    });
    const normal = (t: unknown) => String(t).replace(/\+00:00$/, '').replace(/\.000000$/, '');
    for (const d of docs) {
      expect(d.id).toBe(d._id);
      expect(d.database).toBe(DB);
      expect(d.schema).toBe('public');
      expect(d.table).toBe('all_types');
      // The table's last commit time (track_commit_timestamp is on).
      expect(d._timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
      expect(normal(d._timestamp)).toBe(normal(lastCommit));
      for (const k of ['_extract_binary_content', '_reduce_whitespace', '_run_ml_inference']) expect(d).not.toHaveProperty(k);
    }
  });

  for (const row of [1, 2, 3, 5]) {
    it(`converts every column of row ${row} exactly`, () => {
      const doc = docs.find((d) => d[field('id')] === row);
      expect(doc).toBeDefined();
      for (const [column, value] of Object.entries(EXPECTED[row] ?? {})) {
        expect({ column, value: doc?.[field(column)] }).toStrictEqual({ column, value });
      }
    });
  }

  it('keeps every column of the all-NULL row, as null', () => {
    const doc = docs.find((d) => d[field('id')] === 4);
    for (const column of COLUMNS.filter((c) => c !== 'id')) expect({ column, value: doc?.[field(column)] }).toEqual({ column, value: null });
  });

  it('keeps a __proto__ json key as data, not as a prototype', () => {
    const value = docs.find((d) => d[field('id')] === 5)?.[field('c_jsonb')] as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"1":"one","a":1,"b":2,"__proto__":{"x":1}}');
    expect((value as { x?: unknown }).x).toBeUndefined();
  });

  it('is deterministic: a second read gives byte-identical documents', async () => {
    const again = (await collect(source)).docs;
    expect(again.map((d) => JSON.stringify(d))).toEqual(docs.map((d) => JSON.stringify(d)));
  });

  // A sync with no basic rules takes bodies the source serialized; they must be
  // the object path's bodies byte for byte, for every type and naming.
  for (const naming of FIELD_NAMING_VALUES) {
    it(`serializes every body exactly as the object path does (field_naming=${naming}, with and without pipeline hints)`, async () => {
      const tables = ['all_types', 'clashing', 'namesakes', 'own_timestamp', 'numeric_key'];
      const both = postgresqlSource.create(sourceValues(DB, { tables, field_naming: naming, fetch_size: 3 }), captureLogger('error').log);
      try {
        const plain = (await collect(both)).docs;
        const pipeline = { name: 'p', extract_binary_content: true, reduce_whitespace: false, run_ml_inference: true };
        for (const hints of [null, pipeline]) {
          const shape = { fallbackTimestamp: '2020-02-02T02:02:02.000Z', trailer: hints ? pipelineHints(hints) : {} };
          // Serialized pages flattened to [id, body] pairs; documents as they come.
          const read: ([string, string] | SourceDocument)[] = [];
          for await (const d of both.documents({ signal: new AbortController().signal, notice: () => undefined, serialize: shape })) {
            if (d instanceof SerializedPage) for (let i = 0; i < d.length; i++) read.push([d.id(i), d.body(i, d.id(i))]);
            else read.push(d);
          }
          expect(read).toHaveLength(plain.length);
          const serializedTables = new Set<unknown>();
          read.forEach((item, i) => {
            const doc = plain[i]!;
            if (Array.isArray(item)) {
              serializedTables.add(doc.table);
              expect(item[0]).toBe(doc._id);
              expect(item[1]).toBe(JSON.stringify(documentBody(doc, doc._id, shape.fallbackTimestamp, hints)));
            } else {
              expect(JSON.stringify(item)).toBe(JSON.stringify(doc));
            }
          });
          // An integer-like key (JavaScript orders it first) keeps the object path; prefixed names never are one.
          const objectPath = naming === 'column' ? ['numeric_key'] : [];
          expect([...serializedTables].sort()).toEqual(tables.filter((t) => !objectPath.includes(t)).sort());
        }
      } finally {
        await both.close();
      }
    });
  }

  it('writes jsonb as PostgreSQL prints it exactly as the general path does, mostly without parsing it', async () => {
    const texts = jsonValues(5, 500).map(({ value }) => printJson(value));
    const printed = await withAdmin(DB, async (c) => (await c.query<{ t: string }>({ text: 'SELECT x::jsonb::text AS t FROM unnest($1::text[]) WITH ORDINALITY AS u(x, n) ORDER BY n', values: [texts] })).rows.map((r) => r.t));
    expect(printed).toHaveLength(texts.length);
    const json = jsonConverter(builtin('jsonb'));
    const convert = valueConverter(builtin('jsonb'));
    for (const text of printed) expect(json(text), text).toBe(JSON.stringify(convert(text)));
    expect(printed.filter((t) => jsonbJson(t) !== undefined).length).toBeGreaterThan(printed.length / 2);
  });

  it('writes arrays as PostgreSQL prints them exactly as the general path does', async () => {
    const strings = ['plain', '', 'with space', 'a,b', '{braces}', 'say "hi"', 'back\\slash', 'NULL', 'null', 'ünï ✓', 'tab\there'];
    const cases: [string, string][] = await withAdmin(DB, async (c) => {
      const q = async (element: string, sql: string, values: unknown[] = []) => [element, (await c.query<{ t: string }>({ text: `SELECT (${sql})::text AS t`, values })).rows[0]!.t] as [string, string];
      return [
        await q('text', `ARRAY(SELECT NULLIF(v, 'SQL NULL') FROM jsonb_array_elements_text($1::jsonb) v)`, [JSON.stringify([...strings, 'SQL NULL'])]),
        await q('varchar', `ARRAY(SELECT v::varchar FROM jsonb_array_elements_text($1::jsonb) v)`, [JSON.stringify(strings)]),
        await q('int4', `'{{1,NULL},{-3,4}}'::int4[]`),
        await q('int8', `'[0:2]={9007199254740993,-1,NULL}'::int8[]`),
        await q('numeric', `'{1.50,NULL,12345678901234567890,0.0000001,NaN}'::numeric[]`),
        await q('jsonb', `ARRAY['{"b": 2.50, "a": [1, "x"]}'::jsonb, '{"1": 1}', 'null', NULL]`),
        await q('timestamptz', `ARRAY['2024-01-02 03:04:05.5+00'::timestamptz, 'infinity', NULL]`),
        await q('bool', `'{t,f,NULL}'::bool[]`),
        await q('text', `'{}'::text[]`),
      ];
    });
    for (const [element, text] of cases) {
      const type = arrayOf(builtin(element));
      expect(jsonConverter(type)(text), `${element}[] ${text}`).toBe(JSON.stringify(valueConverter(type)(text)));
    }
  });

  it('derives mappings Elasticsearch accepts, and indexes every document without an item error', async () => {
    const mappings = await source.contentMappings({});
    expect(mappings?.properties[field('c_int8')]).toEqual({ type: 'long' });
    expect(mappings?.properties[field('c_jsonb')]).toEqual({ type: 'object', enabled: false });
    expect(mappings?.properties[field('c_bytea')]).toEqual({ type: 'binary' });
    expect(mappings?.properties[field('c_composite')]).toMatchObject({
      type: 'object',
      properties: { zip: { type: 'integer' }, meta: { type: 'object', enabled: false } },
    });
    await es.indices.create({ index: INDEX, mappings: mappings as never });
    const operations = docs.flatMap(({ _id, ...body }) => [{ index: { _index: INDEX, _id } }, body]);
    const res = await es.bulk({ operations, refresh: true });
    const failures = res.items.filter((i) => i.index?.error).map((i) => i.index?.error);
    expect(failures).toEqual([]);
    expect((await es.count({ index: INDEX })).count).toBe(docs.length);
    // int8 beyond 2^53 arrives as a string and is indexed as an exact long.
    const hit = await es.search({ index: INDEX, query: { term: { [field('c_int8')]: '9223372036854775807' } } });
    expect(hit.hits.hits.map((h) => h._id)).toEqual([`${DB}_public_all_types_2`]);
  });

  it('widens mappings of fields shared by several tables (field_naming=column) so every document is accepted', async () => {
    const plain = postgresqlSource.create(sourceValues(DB, { tables: ['all_types', 'clashing'], field_naming: 'column' }), captureLogger('warn').log);
    const index = `${INDEX}-column`;
    try {
      const mappings = await plain.contentMappings({});
      expect(mappings?.properties).toMatchObject({
        c_int8: { type: 'keyword' },
        c_jsonb: { type: 'object', enabled: false },
        c_double: { type: 'double' },
        c_composite: { type: 'object', enabled: false },
        public_all_types_id: { type: 'integer' },
        public_clashing_id: { type: 'text' },
      });
      const { docs: all } = await collect(plain);
      expect(all).toHaveLength(6);
      await es.indices.create({ index, mappings: mappings as never });
      const res = await es.bulk({ operations: all.flatMap(({ _id, ...body }) => [{ index: { _index: index, _id } }, body]), refresh: true });
      expect(res.items.filter((i) => i.index?.error).map((i) => i.index?.error)).toEqual([]);
      expect((await es.count({ index })).count).toBe(6);
    } finally {
      await plain.close();
      await es.indices.delete({ index, ignore_unavailable: true });
    }
  });
});
