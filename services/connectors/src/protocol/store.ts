import type {
  ConnectorDoc,
  ConnectorRecord,
  FilteringRules,
  FilteringValidation,
  JobRecord,
  JobStatus,
  JobType,
  SyncJobDoc,
  TriggerMethod,
} from './types.js';

/** Optimistic-concurrency tokens of the document version a write is based on. */
export interface Guard {
  seqNo: number;
  primaryTerm: number;
}

/** Which connectors a process serves (reference D.2). */
export interface ConnectorSelector {
  ids: string[];
  serviceTypes: string[];
}

export interface JobStats {
  indexed_document_count: number;
  indexed_document_volume: number;
  deleted_document_count: number;
  total_document_count?: number;
  metadata?: Record<string, unknown>;
}

/**
 * Everything the runtime reads and writes in Elasticsearch. Two backends: `api`
 * (the Connector API where it has an endpoint) and `index` (direct document
 * operations). Both leave identical documents.
 */
export interface ProtocolStore {
  readonly mode: 'api' | 'index';
  /** Preflight: the connector indices exist (index mode creates them). */
  ensureIndices(): Promise<void>;

  /** Served connectors, soft-deleted ones excluded. */
  listConnectors(selector: ConnectorSelector): Promise<ConnectorRecord[]>;
  /** Soft-deleted connectors among those served (their change-capture chains are dropped). */
  listDeletedConnectors(selector: ConnectorSelector): Promise<ConnectorRecord[]>;
  /** Ids of every connector document, including soft-deleted ones (orphan detection). */
  allConnectorIds(): Promise<Set<string>>;
  /** `null` when missing or soft-deleted. */
  getConnector(id: string): Promise<ConnectorRecord | null>;
  /** Partial update. With a guard, returns false on a version conflict instead of throwing. */
  updateConnector(id: string, fields: Partial<ConnectorDoc>, guard?: Guard): Promise<boolean>;
  checkIn(id: string): Promise<void>;
  /**
   * Records the validation of the draft. With `validatedDraft`, nothing is
   * written (false) when the draft changed since it was validated.
   */
  updateFilteringValidation(id: string, validation: FilteringValidation, validatedDraft?: FilteringRules): Promise<boolean>;
  activateFiltering(id: string): Promise<void>;

  createJob(connectorId: string, jobType: JobType, trigger: TriggerMethod): Promise<string>;
  getJob(id: string): Promise<JobRecord | null>;
  /** Pending and suspended content jobs of these connectors, oldest first. */
  listRunnableJobs(connectorIds: string[], jobTypes: JobType[]): Promise<JobRecord[]>;
  /** Jobs in these states, optionally only those last seen before `seenBefore`. */
  listJobsByStatus(statuses: JobStatus[], options?: { seenBefore?: Date; connectorIds?: string[] }): Promise<JobRecord[]>;
  /**
   * Moves a pending/suspended job to in_progress for this worker. Returns false
   * when another worker got there first.
   */
  claimJob(job: JobRecord, workerHostname: string, syncCursor?: unknown): Promise<boolean>;
  /** Progress counters; also the job heartbeat (`last_seen`). */
  updateJobStats(id: string, stats: JobStats): Promise<void>;
  /** Direct partial update of a job (completion, cancel, error, suspend). */
  updateJob(id: string, fields: Partial<SyncJobDoc>, guard?: Guard): Promise<boolean>;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}
