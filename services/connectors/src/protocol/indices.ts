import type { Client } from '@elastic/elasticsearch';

/** Aliases the service reads and writes (reference A.1). */
export const CONNECTORS_ALIAS = '.elastic-connectors';
export const JOBS_ALIAS = '.elastic-connectors-sync-jobs';
/** Concrete indices behind them; the Connector API writes these names. */
export const CONNECTORS_INDEX = '.elastic-connectors-v1';
export const JOBS_INDEX = '.elastic-connectors-sync-jobs-v1';

const keyword = { type: 'keyword' } as const;
const date = { type: 'date' } as const;
const bool = { type: 'boolean' } as const;
const long = { type: 'long' } as const;
const integer = { type: 'integer' } as const;
const unindexed = { type: 'object', enabled: false } as const;

const rule = {
  properties: {
    id: keyword,
    policy: keyword,
    field: keyword,
    rule: keyword,
    value: keyword,
    order: { type: 'short' },
    created_at: date,
    updated_at: date,
  },
};
const filteringRules = {
  properties: {
    rules: rule,
    advanced_snippet: { properties: { value: unindexed, created_at: date, updated_at: date } },
    validation: { properties: { state: keyword, errors: { properties: { ids: keyword, messages: { type: 'text' } } } } },
  },
};
const pipeline = {
  properties: { name: keyword, extract_binary_content: bool, reduce_whitespace: bool, run_ml_inference: bool },
};
const schedule = { properties: { enabled: bool, interval: { type: 'text' } } };

/** Mirrors the field table of the Elasticsearch template (A.3); `dynamic: false` like it. */
export const CONNECTORS_MAPPINGS = {
  dynamic: false,
  _meta: { version: 1, created_by: 'pg-es-connectors' },
  properties: {
    api_key_id: keyword,
    api_key_secret_id: keyword,
    configuration: unindexed,
    custom_scheduling: unindexed,
    deleted: bool,
    description: { type: 'text' },
    error: keyword,
    features: {
      properties: {
        filtering_advanced_config: bool,
        filtering_rules: bool,
        incremental_sync: { properties: { enabled: bool } },
        sync_rules: { properties: { basic: { properties: { enabled: bool } }, advanced: { properties: { enabled: bool } } } },
      },
    },
    filtering: { properties: { domain: keyword, active: filteringRules, draft: filteringRules } },
    index_name: keyword,
    is_native: bool,
    language: keyword,
    last_access_control_sync_error: keyword,
    last_access_control_sync_scheduled_at: date,
    last_access_control_sync_status: keyword,
    last_deleted_document_count: long,
    last_incremental_sync_scheduled_at: date,
    last_indexed_document_count: long,
    last_seen: date,
    last_sync_error: keyword,
    last_sync_scheduled_at: date,
    last_sync_status: keyword,
    last_synced: date,
    name: keyword,
    pipeline,
    scheduling: { properties: { full: schedule, incremental: schedule, access_control: schedule } },
    service_type: keyword,
    status: keyword,
    sync_cursor: unindexed,
    sync_now: bool,
  },
} as const;

/** Mirrors the sync-job template (A.4). */
export const JOBS_MAPPINGS = {
  dynamic: false,
  _meta: { version: 1, created_by: 'pg-es-connectors' },
  properties: {
    cancelation_requested_at: date,
    canceled_at: date,
    completed_at: date,
    connector: {
      properties: {
        id: keyword,
        configuration: unindexed,
        filtering: unindexed,
        index_name: keyword,
        language: keyword,
        pipeline,
        service_type: keyword,
        sync_cursor: unindexed,
      },
    },
    created_at: date,
    deleted_document_count: integer,
    error: keyword,
    indexed_document_count: integer,
    indexed_document_volume: integer,
    job_type: keyword,
    last_seen: date,
    metadata: unindexed,
    started_at: date,
    status: keyword,
    total_document_count: integer,
    trigger_method: keyword,
    worker_hostname: keyword,
  },
} as const;

const SETTINGS = { hidden: true, number_of_shards: 1, auto_expand_replicas: '0-1' } as const;

function isAlreadyExists(err: unknown): boolean {
  const type = (err as { body?: { error?: { type?: string } } }).body?.error?.type;
  return type === 'resource_already_exists_exception';
}

/**
 * Creates the concrete `-v1` indices with their aliases when missing. The alias
 * names are never created as indices: that would shadow the Connector API's data.
 * With `useTemplates`, Elasticsearch's own templates supply mappings and alias.
 */
export async function ensureConnectorIndices(client: Client, useTemplates: boolean): Promise<void> {
  for (const [index, alias, mappings] of [
    [CONNECTORS_INDEX, CONNECTORS_ALIAS, CONNECTORS_MAPPINGS],
    [JOBS_INDEX, JOBS_ALIAS, JOBS_MAPPINGS],
  ] as const) {
    const exists = await client.indices.exists({ index: alias, expand_wildcards: 'all' });
    if (exists) continue;
    try {
      await client.indices.create(
        useTemplates
          ? { index }
          : { index, settings: SETTINGS, mappings: mappings as never, aliases: { [alias]: { is_hidden: true } } },
      );
    } catch (err) {
      // Another replica won the race.
      if (!isAlreadyExists(err)) throw err;
    }
    if (useTemplates) {
      // Templates normally add the alias; make sure it is there either way.
      const hasAlias = await client.indices.existsAlias({ name: alias, index, expand_wildcards: 'all' });
      if (!hasAlias) await client.indices.updateAliases({ actions: [{ add: { index, alias, is_hidden: true } }] });
    }
  }
}
