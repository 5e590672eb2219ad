/**
 * Documents of Elastic's connector protocol, spelled as they are stored
 * (reference A.3, A.4). Only fields listed there are ever written.
 */

export const CONNECTOR_STATUSES = ['created', 'needs_configuration', 'configured', 'connected', 'error'] as const;
export type ConnectorStatus = (typeof CONNECTOR_STATUSES)[number];

export const JOB_STATUSES = ['pending', 'in_progress', 'canceling', 'canceled', 'suspended', 'completed', 'error'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_TYPES = ['full', 'incremental', 'access_control'] as const;
export type JobType = (typeof JOB_TYPES)[number];
export type TriggerMethod = 'on_demand' | 'scheduled';

export type ConfigFieldType = 'str' | 'int' | 'list' | 'bool';
export type ConfigDisplay = 'text' | 'textbox' | 'textarea' | 'numeric' | 'toggle' | 'dropdown';

export interface FieldValidation {
  type: 'less_than' | 'greater_than' | 'list_type' | 'included_in' | 'regex';
  constraint: unknown;
}

/** One entry of a connector's `configuration` map (reference D.8 / G.1). */
export interface ConfigField {
  default_value: unknown;
  depends_on: { field: string; value: unknown }[];
  display: ConfigDisplay;
  label: string;
  options: { label: string; value: unknown }[];
  order: number;
  required: boolean;
  sensitive: boolean;
  tooltip: string | null;
  type: ConfigFieldType;
  ui_restrictions: string[];
  validations: FieldValidation[];
  value: unknown;
  category?: string;
  placeholder?: string;
}

export type Configuration = Record<string, ConfigField>;

export type RulePolicy = 'include' | 'exclude';
export type RuleOperator = 'equals' | 'starts_with' | 'ends_with' | 'contains' | 'regex' | '>' | '<';

export interface BasicRule {
  id: string;
  policy: RulePolicy;
  field: string;
  rule: RuleOperator;
  value: string;
  order: number;
  created_at?: string;
  updated_at?: string;
}

export interface FilteringValidation {
  state: 'valid' | 'invalid' | 'edited';
  errors: { ids: string[]; messages: string[] }[];
}

export interface FilteringRules {
  rules: BasicRule[];
  advanced_snippet: { value: unknown; created_at?: string; updated_at?: string };
  validation: FilteringValidation;
}

export interface FilteringEntry {
  domain: string;
  active: FilteringRules;
  draft: FilteringRules;
}

export interface Schedule {
  enabled: boolean;
  interval: string;
}

export interface Pipeline {
  name: string;
  extract_binary_content: boolean;
  reduce_whitespace: boolean;
  run_ml_inference: boolean;
}

export interface Features {
  document_level_security?: { enabled: boolean };
  incremental_sync?: { enabled: boolean };
  native_connector_api_keys?: { enabled: boolean };
  sync_rules?: { basic?: { enabled: boolean }; advanced?: { enabled: boolean } };
  /** Old flat flags, still honoured when reading. */
  filtering_rules?: boolean;
  filtering_advanced_config?: boolean;
}

/**
 * A connector document. Optional fields are the ones `PUT _connector` leaves
 * out until something sets them (absent, not null: reference A.3).
 */
export interface ConnectorDoc {
  api_key_id?: string | null;
  api_key_secret_id?: string | null;
  configuration: Configuration;
  custom_scheduling?: Record<string, unknown>;
  deleted?: boolean;
  description?: string | null;
  error?: string | null;
  features?: Features | null;
  filtering: FilteringEntry[];
  index_name?: string | null;
  is_native: boolean;
  language?: string | null;
  last_access_control_sync_error?: string | null;
  last_access_control_sync_scheduled_at?: string | null;
  last_access_control_sync_status?: JobStatus | null;
  last_deleted_document_count?: number | null;
  last_incremental_sync_scheduled_at?: string | null;
  last_indexed_document_count?: number | null;
  last_seen?: string | null;
  last_sync_error?: string | null;
  last_sync_scheduled_at?: string | null;
  last_sync_status?: JobStatus | null;
  last_synced?: string | null;
  name: string;
  pipeline?: Pipeline | null;
  scheduling: { full: Schedule; incremental: Schedule; access_control: Schedule };
  service_type?: string | null;
  status: ConnectorStatus;
  sync_cursor?: unknown;
  sync_now?: boolean;
}

/** The connector as frozen into a job at creation (reference A.4). */
export interface JobConnectorSnapshot {
  id: string;
  configuration: Configuration;
  /** The active rules of the DEFAULT domain; absent when the connector has none. */
  filtering?: FilteringRules | null;
  index_name: string;
  language?: string | null;
  pipeline?: Pipeline | null;
  service_type: string;
  sync_cursor?: unknown;
}

/** A sync-job document; optional fields are absent until set (reference A.4). */
/**
 * \`metadata.progress\` of a running full sync (ours, not Elastic's): where the
 * read is, for the CLI's progress bar and the status page. Absent when the
 * source does not say.
 */
export interface JobProgress {
  /** The table, or query, being read. */
  table: string;
  tables_done: number;
  tables_total: number;
  /** Documents read so far, rules' exclusions included. */
  rows_read: number;
  /** The source's estimate of all the rows to read. */
  estimated_rows?: number;
}

export interface SyncJobDoc {
  cancelation_requested_at?: string | null;
  canceled_at?: string | null;
  completed_at?: string | null;
  connector: JobConnectorSnapshot;
  created_at: string;
  deleted_document_count: number;
  error?: string | null;
  indexed_document_count: number;
  indexed_document_volume: number;
  job_type: JobType;
  last_seen?: string | null;
  metadata: Record<string, unknown>;
  started_at?: string | null;
  status: JobStatus;
  total_document_count: number | null;
  trigger_method: TriggerMethod;
  worker_hostname?: string | null;
}

/** A document as read, with the tokens needed for optimistic concurrency. */
export interface Versioned<T> {
  id: string;
  doc: T;
  seqNo: number;
  primaryTerm: number;
}

export type ConnectorRecord = Versioned<ConnectorDoc>;
export type JobRecord = Versioned<SyncJobDoc>;

export const DEFAULT_PIPELINE: Pipeline = {
  name: 'search-default-ingestion',
  extract_binary_content: true,
  reduce_whitespace: true,
  run_ml_inference: true,
};

export const DEFAULT_SCHEDULE: Schedule = { enabled: false, interval: '0 0 0 * * ?' };
