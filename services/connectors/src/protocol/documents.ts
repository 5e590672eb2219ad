import { MAX_MESSAGE_CHARS, boundMessage } from '../util/text.js';
import {
  DEFAULT_SCHEDULE,
  JOB_TYPES,
  type ConnectorDoc,
  type FilteringEntry,
  type FilteringRules,
  type JobType,
  type SyncJobDoc,
  type TriggerMethod,
} from './types.js';

/** The catch-all rule Elasticsearch keeps last in every rule list (F.1). */
export function defaultRule(order = 0, now = new Date().toISOString()) {
  return {
    id: 'DEFAULT',
    policy: 'include' as const,
    field: '_',
    rule: 'regex' as const,
    value: '.*',
    order,
    created_at: now,
    updated_at: now,
  };
}

function defaultFilteringRules(now: string): FilteringRules {
  return {
    rules: [defaultRule(0, now)],
    advanced_snippet: { value: {}, created_at: now, updated_at: now },
    validation: { state: 'valid', errors: [] },
  };
}

export function defaultFiltering(now = new Date().toISOString()): FilteringEntry[] {
  return [{ domain: 'DEFAULT', active: defaultFilteringRules(now), draft: defaultFilteringRules(now) }];
}

/**
 * What `PUT _connector/{id}` stores (A.3 defaults), for the index backend's
 * create: Elasticsearch leaves a field out rather than writing null, so the
 * optional ones appear only when given.
 */
export function newConnectorDoc(fields: {
  name?: string;
  index_name?: string | null;
  service_type?: string | null;
  description?: string | null;
  language?: string | null;
  is_native?: boolean;
}): ConnectorDoc {
  const isNative = fields.is_native ?? false;
  return {
    configuration: {},
    custom_scheduling: {},
    ...given('description', fields.description),
    filtering: defaultFiltering(),
    ...given('index_name', fields.index_name),
    is_native: isNative,
    ...given('language', fields.language),
    name: fields.name ?? '',
    scheduling: { access_control: { ...DEFAULT_SCHEDULE }, full: { ...DEFAULT_SCHEDULE }, incremental: { ...DEFAULT_SCHEDULE } },
    ...given('service_type', fields.service_type),
    status: isNative ? 'needs_configuration' : 'created',
    sync_now: false,
    deleted: false,
  };
}

/** `{ [key]: value }` when the value is set, `{}` when it is null or absent. */
function given<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return value === null || value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

export const ACL_INDEX_PREFIX = '.search-acl-filter-';

/**
 * The filtering entry a sync uses: the `DEFAULT` domain's, as Elastic's service
 * picks it; an entry of another domain never stands in for it.
 */
export function defaultDomainFiltering(filtering: FilteringEntry[] | null | undefined): FilteringEntry | undefined {
  return filtering?.find((f) => f.domain === 'DEFAULT');
}

/**
 * What `POST _connector/_sync_job` stores: a snapshot of the connector (A.4).
 * Fields that are still null (started_at, error…) are left out, as Elasticsearch does.
 */
export function newJobDoc(connectorId: string, connector: ConnectorDoc, jobType: JobType, trigger: TriggerMethod): SyncJobDoc {
  if (!connector.index_name) throw new Error(`connector ${connectorId} has no index_name`);
  if (!connector.service_type) throw new Error(`connector ${connectorId} has no service_type`);
  const now = new Date().toISOString();
  return {
    connector: {
      id: connectorId,
      ...given('filtering', defaultDomainFiltering(connector.filtering)?.active),
      index_name: jobType === 'access_control' ? `${ACL_INDEX_PREFIX}${connector.index_name}` : connector.index_name,
      ...given('language', connector.language),
      ...given('pipeline', connector.pipeline),
      service_type: connector.service_type,
      configuration: connector.configuration ?? {},
    },
    created_at: now,
    deleted_document_count: 0,
    indexed_document_count: 0,
    indexed_document_volume: 0,
    job_type: jobType,
    last_seen: now,
    metadata: {},
    status: 'pending',
    total_document_count: 0,
    trigger_method: trigger,
  };
}

/** Status of the connector's lock field for a job family (D.4). */
export function lockField(jobType: JobType): 'last_sync_status' | 'last_access_control_sync_status' {
  return jobType === 'access_control' ? 'last_access_control_sync_status' : 'last_sync_status';
}

/** The connector's error field that goes with `lockField`. */
export function lockErrorField(jobType: JobType): 'last_sync_error' | 'last_access_control_sync_error' {
  return jobType === 'access_control' ? 'last_access_control_sync_error' : 'last_sync_error';
}

export function scheduledAtField(
  jobType: JobType,
): 'last_sync_scheduled_at' | 'last_incremental_sync_scheduled_at' | 'last_access_control_sync_scheduled_at' {
  if (jobType === 'incremental') return 'last_incremental_sync_scheduled_at';
  if (jobType === 'access_control') return 'last_access_control_sync_scheduled_at';
  return 'last_sync_scheduled_at';
}

/** `features` in either layout (current nested or old flat flags). */
export function rulesEnabled(features: ConnectorDoc['features']): { basic: boolean; advanced: boolean } {
  return {
    basic: Boolean(features?.sync_rules?.basic?.enabled ?? features?.filtering_rules),
    advanced: Boolean(features?.sync_rules?.advanced?.enabled ?? features?.filtering_advanced_config),
  };
}

/**
 * Error fields are `keyword`s, which hold at most 32 766 bytes: a message quoting
 * a huge value would make its own write fail, forever.
 */
const ERROR_FIELDS = ['error', 'last_sync_error', 'last_access_control_sync_error'] as const;

/** The same fields with every error message bounded (see `boundMessage`). */
export function withBoundedErrors<T extends object>(fields: T): T {
  const record = fields as Record<string, unknown>;
  if (!ERROR_FIELDS.some((k) => typeof record[k] === 'string' && (record[k] as string).length > MAX_MESSAGE_CHARS)) return fields;
  const out: Record<string, unknown> = { ...record };
  for (const k of ERROR_FIELDS) if (typeof out[k] === 'string') out[k] = boundMessage(out[k] as string);
  return out as T;
}

const TRIGGER_METHODS: readonly TriggerMethod[] = ['on_demand', 'scheduled'];

/**
 * Why a job document cannot be run as written (a hand-made or damaged
 * document), or undefined when it can. Such a job would otherwise wait
 * forever: no worker's query ever matches it.
 */
export function malformedJob(doc: Partial<Record<keyof SyncJobDoc, unknown>>): string | undefined {
  const oneOf = (name: string, value: unknown, allowed: readonly string[]) => {
    if (value === undefined || value === null) return `${name} is missing`;
    if (typeof value !== 'string' || !allowed.includes(value)) return `${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)?.slice(0, 60)})`;
    return undefined;
  };
  const connector = doc.connector as { id?: unknown } | undefined;
  if (typeof connector?.id !== 'string') return 'connector.id is missing';
  return oneOf('job_type', doc.job_type, JOB_TYPES) ?? oneOf('trigger_method', doc.trigger_method, TRIGGER_METHODS);
}
