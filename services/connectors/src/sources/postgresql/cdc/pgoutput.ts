/**
 * Decoder for the messages of PostgreSQL's `pgoutput` plugin, protocol
 * version 1 (https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html).
 * Column values stay in PostgreSQL's text form, exactly what a full sync
 * reads, so both produce the same documents through the same conversion.
 */
import type { Lsn } from './lsn.js';

export interface RelationColumn {
  name: string;
  typeOid: number;
  /** Part of the replica identity (the primary key, by default). */
  key: boolean;
}

export interface RelationMessage {
  tag: 'relation';
  oid: number;
  schema: string;
  table: string;
  /** `d` default (primary key), `n` nothing, `f` full, `i` index. */
  replicaIdentity: string;
  columns: RelationColumn[];
}

/** A row: one entry per column; `undefined` marks an unchanged TOASTed value. */
export type TupleValue = string | null | undefined;
export type Tuple = TupleValue[];

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: Lsn; commitTime: Date; xid: number }
  | { tag: 'commit'; commitLsn: Lsn; endLsn: Lsn; commitTime: Date }
  | RelationMessage
  | { tag: 'insert'; relation: number; row: Tuple }
  | { tag: 'update'; relation: number; old: Tuple | null; row: Tuple }
  | { tag: 'delete'; relation: number; old: Tuple }
  | { tag: 'truncate'; relations: number[] }
  | { tag: 'other'; type: string };

/** Microseconds between the Unix and the PostgreSQL (2000-01-01) epochs. */
export const PG_EPOCH_MICROS = 946_684_800_000_000n;

const pgTime = (micros: bigint): Date => new Date(Number((micros + PG_EPOCH_MICROS) / 1000n));

class Reader {
  constructor(
    private readonly buf: Buffer,
    public offset = 0,
  ) {}
  byte(): number {
    return this.buf.readUInt8(this.offset++);
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint32(): number {
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint64(): bigint {
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }
  text(length: number): string {
    const s = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }
  tuple(): Tuple {
    const n = this.int16();
    const row: Tuple = new Array<TupleValue>(n);
    for (let i = 0; i < n; i++) {
      const kind = this.byte();
      if (kind === 0x6e /* n */) row[i] = null;
      else if (kind === 0x75 /* u */) row[i] = undefined;
      else if (kind === 0x74 /* t */) row[i] = this.text(this.int32());
      else throw new Error(`pgoutput: unexpected column kind ${kind} (binary mode is not used)`);
    }
    return row;
  }
}

export function decodePgOutput(payload: Buffer): PgOutputMessage {
  const r = new Reader(payload, 1);
  const type = String.fromCharCode(payload[0] ?? 0);
  switch (type) {
    case 'B': {
      const finalLsn = r.uint64();
      const commitTime = pgTime(r.uint64());
      return { tag: 'begin', finalLsn, commitTime, xid: r.uint32() };
    }
    case 'C': {
      r.byte(); // flags, unused
      const commitLsn = r.uint64();
      const endLsn = r.uint64();
      return { tag: 'commit', commitLsn, endLsn, commitTime: pgTime(r.uint64()) };
    }
    case 'R': {
      const oid = r.uint32();
      const schema = r.cstring();
      const table = r.cstring();
      const replicaIdentity = String.fromCharCode(r.byte());
      const n = r.int16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < n; i++) {
        const key = (r.byte() & 1) === 1;
        const name = r.cstring();
        const typeOid = r.uint32();
        r.int32(); // type modifier
        columns.push({ name, typeOid, key });
      }
      return { tag: 'relation', oid, schema, table, replicaIdentity, columns };
    }
    case 'I': {
      const relation = r.uint32();
      r.byte(); // 'N'
      return { tag: 'insert', relation, row: r.tuple() };
    }
    case 'U': {
      const relation = r.uint32();
      let marker = String.fromCharCode(r.byte());
      let old: Tuple | null = null;
      // 'K': the old key (the key changed); 'O': the whole old row (REPLICA IDENTITY FULL).
      if (marker === 'K' || marker === 'O') {
        old = r.tuple();
        marker = String.fromCharCode(r.byte());
      }
      if (marker !== 'N') throw new Error(`pgoutput: malformed update (marker ${marker})`);
      return { tag: 'update', relation, old, row: r.tuple() };
    }
    case 'D': {
      const relation = r.uint32();
      r.byte(); // 'K' or 'O'
      return { tag: 'delete', relation, old: r.tuple() };
    }
    case 'T': {
      const n = r.int32();
      r.byte(); // cascade / restart identity flags
      const relations: number[] = [];
      for (let i = 0; i < n; i++) relations.push(r.uint32());
      return { tag: 'truncate', relations };
    }
    default:
      // Origin, Type, logical Message: nothing to index.
      return { tag: 'other', type };
  }
}
