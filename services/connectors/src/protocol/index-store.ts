import { isDeepStrictEqual } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import { defaultDomainFiltering, newJobDoc, withBoundedErrors } from './documents.js';
import { CONNECTORS_ALIAS, JOBS_ALIAS, ensureConnectorIndices } from './indices.js';
import {
  ProtocolError,
  type ConnectorSelector,
  type Guard,
  type JobStats,
  type ProtocolStore,
} from './store.js';
import type {
  ConnectorDoc,
  ConnectorRecord,
  FilteringEntry,
  FilteringRules,
  FilteringValidation,
  JobRecord,
  JobStatus,
  JobType,
  SyncJobDoc,
  TriggerMethod,
  Versioned,
} from './types.js';

const PAGE = 100;

export function statusOf(err: unknown): number | undefined {
  return err instanceof errors.ResponseError ? err.statusCode : undefined;
}

function isIndexMissing(err: unknown): boolean {
  return (
    err instanceof errors.ResponseError &&
    (err.body as { error?: { type?: string } } | undefined)?.error?.type === 'index_not_found_exception'
  );
}

function versioned<T>(hit: { _id?: string; _source?: T; _seq_no?: number; _primary_term?: number }): Versioned<T> {
  if (hit._id === undefined || hit._source === undefined || hit._seq_no === undefined || hit._primary_term === undefined) {
    throw new ProtocolError('Elasticsearch returned a document without id, source or version');
  }
  return { id: hit._id, doc: hit._source, seqNo: hit._seq_no, primaryTerm: hit._primary_term };
}

const now = () => new Date().toISOString();

/** Whether two drafts hold the same rules and advanced snippet (validation aside). */
export function sameDraft(a: FilteringRules, b: FilteringRules): boolean {
  return isDeepStrictEqual(a.rules ?? [], b.rules ?? []) && isDeepStrictEqual(a.advanced_snippet?.value ?? null, b.advanced_snippet?.value ?? null);
}

/**
 * Direct reads and writes of the connector indices through their aliases, as
 * Elastic's Python service does. Works on any Elasticsearch, with or without
 * the Connector API.
 */
export class IndexProtocolStore implements ProtocolStore {
  readonly mode: 'api' | 'index' = 'index';

  constructor(protected readonly client: Client) {}

  async ensureIndices(): Promise<void> {
    await ensureConnectorIndices(this.client, false);
  }

  /** Every hit of a query, paged with search_after so large sets stay cheap. */
  protected async searchAll<T>(index: string, query: estypes.QueryDslQueryContainer, sort: estypes.Sort): Promise<Versioned<T>[]> {
    const out: Versioned<T>[] = [];
    let after: estypes.SortResults | undefined;
    for (;;) {
      let res: estypes.SearchResponse<T>;
      try {
        res = await this.client.search<T>({
          index,
          query,
          sort,
          size: PAGE,
          seq_no_primary_term: true,
          expand_wildcards: 'all',
          ...(after ? { search_after: after } : {}),
        });
      } catch (err) {
        if (isIndexMissing(err)) return out;
        throw err;
      }
      for (const hit of res.hits.hits) out.push(versioned(hit as never));
      if (res.hits.hits.length < PAGE) return out;
      after = res.hits.hits[res.hits.hits.length - 1]?.sort;
      if (!after) return out;
    }
  }

  async listConnectors(selector: ConnectorSelector): Promise<ConnectorRecord[]> {
    const should: estypes.QueryDslQueryContainer[] = [];
    if (selector.ids.length) should.push({ ids: { values: selector.ids } });
    if (selector.serviceTypes.length) {
      should.push({ bool: { filter: [{ terms: { service_type: selector.serviceTypes } }, { term: { is_native: false } }] } });
    }
    if (!should.length) return [];
    const hits = await this.searchAll<ConnectorDoc>(
      CONNECTORS_ALIAS,
      { bool: { should, minimum_should_match: 1, must_not: [{ term: { deleted: true } }] } },
      ['_doc'],
    );
    // `deleted` may be unmapped on old indices, so the query alone cannot be trusted (H.4).
    return hits.filter((h) => h.doc.deleted !== true);
  }

  async listDeletedConnectors(selector: ConnectorSelector): Promise<ConnectorRecord[]> {
    const should: estypes.QueryDslQueryContainer[] = [];
    if (selector.ids.length) should.push({ ids: { values: selector.ids } });
    if (selector.serviceTypes.length) should.push({ terms: { service_type: selector.serviceTypes } });
    if (!should.length) return [];
    const hits = await this.searchAll<ConnectorDoc>(CONNECTORS_ALIAS, { bool: { should, minimum_should_match: 1, filter: [{ term: { deleted: true } }] } }, ['_doc']);
    return hits.filter((h) => h.doc.deleted === true);
  }

  async allConnectorIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    let after: estypes.SortResults | undefined;
    for (;;) {
      let res: estypes.SearchResponse;
      try {
        res = await this.client.search({
          index: CONNECTORS_ALIAS,
          query: { match_all: {} },
          _source: false,
          sort: ['_doc'],
          size: 1000,
          expand_wildcards: 'all',
          ...(after ? { search_after: after } : {}),
        });
      } catch (err) {
        if (isIndexMissing(err)) return ids;
        throw err;
      }
      for (const hit of res.hits.hits) if (hit._id) ids.add(hit._id);
      if (res.hits.hits.length < 1000) return ids;
      after = res.hits.hits[res.hits.hits.length - 1]?.sort;
      if (!after) return ids;
    }
  }

  async getConnector(id: string): Promise<ConnectorRecord | null> {
    try {
      const res = await this.client.get<ConnectorDoc>({ index: CONNECTORS_ALIAS, id });
      if (!res.found || !res._source || res._source.deleted === true) return null;
      return versioned(res);
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async updateConnector(id: string, fields: Partial<ConnectorDoc>, guard?: Guard): Promise<boolean> {
    return this.update(CONNECTORS_ALIAS, id, fields, guard);
  }

  protected async update(index: string, id: string, doc: object, guard?: Guard, refresh = false): Promise<boolean> {
    try {
      await this.client.update({
        index,
        id,
        doc: withBoundedErrors(doc),
        // Unguarded partial updates still read-modify-write inside Elasticsearch:
        // let it retry when another writer (a replica, Kibana) got in between.
        ...(guard ? { if_seq_no: guard.seqNo, if_primary_term: guard.primaryTerm } : { retry_on_conflict: 5 }),
        ...(refresh ? { refresh: true } : {}),
      });
      return true;
    } catch (err) {
      if (guard && statusOf(err) === 409) return false;
      throw err;
    }
  }

  async checkIn(id: string): Promise<void> {
    await this.updateConnector(id, { last_seen: now() });
  }

  /**
   * Read-modify-write of the filtering array, guarded so a concurrent UI edit is
   * never lost. `edit` returns false to leave the document as it is.
   */
  private async editFiltering(id: string, edit: (entry: FilteringEntry) => boolean): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const connector = await this.getConnector(id);
      if (!connector) throw new ProtocolError(`connector ${id} not found`);
      const filtering = structuredClone(connector.doc.filtering ?? []);
      const entry = defaultDomainFiltering(filtering);
      if (!entry) throw new ProtocolError(`connector ${id} has no DEFAULT filtering`);
      if (!edit(entry)) return false;
      if (await this.updateConnector(id, { filtering }, connector)) return true;
    }
    throw new ProtocolError(`connector ${id}: filtering kept changing while it was being written`);
  }

  async updateFilteringValidation(id: string, validation: FilteringValidation, validatedDraft?: FilteringRules): Promise<boolean> {
    return this.editFiltering(id, (entry) => {
      if (validatedDraft && !sameDraft(entry.draft, validatedDraft)) return false;
      entry.draft.validation = validation;
      return true;
    });
  }

  async activateFiltering(id: string): Promise<void> {
    // Like the API, only a valid draft is activated; one edited meanwhile waits for its own validation.
    await this.editFiltering(id, (entry) => {
      if (entry.draft.validation.state !== 'valid') return false;
      entry.active = structuredClone(entry.draft);
      return true;
    });
  }

  async createJob(connectorId: string, jobType: JobType, trigger: TriggerMethod): Promise<string> {
    const connector = await this.getConnector(connectorId);
    if (!connector) throw new ProtocolError(`connector ${connectorId} not found`);
    const res = await this.client.index({
      index: JOBS_ALIAS,
      document: newJobDoc(connectorId, connector.doc, jobType, trigger),
      refresh: true,
    });
    return res._id;
  }

  async getJob(id: string): Promise<JobRecord | null> {
    try {
      const res = await this.client.get<SyncJobDoc>({ index: JOBS_ALIAS, id });
      if (!res.found || !res._source) return null;
      return versioned(res);
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async listRunnableJobs(connectorIds: string[], jobTypes: JobType[]): Promise<JobRecord[]> {
    if (!connectorIds.length) return [];
    return this.searchAll<SyncJobDoc>(
      JOBS_ALIAS,
      {
        bool: {
          filter: [
            { terms: { status: ['pending', 'suspended'] } },
            { terms: { 'connector.id': connectorIds } },
            { terms: { job_type: jobTypes } },
          ],
        },
      },
      [{ created_at: 'asc' }, '_doc'],
    );
  }

  async listJobsByStatus(statuses: JobStatus[], options: { seenBefore?: Date; connectorIds?: string[] } = {}): Promise<JobRecord[]> {
    const filter: estypes.QueryDslQueryContainer[] = [{ terms: { status: statuses } }];
    if (options.seenBefore) filter.push({ range: { last_seen: { lte: options.seenBefore.toISOString() } } });
    if (options.connectorIds) filter.push({ terms: { 'connector.id': options.connectorIds } });
    return this.searchAll<SyncJobDoc>(JOBS_ALIAS, { bool: { filter } }, [{ created_at: 'asc' }, '_doc']);
  }

  async claimJob(job: JobRecord, workerHostname: string, syncCursor?: unknown): Promise<boolean> {
    const at = now();
    const fields: Record<string, unknown> = {
      status: 'in_progress',
      started_at: at,
      last_seen: at,
      worker_hostname: workerHostname,
    };
    if (syncCursor !== undefined && syncCursor !== null) fields.connector = { sync_cursor: syncCursor };
    // The job's own version guards the claim: of two workers, one wins.
    return this.update(JOBS_ALIAS, job.id, fields, job, true);
  }

  async updateJobStats(id: string, stats: JobStats): Promise<void> {
    await this.update(JOBS_ALIAS, id, { ...stats, last_seen: now() });
  }

  async updateJob(id: string, fields: Partial<SyncJobDoc>, guard?: Guard): Promise<boolean> {
    return this.update(JOBS_ALIAS, id, fields, guard, true);
  }

  /** Index backend only: create a connector the way `PUT _connector/{id}` would. */
  async putConnector(id: string, doc: ConnectorDoc): Promise<void> {
    await this.client.index({ index: CONNECTORS_ALIAS, id, document: doc, refresh: true });
  }
}
