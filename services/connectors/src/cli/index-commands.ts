import type { Client } from '@elastic/elasticsearch';
import type { ConnectorAdmin } from '../protocol/admin.js';
import { contentSearchRequest, MAX_QUERY_CHARS } from '../es/search.js';
import { withCluster } from './cluster.js';
import { CliError, EXIT, notFound } from './exit.js';
import { emit, type OutputOptions } from './output.js';
import { groupDigits } from './status.js';


async function indexOf(admin: ConnectorAdmin, connectorId: string): Promise<string> {
  const doc = await admin.find(connectorId);
  if (!doc) throw notFound(connectorId);
  if (!doc.index_name) throw new CliError(`connector ${connectorId} has no index yet`, EXIT.failed);
  return doc.index_name;
}

export async function indexCountCommand(connectorId: string, options: OutputOptions): Promise<void> {
  const result = await withCluster(async ({ admin, client }) => {
    const index = await indexOf(admin, connectorId);
    const exists = await client.indices.exists({ index });
    return { connector_id: connectorId, index, count: exists ? (await client.count({ index })).count : 0 };
  });
  emit(options, result, () => `${groupDigits(result.count)} documents in ${result.index}`);
}

/** What `index search --json` prints per hit. */
export interface SearchHit {
  id: string;
  score: number | null;
  /** Matching fragments, the match between « and ». */
  highlights: Record<string, string[]>;
}

export async function searchIndex(client: Client, index: string, query: string, size: number): Promise<{ total: number; hits: SearchHit[] }> {
  const res = await client.search<Record<string, unknown>>(contentSearchRequest(index, query, size, { pre: '«', post: '»' }));
  const total = typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
  return { total, hits: res.hits.hits.map((h) => ({ id: h._id!, score: h._score ?? null, highlights: h.highlight ?? {} })) };
}

export async function indexSearchCommand(connectorId: string, query: string, options: OutputOptions & { size: string }): Promise<void> {
  const size = Number(options.size);
  if (!Number.isInteger(size) || size < 1 || size > 100) throw new CliError(`--size must be a whole number from 1 to 100 (got "${options.size}")`, EXIT.usage);
  if (!query.trim() || query.length > MAX_QUERY_CHARS) throw new CliError(`the query must be 1 to ${MAX_QUERY_CHARS} characters`, EXIT.usage);
  const result = await withCluster(async ({ admin, client }) => {
    const index = await indexOf(admin, connectorId);
    return { connector_id: connectorId, index, query, ...(await searchIndex(client, index, query, size)) };
  });
  emit(options, result, () => [
    `${groupDigits(result.total)} ${result.total === 1 ? 'document matches' : 'documents match'} in ${result.index}${result.total > result.hits.length ? ` (the first ${result.hits.length})` : ''}`,
    ...result.hits.flatMap((h) => [`  ${h.id}`, ...Object.entries(h.highlights).map(([field, frags]) => `    ${field}: ${frags.join(' … ')}`)]),
  ]);
}
