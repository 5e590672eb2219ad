import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { documentId, pythonBytes, pythonFloat, pythonStr, pythonTimedelta } from '../../src/sources/postgresql/ids.js';
import { builtin } from '../helpers/pg-types.js';

// Ids must equal what Elastic's Python connector writes: str() of asyncpg's value.
const str = (text: string, type: string): string => pythonStr(text, builtin(type));

describe('documentId', () => {
  it('joins database, schema, table and key values with _', () => {
    expect(documentId('hr', 'public', 'employees', ['5'])).toBe('hr_public_employees_5');
    expect(documentId('db', 's', 't', ['eu_west', '10'])).toBe('db_s_t_eu_west_10');
  });

  it('keeps text keys verbatim, underscores and unicode included', () => {
    expect(documentId('db', 'public', 'Mixed "Case" Table', ['a_b_c', 'ünï ✓ 日本'])).toBe('db_public_Mixed "Case" Table_a_b_c_ünï ✓ 日本');
  });

  it('skips NULL key values', () => {
    expect(documentId('db', 's', 't', ['1', null, '3'])).toBe('db_s_t_1_3');
  });

  it('hashes ids over 512 UTF-8 bytes to MD5 hex', () => {
    const prefix = 'db_s_t_';
    const exact = prefix + 'k'.repeat(512 - prefix.length);
    expect(documentId('db', 's', 't', ['k'.repeat(512 - prefix.length)])).toBe(exact);
    const over = prefix + 'k'.repeat(513 - prefix.length);
    expect(documentId('db', 's', 't', ['k'.repeat(513 - prefix.length)])).toBe(createHash('md5').update(over).digest('hex'));
    // Counted in UTF-8 bytes, not characters: 253 × "é" is 506 bytes.
    const multibyte = `${prefix}${'é'.repeat(253)}`;
    expect(Buffer.byteLength(multibyte)).toBe(513);
    expect(documentId('db', 's', 't', ['é'.repeat(253)])).toBe(createHash('md5').update(multibyte).digest('hex'));
  });
});

describe('pythonStr', () => {
  it('prints integers, numerics and text as PostgreSQL does', () => {
    expect(str('5', 'int4')).toBe('5');
    expect(str('-9223372036854775808', 'int8')).toBe('-9223372036854775808');
    expect(str('1.50', 'numeric')).toBe('1.50');
    expect(str('a_b', 'text')).toBe('a_b');
  });

  it('prints booleans as True/False', () => {
    expect(str('t', 'bool')).toBe('True');
    expect(str('f', 'bool')).toBe('False');
  });

  it('prints uuids lower-case', () => {
    expect(str('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'uuid')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  });

  it('prints dates and timestamps like datetime.__str__', () => {
    expect(str('2024-01-01', 'date')).toBe('2024-01-01');
    expect(str('2024-01-01 00:00:00', 'timestamp')).toBe('2024-01-01 00:00:00');
    expect(str('2024-01-01 00:00:00.5', 'timestamp')).toBe('2024-01-01 00:00:00.500000');
    expect(str('2024-01-01 00:00:00.000001', 'timestamp')).toBe('2024-01-01 00:00:00.000001');
    expect(str('2024-01-01 00:00:00+00', 'timestamptz')).toBe('2024-01-01 00:00:00+00:00');
    expect(str('2024-01-01 12:30:00.25+00', 'timestamptz')).toBe('2024-01-01 12:30:00.250000+00:00');
    expect(str('13:14:15', 'time')).toBe('13:14:15');
    expect(str('13:14:15.5+05:30', 'timetz')).toBe('13:14:15.500000+05:30');
  });

  it('prints infinities as asyncpg decodes them (date.max / date.min)', () => {
    expect(str('infinity', 'date')).toBe('9999-12-31');
    expect(str('-infinity', 'date')).toBe('0001-01-01');
    expect(str('infinity', 'timestamp')).toBe('9999-12-31 23:59:59.999999');
    expect(str('-infinity', 'timestamptz')).toBe('0001-01-01 00:00:00+00:00');
  });

  it('follows domains to their base type', () => {
    expect(pythonStr('t', builtin('flag', { schema: 'public', kind: 'domain', base: builtin('bool') }))).toBe('True');
  });

  it('prints floats like repr(float)', () => {
    expect(pythonFloat(1)).toBe('1.0');
    expect(pythonFloat(0.1)).toBe('0.1');
    expect(pythonFloat(-2.5)).toBe('-2.5');
    expect(pythonFloat(1e16)).toBe('1e+16');
    expect(pythonFloat(1234567890123456)).toBe('1234567890123456.0');
    expect(pythonFloat(0.0001)).toBe('0.0001');
    expect(pythonFloat(0.00001)).toBe('1e-05');
    expect(pythonFloat(1.5e-7)).toBe('1.5e-07');
    expect(pythonFloat(1.7976931348623157e308)).toBe('1.7976931348623157e+308');
    expect(pythonFloat(-0)).toBe('-0.0');
    expect(pythonFloat(NaN)).toBe('nan');
    expect(pythonFloat(-Infinity)).toBe('-inf');
    // real is widened to a double by asyncpg.
    expect(str('1.1', 'float4')).toBe('1.100000023841858');
    expect(str('Infinity', 'float8')).toBe('inf');
  });

  it('prints intervals like str(timedelta), a month being 30 days and a year 365', () => {
    expect(pythonTimedelta('PT0S')).toBe('0:00:00');
    expect(pythonTimedelta('P1DT2H3M4S')).toBe('1 day, 2:03:04');
    expect(pythonTimedelta('P2DT0.5S')).toBe('2 days, 0:00:00.500000');
    expect(pythonTimedelta('P-1D')).toBe('-1 day, 0:00:00');
    expect(pythonTimedelta('PT-1S')).toBe('-1 day, 23:59:59');
    expect(pythonTimedelta('P1Y2M')).toBe('425 days, 0:00:00');
  });

  it('prints bytea like repr(bytes)', () => {
    expect(pythonBytes(Buffer.from([0x61, 0x00, 0xff, 0x0a]))).toBe("b'a\\x00\\xff\\n'");
    expect(pythonBytes(Buffer.from("it's"))).toBe('b"it\'s"');
    expect(str('\\x6162', 'bytea')).toBe("b'ab'");
  });
});
