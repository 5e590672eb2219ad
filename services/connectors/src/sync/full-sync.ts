import { createHash } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { BulkSink, type ItemFailure } from '../es/bulk-sink.js';
import { countDocuments, ensureContentIndex, pipelineExists } from '../es/content-index.js';
import type { Logger } from '../log/logger.js';
import type { BasicRule, Pipeline } from '../protocol/types.js';
import type { DataSource, SyncNotice } from '../sources/types.js';
import { compileRules } from './rules.js';
import { staleDocuments, takeCheckpoints } from './stale-docs.js';

export interface SyncProgress {
  indexed: number;
  deleted: number;
  /** Bytes of indexed JSON. */
  indexedBytes: number;
  /** Documents the sync rules excluded. */
  excluded: number;
  failed: number;
  /** Documents the ingest pipeline dropped. */
  dropped: number;
  /** Documents read from the source. */
  read: number;
}

export interface SyncResult extends SyncProgress {
  totalDocuments: number;
  notices: SyncNotice[];
  itemErrors: ItemFailure[];
}

export interface FullSyncOptions {
  client: Client;
  index: string;
  source: DataSource;
  log: Logger;
  signal: AbortSignal;
  basicRules?: BasicRule[];
  advancedRules?: unknown;
  pipeline?: Pipeline | null;
  /** Item failures tolerated before the sync fails (the rest are counted and reported). */
  maxItemErrors?: number;
  /** Share of failed items, once 100 were written, above which the sync fails. */
  maxItemErrorRate?: number;
  bulk?: { flushBytes?: number; flushCount?: number; concurrency?: number };
  onProgress?: (p: SyncProgress) => void;
}

export class SyncError extends Error {
  override name = 'SyncError';
}

const MAX_ID_BYTES = 512;
const MAX_NOTICES = 100;
const MAX_REPORTED_ITEM_ERRORS = 20;

/** `_id`s over 512 bytes are rejected by Elasticsearch; Elastic's connectors hash them (E.1). */
export function finalId(id: string): string {
  return Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES ? createHash('md5').update(id, 'utf8').digest('hex') : id;
}

const warned = new Set<string>();

/** Pipeline warnings once per process and index, not on every sync. */
function warnOnce(log: Logger, key: string, fields: object, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  log.warn(fields, message);
}

/**
 * Elasticsearch quotes the offending value in mapping errors; row data does not
 * belong on the job document or in the log, and a 1 MB value would bloat both.
 */
export function withoutValuePreview(reason: string): string {
  const cut = reason.replace(/\.?\s*Preview of field's value: [\s\S]*$/, '');
  return cut.length > 500 ? `${cut.slice(0, 500)}…` : cut;
}

/**
 * A full sync: index every document the source yields and the rules admit,
 * then delete what this sync did not write. Nothing is deleted unless the read
 * and the indexing both finished.
 */
export async function runFullSync(opts: FullSyncOptions): Promise<SyncResult> {
  const { client, index, source, log, signal } = opts;
  const rules = compileRules(opts.basicRules ?? []);
  const notices: SyncNotice[] = [];
  const itemErrors: ItemFailure[] = [];
  const failedIds = new Set<string>();
  const maxItemErrors = opts.maxItemErrors ?? 1000;
  const maxItemErrorRate = opts.maxItemErrorRate ?? 0.15;
  const progress: SyncProgress = { indexed: 0, deleted: 0, indexedBytes: 0, excluded: 0, failed: 0, dropped: 0, read: 0 };

  await ensureContentIndex(client, index, () => source.contentMappings({ advancedRules: opts.advancedRules }), log);

  let pipeline: string | undefined;
  if (opts.pipeline?.name) {
    const name = opts.pipeline.name;
    const exists = await pipelineExists(client, name);
    const warn = (message: string) => warnOnce(log, `${index}\0${name}`, { pipeline: name }, message);
    if (exists === false) warn(`ingest pipeline ${name} does not exist: indexing ${index} without it`);
    else {
      if (exists === 'unknown') warn(`cannot check ingest pipeline ${name} (no read_pipeline privilege): using it as configured`);
      pipeline = name;
    }
  }

  const checkpoints = await takeCheckpoints(client, index);
  const sink = new BulkSink(client, {
    index,
    ...(pipeline ? { pipeline } : {}),
    ...opts.bulk,
    signal,
    onItemError(raw) {
      const failure = { ...raw, reason: withoutValuePreview(raw.reason) };
      failedIds.add(failure.id);
      if (itemErrors.length < MAX_REPORTED_ITEM_ERRORS) itemErrors.push(failure);
      log.warn({ doc: { id: failure.id }, status: failure.status, error: { type: failure.type } }, `document ${failure.op} failed: ${failure.reason}`);
      const written = sink.stats.indexed + sink.stats.failed;
      if (failedIds.size > maxItemErrors) {
        throw new SyncError(`${failedIds.size} documents failed to index (more than ${maxItemErrors}); last: ${failure.type}: ${failure.reason}`);
      }
      if (written >= 100 && sink.stats.failed / written > maxItemErrorRate) {
        throw new SyncError(
          `${sink.stats.failed} of ${written} documents failed to index (over ${Math.round(maxItemErrorRate * 100)}%); last: ${failure.type}: ${failure.reason}`,
        );
      }
    },
  });
  const report = () => {
    Object.assign(progress, {
      indexed: sink.stats.indexed,
      deleted: sink.stats.deleted,
      indexedBytes: sink.stats.indexedBytes,
      failed: sink.stats.failed,
      dropped: sink.stats.dropped,
    });
    opts.onProgress?.(progress);
  };
  const syncStarted = new Date().toISOString();
  const ticker = setInterval(report, 1000);
  try {
    const documents = source.documents({
      signal,
      ...(opts.advancedRules !== undefined ? { advancedRules: opts.advancedRules } : {}),
      ...(opts.basicRules ? { basicRules: opts.basicRules } : {}),
      // Sources log their notices themselves; these go on the job.
      notice(n) {
        if (notices.length < MAX_NOTICES) notices.push(n);
      },
    });
    for await (const doc of documents) {
      signal.throwIfAborted();
      progress.read++;
      const { _id, ...fields } = doc;
      if (!rules.decide(fields).include) {
        progress.excluded++;
        continue;
      }
      const id = finalId(String(_id));
      const body: Record<string, unknown> = { ...fields, id, _timestamp: fields._timestamp ?? syncStarted };
      if (pipeline && opts.pipeline) {
        body._extract_binary_content = opts.pipeline.extract_binary_content;
        body._reduce_whitespace = opts.pipeline.reduce_whitespace;
        body._run_ml_inference = opts.pipeline.run_ml_inference;
      }
      await sink.index(id, body);
    }
    await sink.flush();
    report();

    // The read and the writes are complete: now, and only now, remove stale documents.
    const refreshed = await client.indices.refresh({ index });
    if (refreshed._shards?.failed) throw new SyncError(`refreshing ${index} failed on ${refreshed._shards.failed} shard(s); stale documents were not deleted`);
    for await (const stale of staleDocuments(client, checkpoints, 1000, signal)) {
      if (failedIds.has(stale.id)) continue; // its old version is all we have: keep it
      await sink.deleteVersion(stale);
    }
    await sink.flush();
    report();
  } finally {
    clearInterval(ticker);
  }

  return { ...progress, totalDocuments: await countDocuments(client, index), notices, itemErrors };
}
