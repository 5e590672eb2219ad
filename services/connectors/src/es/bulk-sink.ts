import type { Client } from '@elastic/elasticsearch';
import { sleep } from '../util/sleep.js';

export interface BulkSinkOptions {
  index: string;
  /** Ingest pipeline for index operations. */
  pipeline?: string;
  /** Flush when the buffered request reaches this many bytes… */
  flushBytes?: number;
  /** …or this many operations, whichever comes first. */
  flushCount?: number;
  /** Bulk requests in flight at once. */
  concurrency?: number;
  /** Attempts for items Elasticsearch rejected with 429. */
  maxItemRetries?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** Called for each item that finally failed (not retried any more). */
  onItemError?: (failure: ItemFailure) => void;
}

export interface ItemFailure {
  id: string;
  op: 'index' | 'delete';
  status: number;
  type: string;
  reason: string;
}

export interface SinkStats {
  indexed: number;
  deleted: number;
  /** Bytes of the JSON of successfully indexed documents. */
  indexedBytes: number;
  failed: number;
  /** Failed items since the last one that succeeded, in request order. */
  consecutiveFailed: number;
  /** Delete of a document that was already gone: not an error. */
  notFound: number;
  /** Conditional deletes skipped because the document was rewritten meanwhile: kept, not an error. */
  kept: number;
  /** Index operations an ingest pipeline dropped (`noop`): not in the index, not an error. */
  dropped: number;
}

/** A delete of one exact document version (see `deleteVersion`). */
export interface DocumentVersion {
  index: string;
  id: string;
  seqNo: number;
  primaryTerm: number;
}

interface Op {
  id: string;
  kind: 'index' | 'delete';
  /** Conditional delete: a 409 means the document changed and is kept. */
  conditional?: boolean;
  /** NDJSON lines of this operation, newline-terminated. */
  lines: string;
  docBytes: number;
  attempt: number;
}

interface BulkResponse {
  errors: boolean;
  items: Record<string, { status: number; result?: string; error?: { type?: string; reason?: string } }>[];
}

const RETRYABLE_ITEM_STATUS = new Set([429, 503]);

/**
 * Bulk writer with backpressure: callers `await` each `index`/`delete`, which
 * only blocks while `concurrency` requests are already in flight and the
 * buffer is full. Bodies are serialised once; 429 items are retried with
 * back-off; every other item failure is reported, never dropped silently.
 */
export class BulkSink {
  readonly stats: SinkStats = { indexed: 0, deleted: 0, indexedBytes: 0, failed: 0, consecutiveFailed: 0, notFound: 0, kept: 0, dropped: 0 };
  private buffer: Op[] = [];
  private bufferBytes = 0;
  private inFlight = new Set<Promise<void>>();
  private fatal: unknown;
  private readonly flushBytes: number;
  private readonly flushCount: number;
  private readonly concurrency: number;
  private readonly maxItemRetries: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly client: Client,
    private readonly options: BulkSinkOptions,
  ) {
    this.flushBytes = options.flushBytes ?? 5 * 1024 * 1024;
    this.flushCount = options.flushCount ?? 1000;
    this.concurrency = options.concurrency ?? 2;
    this.maxItemRetries = options.maxItemRetries ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  async index(id: string, document: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(document);
    const action = JSON.stringify({ index: { _id: id } });
    await this.push({ id, kind: 'index', lines: `${action}\n${body}\n`, docBytes: Buffer.byteLength(body), attempt: 0 });
  }

  async delete(id: string): Promise<void> {
    await this.push({ id, kind: 'delete', lines: `${JSON.stringify({ delete: { _id: id } })}\n`, docBytes: 0, attempt: 0 });
  }

  /**
   * Deletes one document version in its concrete index, only if it is still that
   * version: a copy rewritten since it was read survives.
   */
  async deleteVersion(v: DocumentVersion): Promise<void> {
    const action = { delete: { _index: v.index, _id: v.id, if_seq_no: v.seqNo, if_primary_term: v.primaryTerm } };
    await this.push({ id: v.id, kind: 'delete', conditional: true, lines: `${JSON.stringify(action)}\n`, docBytes: 0, attempt: 0 });
  }

  /** Sends what is buffered and waits for every request in flight. */
  async flush(): Promise<void> {
    while (this.buffer.length || this.inFlight.size) {
      this.throwIfFailed();
      if (this.buffer.length && this.inFlight.size < this.concurrency) this.send();
      else await Promise.race(this.inFlight);
    }
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.fatal) throw this.fatal;
    this.options.signal?.throwIfAborted();
  }

  private async push(op: Op): Promise<void> {
    this.throwIfFailed();
    this.buffer.push(op);
    this.bufferBytes += Buffer.byteLength(op.lines);
    if (this.buffer.length >= this.flushCount || this.bufferBytes >= this.flushBytes) {
      while (this.inFlight.size >= this.concurrency) {
        await Promise.race(this.inFlight);
        this.throwIfFailed();
      }
      this.send();
    }
  }

  private send(): void {
    if (!this.buffer.length) return;
    const ops = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    const p = this.request(ops)
      .catch((err: unknown) => {
        this.fatal ??= err;
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** One bulk request. A whole-request 429 is retried with back-off by the client's transport. */
  private async post(ops: Op[]): Promise<BulkResponse> {
    return this.client.transport.request<BulkResponse>(
      {
        method: 'POST',
        path: `/${encodeURIComponent(this.options.index)}/_bulk`,
        querystring: this.options.pipeline ? { pipeline: this.options.pipeline } : {},
        bulkBody: ops.map((o) => o.lines).join(''),
      },
      { signal: this.options.signal },
    );
  }

  private async request(ops: Op[]): Promise<void> {
    const res = await this.post(ops);
    const retry: Op[] = [];
    res.items.forEach((item, i) => {
      const op = ops[i];
      const result = Object.values(item)[0];
      if (!op || !result) return;
      if (result.status < 300 || (op.kind === 'delete' && result.status === 404) || (op.conditional && result.status === 409)) {
        this.stats.consecutiveFailed = 0;
      }
      if (result.status < 300) {
        if (op.kind === 'delete') this.stats.deleted++;
        else if (result.result === 'noop') this.stats.dropped++;
        else {
          this.stats.indexed++;
          this.stats.indexedBytes += op.docBytes;
        }
        return;
      }
      if (op.kind === 'delete' && result.status === 404) {
        this.stats.notFound++;
        return;
      }
      if (op.conditional && result.status === 409) {
        this.stats.kept++;
        return;
      }
      if (RETRYABLE_ITEM_STATUS.has(result.status) && op.attempt < this.maxItemRetries) {
        retry.push({ ...op, attempt: op.attempt + 1 });
        return;
      }
      this.stats.failed++;
      this.stats.consecutiveFailed++;
      this.options.onItemError?.({
        id: op.id,
        op: op.kind,
        status: result.status,
        type: result.error?.type ?? 'unknown',
        reason: result.error?.reason ?? `status ${result.status}`,
      });
    });
    if (retry.length) {
      const attempt = Math.max(...retry.map((o) => o.attempt));
      await sleep(this.retryDelayMs * 2 ** (attempt - 1), this.options.signal, { rejectOnAbort: true });
      await this.request(retry);
    }
  }
}
