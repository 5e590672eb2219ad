import { defaultDomainFiltering } from './documents.js';
import { ensureConnectorIndices } from './indices.js';
import { IndexProtocolStore, sameDraft } from './index-store.js';
import type { JobStats } from './store.js';
import type { FilteringRules, FilteringValidation, JobRecord, JobType, TriggerMethod } from './types.js';

/**
 * The Connector API backend: every operation that has an endpoint goes through
 * the official client's `connector.*` method (reference C.2); reads and the
 * writes that have no endpoint (locks, completion, schema publication) stay
 * direct document operations, exactly as Elastic's service does.
 */
export class ApiProtocolStore extends IndexProtocolStore {
  override readonly mode = 'api' as const;

  override async ensureIndices(): Promise<void> {
    // Elasticsearch's templates define mappings and aliases here.
    await ensureConnectorIndices(this.client, true);
  }

  override async checkIn(id: string): Promise<void> {
    await this.client.connector.checkIn({ connector_id: id });
  }

  override async updateFilteringValidation(id: string, validation: FilteringValidation, validatedDraft?: FilteringRules): Promise<boolean> {
    if (validatedDraft) {
      // The endpoint has no precondition: check the draft is still the one validated.
      const current = defaultDomainFiltering((await this.getConnector(id))?.doc.filtering);
      if (!current || !sameDraft(current.draft, validatedDraft)) return false;
    }
    await this.client.connector.updateFilteringValidation({ connector_id: id, validation });
    return true;
  }

  override async activateFiltering(id: string): Promise<void> {
    await this.client.connector.updateActiveFiltering({ connector_id: id });
  }

  override async createJob(connectorId: string, jobType: JobType, trigger: TriggerMethod): Promise<string> {
    const res = await this.client.connector.syncJobPost({ id: connectorId, job_type: jobType, trigger_method: trigger });
    return res.id;
  }

  override async claimJob(job: JobRecord, workerHostname: string, syncCursor?: unknown): Promise<boolean> {
    // `_claim` has no precondition (H.2): the connector lock taken before it is the exclusion.
    await this.client.connector.syncJobClaim({
      connector_sync_job_id: job.id,
      worker_hostname: workerHostname,
      // Must be an object or absent, never null (H.17).
      ...(syncCursor !== undefined && syncCursor !== null ? { sync_cursor: syncCursor as never } : {}),
    });
    return true;
  }

  override async updateJobStats(id: string, stats: JobStats): Promise<void> {
    await this.client.connector.syncJobUpdateStats({
      connector_sync_job_id: id,
      indexed_document_count: stats.indexed_document_count,
      indexed_document_volume: stats.indexed_document_volume,
      deleted_document_count: stats.deleted_document_count,
      ...(stats.total_document_count !== undefined ? { total_document_count: stats.total_document_count } : {}),
      ...(stats.metadata !== undefined ? { metadata: stats.metadata as never } : {}),
    });
  }
}
