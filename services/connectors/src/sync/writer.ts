import type { Client } from '@elastic/elasticsearch';
import { BulkSink, type BulkSinkOptions, type ItemFailure } from '../es/bulk-sink.js';
import { pipelineExists } from '../es/content-index.js';
import type { Logger } from '../log/logger.js';
import type { Pipeline } from '../protocol/types.js';
import { observeBulkRequest } from '../service/metrics.js';

/** What full and incremental syncs share on the way into the content index. */

export class SyncError extends Error {
  override name = 'SyncError';
}

const MAX_REPORTED_ITEM_ERRORS = 20;

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

/** The connector's ingest pipeline if it exists (or cannot be checked); warns once otherwise. */
export async function resolvePipeline(client: Client, index: string, pipeline: Pipeline | null | undefined, log: Logger): Promise<string | undefined> {
  if (!pipeline?.name) return undefined;
  const name = pipeline.name;
  const exists = await pipelineExists(client, name);
  const warn = (message: string) => warnOnce(log, `${index}\0${name}`, { pipeline: name }, message);
  if (exists === false) {
    warn(`ingest pipeline ${name} does not exist: indexing ${index} without it`);
    return undefined;
  }
  if (exists === 'unknown') warn(`cannot check ingest pipeline ${name} (no read_pipeline privilege): using it as configured`);
  return name;
}

/**
 * The indexed body: the source document's fields except `_id`, with `id` (the
 * final one) and `_timestamp`, and the pipeline's hints when one runs. One
 * copy per row (a rest copy: V8's fastest here, and it keeps `__proto__` keys own).
 */
export function documentBody(doc: Record<string, unknown>, id: string, fallbackTimestamp: string, pipeline: Pipeline | null | undefined): Record<string, unknown> {
  const { _id, ...body } = doc;
  body.id = id;
  body._timestamp ??= fallbackTimestamp;
  if (pipeline) Object.assign(body, pipelineHints(pipeline));
  return body;
}

/** The fields an ingest pipeline reads its settings from, set on every body it processes. */
export function pipelineHints(pipeline: Pipeline): Record<string, unknown> {
  return {
    _extract_binary_content: pipeline.extract_binary_content,
    _reduce_whitespace: pipeline.reduce_whitespace,
    _run_ml_inference: pipeline.run_ml_inference,
  };
}

export interface SinkSettings {
  index: string;
  pipeline: string | undefined;
  signal: AbortSignal;
  log: Logger;
  bulk?: Pick<BulkSinkOptions, 'flushBytes' | 'flushCount' | 'concurrency'> | undefined;
  /** Filled with the ids of documents that failed, and up to 20 samples. */
  failedIds: Set<string>;
  itemErrors: ItemFailure[];
  maxItemErrors: number;
  maxItemErrorRate: number;
  /** Documents failing in a row past this end the sync (Elastic's default: 10). */
  maxConsecutiveItemErrors: number;
}

/** Failure limits of a sync, as Elastic's connectors count them. */
export const ITEM_ERROR_LIMITS = { maxItemErrors: 1000, maxItemErrorRate: 0.15, maxConsecutiveItemErrors: 10 };

/** A bulk sink that reports each failed document and ends the sync past the failure limits. */
export function createSink(client: Client, s: SinkSettings): BulkSink {
  const sink: BulkSink = new BulkSink(client, {
    index: s.index,
    ...(s.pipeline ? { pipeline: s.pipeline } : {}),
    ...s.bulk,
    signal: s.signal,
    onRequest: observeBulkRequest,
    onItemError(raw) {
      const failure = { ...raw, reason: withoutValuePreview(raw.reason) };
      s.failedIds.add(failure.id);
      if (s.itemErrors.length < MAX_REPORTED_ITEM_ERRORS) s.itemErrors.push(failure);
      s.log.warn({ doc: { id: failure.id }, status: failure.status, error: { type: failure.type } }, `document ${failure.op} failed: ${failure.reason}`);
      const written = sink.stats.indexed + sink.stats.failed;
      if (sink.stats.consecutiveFailed > s.maxConsecutiveItemErrors) {
        throw new SyncError(`${sink.stats.consecutiveFailed} documents in a row failed to index (more than ${s.maxConsecutiveItemErrors}); last: ${failure.type}: ${failure.reason}`);
      }
      if (s.failedIds.size > s.maxItemErrors) {
        throw new SyncError(`${s.failedIds.size} documents failed to index (more than ${s.maxItemErrors}); last: ${failure.type}: ${failure.reason}`);
      }
      if (written >= 100 && sink.stats.failed / written > s.maxItemErrorRate) {
        throw new SyncError(
          `${sink.stats.failed} of ${written} documents failed to index (over ${Math.round(s.maxItemErrorRate * 100)}%); last: ${failure.type}: ${failure.reason}`,
        );
      }
    },
  });
  return sink;
}
