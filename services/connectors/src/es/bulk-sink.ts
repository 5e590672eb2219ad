import type { Client } from '@elastic/elasticsearch';
import { BULK_DEFAULTS } from '../config/schema.js';
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
  /** A batch older than this is sent even when not full: a slow source still shows progress. */
  flushIntervalMs?: number;
  /** Attempts for items Elasticsearch rejected with 429. */
  maxItemRetries?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** Called for each item that finally failed (not retried any more). */
  onItemError?: (failure: ItemFailure) => void;
  /** Called after each bulk request (retries of rejected items included), with what it achieved: for metrics. */
  onRequest?: (r: BulkRequestReport) => void;
}

export interface BulkRequestReport {
  seconds: number;
  /** The request itself failed (no answer, or an error for the whole request). */
  failed: boolean;
  indexed: number;
  deleted: number;
  indexedBytes: number;
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
  kind: 'index' | 'delete';
  /** Conditional delete: a 409 means the document changed and is kept. */
  conditional: boolean;
  /** Where this operation's NDJSON lines sit in its request body. */
  start: number;
  end: number;
  docBytes: number;
  attempt: number;
}

const DELETE = 1;
const CONDITIONAL = 2;
/** `flags` keeps the attempt above the two bits of kind and condition. */
const ATTEMPT_SHIFT = 2;

/**
 * One request body being built: NDJSON bytes written straight into a buffer,
 * so a batch costs its bytes once (no per-document strings, no join, no copy
 * by the transport). Buffers are reused for the next batch once sent.
 *
 * Operations are kept as numbers, not objects: a batch lives until its
 * response is read, and with 10 000 operations each and 4 batches alive an
 * object per operation (and its id string) was most of what the young
 * generation had to copy at every collection. An operation's id is read back
 * from its action line, only when it failed or is retried.
 */
class Batch {
  /** Per operation: where its lines start in the body, its document's bytes (0 for a delete), kind, condition and attempt. */
  private readonly starts: number[] = [];
  private readonly docBytes: number[] = [];
  private readonly flags: number[] = [];
  length = 0;
  deletes = 0;
  /** The documents' bytes of every index operation: indexed volume, when all succeed. */
  indexBytes = 0;
  constructor(public body: Buffer) {}

  get size(): number {
    return this.starts.length;
  }

  /**
   * Appends one operation: its action line, and the document's line for an
   * index; grows the buffer when they do not fit. Called once per document:
   * no rest arguments, no spread, no object.
   */
  append(kind: Op['kind'], attempt: number, action: string, doc?: string, conditional = false): void {
    // At most 3 bytes per UTF-16 unit, plus the newlines: measure exactly only when that could overflow.
    const worst = (action.length + (doc?.length ?? 0)) * 3 + 2;
    if (this.length + worst > this.body.length) this.reserve(Buffer.byteLength(action) + (doc === undefined ? 0 : Buffer.byteLength(doc)) + 2);
    const start = this.length;
    this.length += this.body.write(action, this.length);
    this.body[this.length++] = 0x0a;
    let docBytes = 0;
    if (doc !== undefined) {
      docBytes = this.body.write(doc, this.length);
      this.length += docBytes;
      this.body[this.length++] = 0x0a;
    }
    this.record(start, docBytes, kind, attempt, conditional);
  }

  /** Keeps what is known of the operation whose lines were just written at `start`. */
  private record(start: number, docBytes: number, kind: Op['kind'], attempt: number, conditional: boolean): void {
    this.starts.push(start);
    // An index's document counts as indexed volume.
    this.docBytes.push(docBytes);
    this.indexBytes += docBytes;
    this.flags.push((kind === 'delete' ? DELETE : 0) | (conditional ? CONDITIONAL : 0) | (attempt << ATTEMPT_SHIFT));
    if (kind === 'delete') this.deletes++;
  }

  /** Operation `i`, but for its id (see `idOf`). */
  op(i: number): Op {
    const flags = this.flags[i] ?? 0;
    return {
      kind: flags & DELETE ? 'delete' : 'index',
      conditional: (flags & CONDITIONAL) !== 0,
      start: this.starts[i] ?? 0,
      end: this.starts[i + 1] ?? this.length,
      docBytes: this.docBytes[i] ?? 0,
      attempt: flags >> ATTEMPT_SHIFT,
    };
  }

  /** Operation `i`'s `_id`, parsed from its action line: only a failed item needs it. */
  idOf(i: number): string {
    const start = this.starts[i] ?? 0;
    const action = JSON.parse(this.body.toString('utf8', start, this.body.indexOf(0x0a, start))) as Record<string, { _id?: string }>;
    return Object.values(action)[0]?._id ?? '';
  }

  /** The highest attempt of any operation. */
  maxAttempt(): number {
    let max = 0;
    for (const f of this.flags) max = Math.max(max, f >> ATTEMPT_SHIFT);
    return max;
  }

  /**
   * Appends an operation taken from another batch (a retry), its bytes copied
   * as they are: a document of tens of MB is not decoded into a string again.
   */
  appendFrom(from: Batch, op: Op): void {
    this.reserve(op.end - op.start);
    const start = this.length;
    this.length += from.body.copy(this.body, this.length, op.start, op.end);
    this.record(start, op.docBytes, op.kind, op.attempt + 1, op.conditional);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.body.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.body.length * 2, this.length + bytes));
    this.body.copy(grown, 0, 0, this.length);
    this.body = grown;
  }

  bytes(): Buffer {
    return this.body.subarray(0, this.length);
  }
}

interface BulkResponse {
  errors: boolean;
  items: Record<string, { status: number; result?: string; error?: { type?: string; reason?: string } }>[];
}

const RETRYABLE_ITEM_STATUS = new Set([429, 503]);
const RESPONSE_FIELDS = 'errors,items.*.status,items.*.result,items.*.error.type,items.*.error.reason';

/**
 * Bulk writer with backpressure: callers `await` each `index`/`delete`, which
 * only blocks while `concurrency` requests are already in flight and the
 * buffer is full. Bodies are serialised once; 429 items are retried with
 * back-off; every other item failure is reported, never dropped silently.
 */
export class BulkSink {
  readonly stats: SinkStats = { indexed: 0, deleted: 0, indexedBytes: 0, failed: 0, consecutiveFailed: 0, notFound: 0, kept: 0, dropped: 0 };
  private batch: Batch;
  /** Bodies of finished requests, ready for the next batch: memory stays at (concurrency + 1) bodies. */
  private readonly spare: Buffer[] = [];
  private inFlight = new Set<Promise<void>>();
  private fatal: unknown;
  private readonly flushBytes: number;
  /** Room for a full batch and the document that crosses the threshold. */
  private readonly bodyBytes: number;
  private readonly flushCount: number;
  private readonly concurrency: number;
  private readonly maxItemRetries: number;
  private readonly retryDelayMs: number;
  private readonly flushIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Client,
    private readonly options: BulkSinkOptions,
  ) {
    this.flushBytes = options.flushBytes ?? BULK_DEFAULTS.maxMb * 1_048_576;
    this.bodyBytes = Math.ceil(this.flushBytes * 1.25);
    this.flushCount = options.flushCount ?? BULK_DEFAULTS.maxDocs;
    this.concurrency = options.concurrency ?? BULK_DEFAULTS.concurrency;
    this.maxItemRetries = options.maxItemRetries ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.batch = this.newBatch();
  }

  private newBatch(): Batch {
    return new Batch(this.spare.pop() ?? Buffer.allocUnsafe(this.bodyBytes));
  }

  /**
   * Buffers one document. Returns a promise only when the caller must wait
   * (a full batch and every request slot taken): a sync calls this per row,
   * and most calls need no await.
   */
  index(id: string, document: Record<string, unknown>): Promise<void> | undefined {
    return this.indexJson(id, JSON.stringify(document));
  }

  /** `index` of a document already serialized. */
  indexJson(id: string, json: string): Promise<void> | undefined {
    this.throwIfFailed();
    this.batch.append('index', 0, `{"index":{"_id":${JSON.stringify(id)}}}`, json);
    return this.afterAppend();
  }

  async delete(id: string): Promise<void> {
    this.throwIfFailed();
    this.batch.append('delete', 0, `{"delete":{"_id":${JSON.stringify(id)}}}`);
    await this.afterAppend();
  }

  /**
   * Deletes one document version in its concrete index, only if it is still that
   * version: a copy rewritten since it was read survives.
   */
  async deleteVersion(v: DocumentVersion): Promise<void> {
    this.throwIfFailed();
    const action = { delete: { _index: v.index, _id: v.id, if_seq_no: v.seqNo, if_primary_term: v.primaryTerm } };
    this.batch.append('delete', 0, JSON.stringify(action), undefined, true);
    await this.afterAppend();
  }

  /** Sends what is buffered and waits for every request in flight. */
  async flush(): Promise<void> {
    while (this.batch.size || this.inFlight.size) {
      this.throwIfFailed();
      if (this.batch.size && this.inFlight.size < this.concurrency) this.send();
      else await Promise.race(this.inFlight);
    }
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.fatal) throw this.fatal;
    this.options.signal?.throwIfAborted();
  }

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.fatal || !this.batch.size) return;
      // Only into a free slot: a timer never adds a request beyond the concurrency.
      if (this.inFlight.size < this.concurrency) this.send();
      else this.armTimer();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  /** Back-pressure: a full batch waits for a free request slot, so memory never grows with a slow cluster. */
  private afterAppend(): Promise<void> | undefined {
    if (!this.timer && this.flushIntervalMs > 0) this.armTimer();
    if (this.batch.size < this.flushCount && this.batch.length < this.flushBytes) return undefined;
    if (this.inFlight.size < this.concurrency) {
      this.send();
      return undefined;
    }
    return this.sendWhenFree();
  }

  private async sendWhenFree(): Promise<void> {
    while (this.inFlight.size >= this.concurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    this.send();
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.batch.size) return;
    const batch = this.batch;
    this.batch = this.newBatch();
    const p = this.request(batch)
      .catch((err: unknown) => {
        this.fatal ??= err;
      })
      .finally(() => {
        this.inFlight.delete(p);
        // A body grown for a huge document is not kept.
        if (batch.body.length <= this.bodyBytes) this.spare.push(batch.body);
      });
    this.inFlight.add(p);
  }

  /**
   * One bulk request. A whole-request 429 is retried with back-off by the
   * client's transport. The response carries only what is read from it.
   */
  private async post(batch: Batch): Promise<BulkResponse> {
    return this.client.transport.request<BulkResponse>(
      {
        method: 'POST',
        path: `/${encodeURIComponent(this.options.index)}/_bulk`,
        querystring: { filter_path: RESPONSE_FIELDS, ...(this.options.pipeline ? { pipeline: this.options.pipeline } : {}) },
        bulkBody: batch.bytes(),
      },
      { signal: this.options.signal },
    );
  }

  private async request(batch: Batch): Promise<void> {
    const started = performance.now();
    const report = (failed: boolean, delta = { indexed: 0, deleted: 0, indexedBytes: 0 }) =>
      this.options.onRequest?.({ seconds: (performance.now() - started) / 1000, failed, ...delta });
    let res: BulkResponse;
    try {
      res = await this.post(batch);
    } catch (err) {
      report(true);
      throw err;
    }
    // Items are settled synchronously, so the difference is this request's alone, whatever else is in flight.
    const before = { indexed: this.stats.indexed, deleted: this.stats.deleted, indexedBytes: this.stats.indexedBytes };
    let retry: Batch;
    try {
      retry = this.settle(batch, res);
    } finally {
      report(false, { indexed: this.stats.indexed - before.indexed, deleted: this.stats.deleted - before.deleted, indexedBytes: this.stats.indexedBytes - before.indexedBytes });
    }
    if (retry.size) {
      const attempt = retry.maxAttempt();
      await sleep(this.retryDelayMs * 2 ** (attempt - 1), this.options.signal, { rejectOnAbort: true });
      await this.request(retry);
    }
  }

  /** Counts each item's outcome and reports failures; returns the items Elasticsearch rejected for now, to retry. */
  private settle(batch: Batch, res: BulkResponse): Batch {
    const retry = new Batch(Buffer.allocUnsafe(0));
    // Every item succeeded, all are indexes, and no pipeline could drop one: the items
    // need not be read (LazyBulkSerializer leaves them unparsed until they are).
    if (!res.errors && batch.deletes === 0 && !this.options.pipeline) {
      this.stats.consecutiveFailed = 0;
      this.stats.indexed += batch.size;
      this.stats.indexedBytes += batch.indexBytes;
      return retry;
    }
    res.items.forEach((item, i) => {
      const op = i < batch.size ? batch.op(i) : undefined;
      let result: BulkResponse['items'][number][string] | undefined;
      // The item's only key is its operation; no array per item (a response holds thousands).
      for (const key in item) {
        result = item[key];
        break;
      }
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
        retry.appendFrom(batch, op);
        return;
      }
      this.stats.failed++;
      this.stats.consecutiveFailed++;
      this.options.onItemError?.({
        id: batch.idOf(i),
        op: op.kind,
        status: result.status,
        type: result.error?.type ?? 'unknown',
        reason: result.error?.reason ?? `status ${result.status}`,
      });
    });
    return retry;
  }
}
