import { describe, expect, it } from 'vitest';
import { exactNumber, parseJsonExact } from '../../src/sources/postgresql/json.js';
import { parseArrayLiteral, parseRecordLiteral } from '../../src/sources/postgresql/literals.js';
import { mappingFor, mergeMappings } from '../../src/sources/postgresql/mappings.js';
import { toJsonValue } from '../../src/sources/postgresql/values.js';
import { arrayOf, builtin } from '../helpers/pg-types.js';

describe('array literals', () => {
  it('parses flat, nested, quoted and NULL elements', () => {
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('{1,2,3}')).toEqual(['1', '2', '3']);
    expect(parseArrayLiteral('{{1,NULL},{NULL,4}}')).toEqual([
      ['1', null],
      [null, '4'],
    ]);
    expect(parseArrayLiteral('{"a b","NULL",NULL,"q\\"x\\\\y",""}')).toEqual(['a b', 'NULL', null, 'q"x\\y', '']);
    expect(parseArrayLiteral('[0:1]={7,8}')).toEqual(['7', '8']);
  });

  it('uses the element type delimiter (box uses ;)', () => {
    expect(parseArrayLiteral('{(1,1),(0,0);(2,2),(1,1)}', ';')).toEqual(['(1,1),(0,0)', '(2,2),(1,1)']);
  });

  it('rejects malformed input', () => {
    expect(() => parseArrayLiteral('1,2')).toThrow(/Malformed/);
  });
});

describe('row literals', () => {
  it('parses quoted, escaped, empty and NULL fields', () => {
    expect(parseRecordLiteral('(1,"a b",,"","x""y")')).toEqual(['1', 'a b', null, '', 'x"y']);
    expect(parseRecordLiteral('("{x,NULL}","{""k"": ""v""}")')).toEqual(['{x,NULL}', '{"k": "v"}']);
    expect(parseRecordLiteral('(,)')).toEqual([null, null]);
  });
});

describe('exact JSON', () => {
  it('keeps numbers a double cannot carry as their text', () => {
    expect(parseJsonExact('[1, 2.50, 12345678901234567890, 1e400, -0.1, 9007199254740993]')).toEqual([
      1,
      2.5,
      '12345678901234567890',
      '1e400',
      -0.1,
      '9007199254740993',
    ]);
  });

  it('parses like JSON.parse otherwise', () => {
    const text = '{"a": {"b": [true, false, null, "s\\u00e9\\n"]}, "": 0, "z": []}';
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
    expect(parseJsonExact('"scalar"')).toBe('scalar');
    expect(() => parseJsonExact('{"a": 1,}')).toThrow(SyntaxError);
  });

  it('decides exactness by the decimal the double prints as', () => {
    expect(exactNumber('0.1')).toBe(0.1);
    expect(exactNumber('100.000')).toBe(100);
    expect(exactNumber('0.1000000000000000055511151231257827')).toBe('0.1000000000000000055511151231257827');
    expect(exactNumber('NaN')).toBe('NaN');
  });

  it('takes short decimals as numbers that print the same value, and sends 16 digits the exact way', () => {
    // Digits and exponent of a decimal, signs and zeros aside: equal means the same value.
    const canonical = (t: string) => {
      const [mantissa = '', exp = '0'] = t.replace(/^-/, '').split('e');
      const [int = '', frac = ''] = mantissa.split('.');
      const digits = (int + frac).replace(/^0+/, '');
      const trimmed = digits.replace(/0+$/, '');
      return trimmed ? `${t.startsWith('-') ? '-' : ''}${trimmed}e${digits.length - trimmed.length - frac.length + Number(exp)}` : '0';
    };
    let seed = 12345;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 20_000; i++) {
      const digits = Array.from({ length: 1 + random(14) }, () => String(random(10))).join('');
      const dot = random(digits.length);
      const text = `${random(2) ? '-' : ''}${dot ? `${digits.slice(0, dot)}.${digits.slice(dot)}` : digits}`;
      const n = exactNumber(text);
      expect(typeof n, text).toBe('number');
      expect(canonical(String(n)), text).toBe(canonical(text));
    }
    expect(exactNumber('9999999999999999')).toBe('9999999999999999');
    expect(exactNumber('123456789012345')).toBe(123456789012345);
    expect(exactNumber('0.0000001')).toBe(1e-7);
  });
});

describe('value conversion', () => {
  it('converts scalars by type', () => {
    expect(toJsonValue('9007199254740991', builtin('int8'))).toBe(9007199254740991);
    expect(toJsonValue('9007199254740992', builtin('int8'))).toBe('9007199254740992');
    expect(toJsonValue('-9223372036854775808', builtin('int8'))).toBe('-9223372036854775808');
    expect(toJsonValue('Infinity', builtin('float8'))).toBe('Infinity');
    expect(toJsonValue('-0', builtin('float8'))).toBe(-0);
    expect(toJsonValue('t', builtin('bool'))).toBe(true);
    expect(toJsonValue('\\x00ff', builtin('bytea'))).toBe('AP8=');
    expect(toJsonValue('a\\\\b\\001', builtin('bytea'))).toBe(Buffer.from('a\\b\x01', 'latin1').toString('base64'));
    expect(toJsonValue(null, builtin('int4'))).toBeNull();
    expect(toJsonValue('$1.00', builtin('money'))).toBe('$1.00');
  });

  it('prints dates and times as ISO-8601', () => {
    expect(toJsonValue('2024-01-31 13:14:15.5+00', builtin('timestamptz'))).toBe('2024-01-31T13:14:15.500000+00:00');
    expect(toJsonValue('2024-01-31 13:14:15', builtin('timestamp'))).toBe('2024-01-31T13:14:15');
    expect(toJsonValue('0001-01-01 00:00:00 BC', builtin('timestamp'))).toBe('0000-01-01T00:00:00');
    expect(toJsonValue('infinity', builtin('timestamp'))).toBe('infinity');
    expect(toJsonValue('0044-03-15 BC', builtin('date'))).toBe('-0043-03-15');
    expect(toJsonValue('23:59:59.999999-08', builtin('timetz'))).toBe('23:59:59.999999-08:00');
    expect(toJsonValue('12:00:00+05:30:15', builtin('timetz'))).toBe('12:00:00+05:30:15');
  });

  it('converts arrays element by element, keeping NULLs and dimensions', () => {
    expect(toJsonValue('{{1,NULL},{3,4}}', arrayOf(builtin('int4')))).toEqual([
      [1, null],
      [3, 4],
    ]);
    expect(toJsonValue('{"{\\"a\\": 1}",NULL}', arrayOf(builtin('jsonb')))).toEqual([{ a: 1 }, null]);
  });

  it('converts composites to objects keyed by attribute', () => {
    const address = builtin('address', {
      schema: 'public',
      kind: 'composite',
      attributes: [
        { name: 'street', type: builtin('text') },
        { name: 'zip', type: builtin('int4') },
        { name: 'tags', type: arrayOf(builtin('text')) },
      ],
    });
    expect(toJsonValue('("Main ""St""",12345,"{x,NULL}")', address)).toEqual({ street: 'Main "St"', zip: 12345, tags: ['x', null] });
    expect(toJsonValue('(,,)', address)).toEqual({ street: null, zip: null, tags: null });
    // A shape that no longer matches the catalog falls back to the text form.
    expect(toJsonValue('(a,b)', address)).toBe('(a,b)');
  });

  it('treats domains as their base type and enums/ranges as text', () => {
    expect(toJsonValue('42', builtin('posint', { schema: 'public', kind: 'domain', base: builtin('int4') }))).toBe(42);
    expect(toJsonValue('happy', builtin('mood', { schema: 'public', kind: 'enum' }))).toBe('happy');
    expect(toJsonValue('[1,10)', builtin('int4range', { kind: 'range' }))).toBe('[1,10)');
  });
});

describe('mappings', () => {
  it('maps each type to a field that accepts every value form', () => {
    expect(mappingFor(builtin('int8'))).toEqual({ type: 'long' });
    expect(mappingFor(builtin('float8'))).toEqual({ type: 'double', ignore_malformed: true });
    expect(mappingFor(builtin('numeric'))).toMatchObject({ type: 'double', ignore_malformed: true, fields: { keyword: { type: 'keyword' } } });
    expect(mappingFor(builtin('timestamptz'))).toEqual({
      type: 'date',
      format: 'strict_date_optional_time||epoch_millis',
      ignore_malformed: true,
    });
    expect(mappingFor(builtin('text'))).toEqual({ type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } });
    expect(mappingFor(builtin('jsonb'))).toEqual({ type: 'object', enabled: false });
    expect(mappingFor(builtin('bytea'))).toEqual({ type: 'binary' });
    expect(mappingFor(builtin('inet'))).toMatchObject({ type: 'ip', ignore_malformed: true });
    expect(mappingFor(builtin('cidr'))).toEqual({ type: 'keyword', ignore_above: 8191 });
    expect(mappingFor(arrayOf(builtin('int2')))).toEqual({ type: 'short' });
    expect(mappingFor(builtin('citext', { schema: 'public', category: 'S' }))).toMatchObject({ type: 'text' });
  });

  it('never uses types missing from the plain server', () => {
    const all = ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'money', 'bool', 'text', 'bytea', 'date', 'time', 'interval', 'uuid', 'inet', 'json', 'xml', 'tsvector', 'point', 'bit']
      .map((n) => JSON.stringify(mappingFor(builtin(n))))
      .join();
    expect(all).not.toMatch(/scaled_float|search_as_you_type|analyzer|flattened/);
  });

  it('widens conflicting mappings of one field instead of rejecting documents', () => {
    expect(mergeMappings({ type: 'integer' }, { type: 'long' })).toEqual({ type: 'long', ignore_malformed: true });
    expect(mergeMappings({ type: 'integer' }, { type: 'double', ignore_malformed: true })).toEqual({ type: 'double', ignore_malformed: true });
    expect(mergeMappings({ type: 'long' }, mappingFor(builtin('text')))).toEqual({ type: 'keyword', ignore_above: 8191 });
    expect(mergeMappings({ type: 'long' }, { type: 'object', enabled: false })).toEqual({ type: 'object', enabled: false });
    expect(mergeMappings({ type: 'boolean' }, { type: 'boolean' })).toEqual({ type: 'boolean' });
  });
});
