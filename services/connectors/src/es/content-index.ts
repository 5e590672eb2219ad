import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../log/logger.js';
import { statusOf } from '../protocol/index-store.js';

export interface IndexMappings {
  properties: Record<string, unknown>;
  dynamic_templates?: Record<string, unknown>[];
}

/**
 * Creates the content index when it does not exist (index or alias). An
 * existing index is never modified: its owner may have tuned it (E.6).
 */
export async function ensureContentIndex(
  client: Client,
  index: string,
  /** Asked only when the index must be created. */
  deriveMappings: () => Promise<IndexMappings | undefined>,
  log: Logger,
): Promise<'created' | 'exists'> {
  if (await client.indices.exists({ index, expand_wildcards: 'all' })) return 'exists';
  const mappings = await deriveMappings();
  try {
    await client.indices.create({ index, ...(mappings ? { mappings: mappings as never } : {}) });
    log.info({ index }, `created content index ${index}${mappings ? ' with mappings derived from the source' : ''}`);
    return 'created';
  } catch (err) {
    const type = (err as { body?: { error?: { type?: string } } }).body?.error?.type;
    if (type === 'resource_already_exists_exception') return 'exists';
    throw err;
  }
}

/**
 * Whether an ingest pipeline exists; the x-pack-less server has none. `unknown`
 * when the credentials may not read pipelines (no `read_pipeline`).
 */
export async function pipelineExists(client: Client, name: string): Promise<boolean | 'unknown'> {
  try {
    const res = await client.ingest.getPipeline({ id: name });
    return Object.prototype.hasOwnProperty.call(res, name);
  } catch (err) {
    const status = statusOf(err);
    if (status === 404 || status === 400 || status === 405) return false;
    if (status === 403) return 'unknown';
    throw err;
  }
}

export async function countDocuments(client: Client, index: string): Promise<number> {
  await client.indices.refresh({ index });
  const res = await client.count({ index });
  return res.count;
}
