// @types/pg-copy-streams has no declaration for CopyBoth (the replication stream).
import 'pg-copy-streams';
import type { Duplex, DuplexOptions } from 'node:stream';
import type { Submittable } from 'pg';

declare module 'pg-copy-streams' {
  export interface CopyBothOptions extends DuplexOptions {
    /** Emit one chunk per CopyData frame. */
    alignOnCopyDataFrame?: boolean;
  }
  export interface CopyBothQueryStream extends Duplex, Submittable {}
  export function both(text: string, options?: CopyBothOptions): CopyBothQueryStream;
}
