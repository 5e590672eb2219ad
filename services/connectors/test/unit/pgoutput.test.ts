import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from '../../src/sources/postgresql/cdc/lsn.js';
import { decodePgOutput, PG_EPOCH_MICROS } from '../../src/sources/postgresql/cdc/pgoutput.js';
import { chainPrefix, isLogicalCursor, newSlotName } from '../../src/sources/postgresql/cdc/chain.js';

/** Builds pgoutput messages byte by byte, as the server writes them. */
class Msg {
  private parts: Buffer[] = [];
  constructor(tag: string) {
    this.byte(tag.charCodeAt(0));
  }
  byte(n: number) {
    this.parts.push(Buffer.from([n]));
    return this;
  }
  int16(n: number) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    this.parts.push(b);
    return this;
  }
  int32(n: number) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    this.parts.push(b);
    return this;
  }
  uint64(n: bigint) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(n);
    this.parts.push(b);
    return this;
  }
  cstring(s: string) {
    this.parts.push(Buffer.from(`${s}\0`, 'utf8'));
    return this;
  }
  tuple(values: (string | null | undefined)[]) {
    this.int16(values.length);
    for (const v of values) {
      if (v === null) this.byte(0x6e);
      else if (v === undefined) this.byte(0x75);
      else {
        const data = Buffer.from(v, 'utf8');
        this.byte(0x74).int32(data.length);
        this.parts.push(data);
      }
    }
    return this;
  }
  get buffer() {
    return Buffer.concat(this.parts);
  }
}

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n - PG_EPOCH_MICROS;

describe('WAL positions', () => {
  it('parse and print like PostgreSQL, and compare as numbers, not text', () => {
    expect(parseLsn('0/A0')).toBe(0xa0n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(parseLsn('0/100') > parseLsn('0/A0')).toBe(true);
    expect(() => parseLsn('nonsense')).toThrow(/not a WAL position/);
  });
});

describe('pgoutput decoder', () => {
  it('decodes Begin and Commit with their positions and times', () => {
    const begin = decodePgOutput(new Msg('B').uint64(0x1234n).uint64(micros('2026-01-02T03:04:05.000Z')).int32(777).buffer);
    expect(begin).toEqual({ tag: 'begin', finalLsn: 0x1234n, commitTime: new Date('2026-01-02T03:04:05.000Z'), xid: 777 });
    const commit = decodePgOutput(new Msg('C').byte(0).uint64(0x1234n).uint64(0x1250n).uint64(micros('2026-01-02T03:04:05.000Z')).buffer);
    expect(commit).toMatchObject({ tag: 'commit', commitLsn: 0x1234n, endLsn: 0x1250n });
  });

  it('decodes a Relation with its key columns and types', () => {
    const m = new Msg('R').int32(16384).cstring('public').cstring('Order Items').byte('d'.charCodeAt(0)).int16(2);
    m.byte(1).cstring('id').int32(23).int32(-1);
    m.byte(0).cstring('naïve').int32(25).int32(-1);
    expect(decodePgOutput(m.buffer)).toEqual({
      tag: 'relation',
      oid: 16384,
      schema: 'public',
      table: 'Order Items',
      replicaIdentity: 'd',
      columns: [
        { name: 'id', typeOid: 23, key: true },
        { name: 'naïve', typeOid: 25, key: false },
      ],
    });
  });

  it('keeps values as text, nulls as null and unchanged TOASTed values as undefined', () => {
    const insert = decodePgOutput(new Msg('I').int32(16384).byte(0x4e).tuple(['1', null, 'é 🙂']).buffer);
    expect(insert).toEqual({ tag: 'insert', relation: 16384, row: ['1', null, 'é 🙂'] });
    const update = decodePgOutput(new Msg('U').int32(16384).byte(0x4e).tuple(['1', undefined, 'x']).buffer);
    expect(update).toEqual({ tag: 'update', relation: 16384, old: null, row: ['1', undefined, 'x'] });
  });

  it('reads the old key of an update that changed it, and of a delete', () => {
    const update = decodePgOutput(new Msg('U').int32(1).byte(0x4b).tuple(['1', null]).byte(0x4e).tuple(['2', 'b']).buffer);
    expect(update).toEqual({ tag: 'update', relation: 1, old: ['1', null], row: ['2', 'b'] });
    const full = decodePgOutput(new Msg('U').int32(1).byte(0x4f).tuple(['1', 'a']).byte(0x4e).tuple(['1', 'b']).buffer);
    expect(full).toEqual({ tag: 'update', relation: 1, old: ['1', 'a'], row: ['1', 'b'] });
    const del = decodePgOutput(new Msg('D').int32(1).byte(0x4b).tuple(['7', null]).buffer);
    expect(del).toEqual({ tag: 'delete', relation: 1, old: ['7', null] });
  });

  it('lists the relations of a Truncate and passes over messages it does not index', () => {
    const truncate = decodePgOutput(new Msg('T').int32(2).byte(0).int32(10).int32(11).buffer);
    expect(truncate).toEqual({ tag: 'truncate', relations: [10, 11] });
    expect(decodePgOutput(new Msg('Y').int32(1).buffer)).toEqual({ tag: 'other', type: 'Y' });
  });

  it('refuses malformed updates and binary columns instead of guessing', () => {
    expect(() => decodePgOutput(new Msg('U').int32(1).byte(0x58).buffer)).toThrow(/malformed update/);
    expect(() => decodePgOutput(new Msg('I').int32(1).byte(0x4e).int16(1).byte(0x62).buffer)).toThrow(/binary mode/);
  });
});

describe('chain names', () => {
  it('are the same on every replica, valid slot names, and new for each chain', () => {
    expect(chainPrefix('my connector')).toBe(chainPrefix('my connector'));
    expect(chainPrefix('my connector')).not.toBe(chainPrefix('other'));
    const slot = newSlotName('x'.repeat(500), Date.parse('2100-01-01'));
    expect(slot).toMatch(/^[a-z0-9_]{1,63}$/);
    expect(newSlotName('c', 1)).not.toBe(newSlotName('c', 2));
  });

  it('recognise a cursor only in its full shape', () => {
    expect(isLogicalCursor({ mode: 'logical', slot: 's', publication: 'p', lsn: '0/1', tables: [] })).toBe(true);
    expect(isLogicalCursor({ mode: 'logical', slot: 's' })).toBe(false);
    expect(isLogicalCursor(null)).toBe(false);
  });
});
