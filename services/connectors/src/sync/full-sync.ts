import { createHash } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { ItemFailure } from '../es/bulk-sink.js';
import { countDocuments, ensureContentIndex } from '../es/content-index.js';
import type { Logger } from '../log/logger.js';
import type { BasicRule, Pipeline } from '../protocol/types.js';
import { FIELD_KINDS, SerializedPage, type ChainStart, type DataSource, type ReadProgress, type SyncNotice } from '../sources/types.js';
import { compileRules } from './rules.js';
import { staleDocuments, takeCheckpoints } from './stale-docs.js';
import { createSink, documentBody, ITEM_ERROR_LIMITS, pipelineHints, resolvePipeline, SyncError } from './writer.js';

export { SyncError, withoutValuePreview } from './writer.js';

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
  /** Where the source's read stands, when it says. */
  source?: ReadProgress;
}

export interface SyncResult extends SyncProgress {
  totalDocuments: number;
  /** The cursor of the change-capture chain this sync started, if asked to. */
  cursor?: unknown;
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
  /** Documents failing in a row past this end the sync. */
  maxConsecutiveItemErrors?: number;
  bulk?: { flushBytes?: number; flushCount?: number; concurrency?: number };
  onProgress?: (p: SyncProgress) => void;
  /** Start a change-capture chain: the read comes from its starting point. */
  startChain?: Omit<ChainStart, 'onCursor'>;
}

const MAX_ID_BYTES = 512;
const MAX_NOTICES = 100;

/** `_id`s over 512 bytes are rejected by Elasticsearch; Elastic's connectors hash them (E.1). */
export function finalId(id: string): string {
  return Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES ? createHash('md5').update(id, 'utf8').digest('hex') : id;
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
  const maxItemErrors = opts.maxItemErrors ?? ITEM_ERROR_LIMITS.maxItemErrors;
  const maxItemErrorRate = opts.maxItemErrorRate ?? ITEM_ERROR_LIMITS.maxItemErrorRate;
  const maxConsecutiveItemErrors = opts.maxConsecutiveItemErrors ?? ITEM_ERROR_LIMITS.maxConsecutiveItemErrors;
  const progress: SyncProgress = { indexed: 0, deleted: 0, indexedBytes: 0, excluded: 0, failed: 0, dropped: 0, read: 0 };

  await ensureContentIndex(client, index, () => source.contentMappings({ advancedRules: opts.advancedRules }), log);

  const pipeline = await resolvePipeline(client, index, opts.pipeline, log);

  const checkpoints = await takeCheckpoints(client, index);
  const sink = createSink(client, { index, pipeline, signal, log, bulk: opts.bulk, failedIds, itemErrors, maxItemErrors, maxItemErrorRate, maxConsecutiveItemErrors });
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
  let cursor: unknown;
  const ticker = setInterval(report, 1000);
  try {
    const documents = source.documents({
      signal,
      ...(opts.advancedRules !== undefined ? { advancedRules: opts.advancedRules } : {}),
      ...(opts.basicRules ? { basicRules: opts.basicRules } : {}),
      ...(opts.startChain ? { startChain: { ...opts.startChain, onCursor: (c: unknown) => (cursor = c) } } : {}),
      // Sources log their notices themselves; these go on the job.
      notice(n) {
        if (notices.length < MAX_NOTICES) notices.push(n);
      },
      progress(p) {
        progress.source = p;
      },
      // With no rule to read fields, the source may hand over finished bodies.
      ...(rules.rules.length === 0 ? { serialize: { fallbackTimestamp: syncStarted, trailer: pipeline && opts.pipeline ? pipelineHints(opts.pipeline) : {} } } : {}),
    });
    for await (const doc of documents) {
      signal.throwIfAborted();
      if (doc instanceof SerializedPage) {
        for (let i = 0; i < doc.length; i++) {
          progress.read++;
          const id = doc.id(i);
          const wait = sink.indexJson(id, doc.body(i, id));
          if (wait) await wait;
        }
        continue;
      }
      progress.read++;
      if (!rules.decide(doc, doc[FIELD_KINDS]).include) {
        progress.excluded++;
        continue;
      }
      const id = finalId(String(doc._id));
      const wait = sink.index(id, documentBody(doc, id, syncStarted, pipeline ? opts.pipeline : null));
      if (wait) await wait;
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
  } catch (err) {
    // The read started a chain but the sync failed after it (writes, stale deletes, cancel):
    // nothing will point to its slot, so it goes now rather than keep WAL.
    if (cursor !== undefined) await source.capture?.dropChain(cursor, opts.startChain?.previous).catch((e: unknown) => log.warn({ err: e }, 'could not drop the chain of a failed full sync'));
    throw err;
  } finally {
    clearInterval(ticker);
  }

  return { ...progress, totalDocuments: await countDocuments(client, index), notices, itemErrors, ...(cursor !== undefined ? { cursor } : {}) };
}
