import type { Client } from '@elastic/elasticsearch';
import type { BulkSink, ItemFailure } from '../es/bulk-sink.js';
import { countDocuments } from '../es/content-index.js';
import type { Logger } from '../log/logger.js';
import type { BasicRule, Pipeline } from '../protocol/types.js';
import { FIELD_KINDS, type ChangeCapture, type SyncNotice } from '../sources/types.js';
import { finalId, type SyncProgress, type SyncResult } from './full-sync.js';
import { compileRules } from './rules.js';
import { createSink, documentBody, ITEM_ERROR_LIMITS, resolvePipeline, SyncError } from './writer.js';

export interface IncrementalSyncOptions {
  client: Client;
  index: string;
  capture: ChangeCapture;
  /** The chain's cursor, as the job's claim copied it. */
  cursor: unknown;
  /** Identify the source's documents of a table (for TRUNCATE). */
  origin: { database: string; schema: string };
  log: Logger;
  signal: AbortSignal;
  basicRules?: BasicRule[];
  pipeline?: Pipeline | null;
  maxItemErrors?: number;
  maxItemErrorRate?: number;
  /** Documents failing in a row past this end the sync. */
  maxConsecutiveItemErrors?: number;
  /** The job completes after streaming this long… */
  maxDurationMs: number;
  /** …or after this long without a change. */
  idleMs: number;
  /** Asks the job to complete at the next transaction boundary (a full sync waits for it). */
  wrapUp?: AbortSignal;
  /** Changes buffered before a write even while more keep arriving. */
  batchSize?: number;
  onProgress?: (p: SyncProgress) => void;
  /** After each write: the commit time of the last transaction now in the index. */
  onApplied?: (committedAt: Date) => void;
}

/** A pending write per document: the last change of a batch wins. */
type Pending = Map<string, Record<string, unknown> | null>;

/**
 * Applies the source's changes in commit order until the job's time is up or
 * the source falls quiet. Batches end at transaction boundaries; a position
 * is confirmed to the source only after Elasticsearch acknowledged every
 * write before it, so a crash replays (idempotently) instead of losing.
 */
export async function runIncrementalSync(opts: IncrementalSyncOptions): Promise<SyncResult> {
  const { client, index, capture, log, signal } = opts;
  const rules = compileRules(opts.basicRules ?? []);
  const notices: SyncNotice[] = [];
  const itemErrors: ItemFailure[] = [];
  const progress: SyncProgress = { indexed: 0, deleted: 0, indexedBytes: 0, excluded: 0, failed: 0, dropped: 0, read: 0 };
  const pipeline = await resolvePipeline(client, index, opts.pipeline, log);
  // One request at a time: a later change of a document must never overtake an earlier one.
  const sink = createSink(client, {
    index,
    pipeline,
    signal,
    log,
    bulk: { concurrency: 1 },
    failedIds: new Set(),
    itemErrors,
    maxItemErrors: opts.maxItemErrors ?? ITEM_ERROR_LIMITS.maxItemErrors,
    maxItemErrorRate: opts.maxItemErrorRate ?? ITEM_ERROR_LIMITS.maxItemErrorRate,
    maxConsecutiveItemErrors: opts.maxConsecutiveItemErrors ?? ITEM_ERROR_LIMITS.maxConsecutiveItemErrors,
  });
  const batchSize = opts.batchSize ?? 1000;
  const pending: Pending = new Map();
  let committed: string | undefined;
  let committedAt: Date | undefined;
  let confirmed: string | undefined;
  const started = Date.now();
  let lastChange = started;

  const report = () => {
    Object.assign(progress, { indexed: sink.stats.indexed, deleted: sink.stats.deleted, indexedBytes: sink.stats.indexedBytes, failed: sink.stats.failed, dropped: sink.stats.dropped });
    opts.onProgress?.(progress);
  };
  const confirm = (position: string) => {
    capture.confirm(position);
    confirmed = position;
  };
  // Written mid-transaction when large (memory stays bounded); confirmed only at its commit.
  const writeIfFull = async () => {
    if (pending.size >= batchSize) {
      await writePending(sink, pending);
      report();
    }
  };
  const flush = async () => {
    await writePending(sink, pending);
    report();
    if (committed !== undefined) confirm(committed);
    if (committedAt) opts.onApplied?.(committedAt);
    committed = undefined;
    committedAt = undefined;
  };

  for await (const change of capture.changes(opts.cursor, { signal, notice: (n) => void (notices.length < 100 && notices.push(n)) })) {
    signal.throwIfAborted();
    switch (change.kind) {
      case 'upsert': {
        progress.read++;
        lastChange = Date.now();
        const id = finalId(String(change.doc._id));
        // A row that stops matching the rules leaves the index.
        if (rules.decide(change.doc, change.doc[FIELD_KINDS]).include) pending.set(id, documentBody(change.doc, id, new Date().toISOString(), pipeline ? opts.pipeline : null));
        else {
          progress.excluded++;
          pending.set(id, null);
        }
        await writeIfFull();
        break;
      }
      case 'delete':
        lastChange = Date.now();
        pending.set(finalId(change.id), null);
        await writeIfFull();
        break;
      case 'truncate':
        lastChange = Date.now();
        await flush();
        for (const table of change.tables) await deleteTable(client, sink, index, { ...opts.origin, table }, signal);
        report();
        break;
      case 'commit':
        committed = change.position;
        committedAt = change.committedAt;
        if (!change.more || pending.size >= batchSize) await flush();
        break;
      case 'idle':
        if (pending.size || committed !== undefined) await flush();
        // Nothing of ours before this position: confirming it lets the slot release WAL on a busy server.
        else if (change.position !== undefined) confirm(change.position);
        break;
    }
    if (change.kind !== 'commit' && change.kind !== 'idle') continue;
    const now = Date.now();
    if (now - started >= opts.maxDurationMs || now - lastChange >= opts.idleMs || opts.wrapUp?.aborted) {
      // Confirmed while the stream is still open.
      await flush();
      break;
    }
  }
  await flush();
  log.info({ indexed: progress.indexed, deleted: progress.deleted, position: confirmed }, 'incremental sync done');
  return { ...progress, totalDocuments: await countDocuments(client, index), notices, itemErrors, cursor: capture.cursorAt(opts.cursor, confirmed) };
}

async function writePending(sink: BulkSink, pending: Pending): Promise<void> {
  for (const [id, body] of pending) {
    if (body) await sink.index(id, body);
    else await sink.delete(id);
  }
  pending.clear();
  await sink.flush();
}

/** Deletes every document of one source table: search, delete, refresh, until none is left. */
async function deleteTable(
  client: Client,
  sink: BulkSink,
  index: string,
  origin: { database: string; schema: string; table: string },
  signal: AbortSignal,
): Promise<void> {
  const query = { bool: { filter: [{ term: { database: origin.database } }, { term: { schema: origin.schema } }, { term: { table: origin.table } }] } };
  const attempted = new Set<string>();
  for (;;) {
    signal.throwIfAborted();
    await client.indices.refresh({ index });
    const res = await client.search({ index, query, _source: false, size: 1000, track_total_hits: false });
    const ids = res.hits.hits.map((h) => h._id).filter((id): id is string => id !== undefined);
    if (ids.length === 0) return;
    // Deletes that failed would be found again on every pass: stop rather than loop.
    if (ids.every((id) => attempted.has(id))) throw new SyncError(`the documents of truncated table "${origin.table}" could not be deleted from ${index}`);
    for (const id of ids) {
      attempted.add(id);
      await sink.delete(id);
    }
    await sink.flush();
  }
}
