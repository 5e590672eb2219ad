import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS, JOBS_ALIAS } from '../../src/protocol/indices.js';

// No test-runner imports here: `make bench` uses it too.

/** Removes the connector documents and their jobs (the content indices are kept). No delete-by-query: the x-pack-less server has none. */
export async function deleteConnectors(client: Client, ids: string[]): Promise<void> {
  await client.indices.refresh({ index: JOBS_ALIAS });
  const jobs = await client.search({ index: JOBS_ALIAS, query: { terms: { 'connector.id': ids } }, _source: false, size: 10_000 });
  const operations = [
    ...jobs.hits.hits.map((h) => ({ delete: { _index: h._index, _id: h._id ?? '' } })),
    ...ids.map((id) => ({ delete: { _index: CONNECTORS_ALIAS, _id: id } })),
  ];
  if (!operations.length) return;
  const res = await client.bulk({ operations, refresh: true });
  const failed = res.items.filter((i) => i.delete?.error);
  if (failed.length) throw new Error(`could not delete ${failed.length} connector or job documents: ${JSON.stringify(failed[0])}`);
}
