import type { Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import type { DocumentVersion } from '../es/bulk-sink.js';

/** Per concrete index and shard: the highest sequence number written so far. */
export type Checkpoints = Map<string, Map<number, number>>;

/** A document version older than the checkpoints, in its concrete index (an alias may span several). */
export type StaleDocument = DocumentVersion;

/**
 * Sequence numbers of every shard before a full sync starts. Every document the
 * sync writes gets a higher one, so afterwards a document still at or below its
 * shard's checkpoint was not produced by this sync: it is stale. This finds the
 * stale documents exactly while holding no set of ids in memory.
 */
export async function takeCheckpoints(client: Client, index: string): Promise<Checkpoints> {
  const stats = await client.indices.stats({ index, level: 'shards', metric: 'docs', expand_wildcards: 'all' });
  const out: Checkpoints = new Map();
  for (const [concrete, entry] of Object.entries(stats.indices ?? {})) {
    const shards = new Map<number, number>();
    for (const [shard, copies] of Object.entries(entry.shards ?? {})) {
      const list = (Array.isArray(copies) ? copies : [copies]) as { routing?: { primary?: boolean }; seq_no?: { max_seq_no?: number } }[];
      const primary = list.find((c) => c.routing?.primary) ?? list[0];
      shards.set(Number(shard), primary?.seq_no?.max_seq_no ?? -1);
    }
    out.set(concrete, shards);
  }
  return out;
}

/**
 * Documents not rewritten since the checkpoints, page by page. Each comes with
 * its concrete index and version so that the delete can be conditional: a
 * document rewritten after this search (or living in another index behind the
 * same alias as a fresh copy) is never removed.
 */
export async function* staleDocuments(
  client: Client,
  checkpoints: Checkpoints,
  pageSize = 1000,
  signal?: AbortSignal,
): AsyncGenerator<StaleDocument> {
  for (const [index, shards] of checkpoints) {
    for (const [shard, maxSeqNo] of shards) {
      if (maxSeqNo < 0) continue;
      let after: estypes.SortResults | undefined;
      for (;;) {
        signal?.throwIfAborted();
        const res = await client.search({
          index,
          preference: `_shards:${shard}`,
          query: { range: { _seq_no: { lte: maxSeqNo } } },
          // Sequence numbers are unique within a shard, so they page stably even as
          // the deletes we issue add new (higher) ones.
          sort: [{ _seq_no: 'asc' }],
          seq_no_primary_term: true,
          _source: false,
          size: pageSize,
          track_total_hits: false,
          ...(after ? { search_after: after } : {}),
        });
        if (res._shards.failed) throw new Error(`searching for stale documents in ${index} failed on ${res._shards.failed} shard(s)`);
        const hits = res.hits.hits;
        for (const hit of hits) {
          if (hit._id === undefined || hit._seq_no === undefined || hit._primary_term === undefined) continue;
          yield { index: hit._index, id: hit._id, seqNo: hit._seq_no, primaryTerm: hit._primary_term };
        }
        if (hits.length < pageSize) break;
        after = hits[hits.length - 1]?.sort;
        if (!after) break;
      }
    }
  }
}
