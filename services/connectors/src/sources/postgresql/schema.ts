import type { ConfigField, Configuration, Features } from '../../protocol/types.js';
import { withFieldDefaults } from '../configuration.js';

/** Every property a configuration entry must carry (reference D.8), defaults filled. */
function field(partial: Partial<ConfigField> & Pick<ConfigField, 'label' | 'order'>): ConfigField {
  return withFieldDefaults(partial);
}

export const FIELD_NAMING_VALUES = ['prefixed', 'column'] as const;
export type FieldNaming = (typeof FIELD_NAMING_VALUES)[number];

export const DEFAULTS = {
  fetchSize: 50,
  fetchBytes: 256 * 1024,
  retryCount: 3,
  fieldNaming: 'prefixed' as FieldNaming,
  connectTimeoutSeconds: 10,
  statementTimeoutSeconds: 300,
  cursorColumn: 'updated_at',
  cursorWindowSeconds: 60,
};

/**
 * Orders 1–11 reproduce Elastic's PostgreSQL connector (reference G.1) so
 * Kibana and existing connector documents see the same fields; ours follow.
 * Values are never arrays: ES cannot parse them in a configuration entry.
 */
export function configurationSchema(): Configuration {
  return {
    host: field({ label: 'Host', order: 1 }),
    port: field({ label: 'Port', order: 2, type: 'int', display: 'numeric' }),
    username: field({ label: 'Username', order: 3 }),
    password: field({ label: 'Password', order: 4, sensitive: true }),
    database: field({ label: 'Database', order: 5 }),
    schema: field({ label: 'Schema', order: 6 }),
    tables: field({
      label: 'Comma-separated list of tables',
      order: 7,
      type: 'list',
      display: 'textarea',
      value: '*',
      tooltip: 'This configurable field is ignored when Advanced Sync Rules are used.',
    }),
    fetch_size: field({
      label: 'Rows fetched per request',
      order: 8,
      type: 'int',
      display: 'numeric',
      required: false,
      default_value: DEFAULTS.fetchSize,
      ui_restrictions: ['advanced'],
    }),
    retry_count: field({
      label: 'Retries per request',
      order: 9,
      type: 'int',
      display: 'numeric',
      required: false,
      default_value: DEFAULTS.retryCount,
      ui_restrictions: ['advanced'],
    }),
    ssl_enabled: field({ label: 'Enable SSL verification', order: 10, type: 'bool', display: 'toggle', value: false }),
    ssl_ca: field({ label: 'SSL certificate', order: 11, depends_on: [{ field: 'ssl_enabled', value: true }] }),
    field_naming: field({
      label: 'Document field names',
      order: 12,
      display: 'dropdown',
      required: false,
      value: DEFAULTS.fieldNaming,
      default_value: DEFAULTS.fieldNaming,
      options: [
        { label: 'schema_table_column, lower-cased (Elastic-compatible)', value: 'prefixed' },
        { label: 'Column names as they are', value: 'column' },
      ],
      tooltip:
        '"prefixed" names fields <schema>_<table>_<column> in lower case, like Elastic\'s connector. "column" uses plain column names; a column named like a metadata field (id, table, _…) keeps the prefixed name.',
      ui_restrictions: ['advanced'],
      validations: [{ type: 'included_in', constraint: [...FIELD_NAMING_VALUES] }],
    }),
    connect_timeout: field({
      label: 'Connection timeout (seconds)',
      order: 13,
      type: 'int',
      display: 'numeric',
      required: false,
      default_value: DEFAULTS.connectTimeoutSeconds,
      tooltip: 'How long to wait for PostgreSQL to accept a connection.',
      ui_restrictions: ['advanced'],
      validations: [{ type: 'greater_than', constraint: 0 }],
    }),
    statement_timeout: field({
      label: 'Statement timeout (seconds)',
      order: 14,
      type: 'int',
      display: 'numeric',
      required: false,
      default_value: DEFAULTS.statementTimeoutSeconds,
      tooltip: 'Every statement of a sync (a page of a table, a catalog read, an advanced sync rule query) is cancelled after this long. 0 disables the limit.',
      ui_restrictions: ['advanced'],
      validations: [{ type: 'greater_than', constraint: -1 }],
    }),
    publication: field({
      label: 'Publication for incremental sync',
      order: 15,
      required: false,
      default_value: '',
      tooltip:
        'Incremental sync reads changes through this PostgreSQL publication. Leave empty to let the connector create one (its user must own the tables); otherwise an administrator creates it FOR TABLE the synced tables.',
      ui_restrictions: ['advanced'],
    }),
    cursor_column: field({
      label: 'Cursor column when logical replication is unavailable',
      order: 16,
      required: false,
      value: DEFAULTS.cursorColumn,
      default_value: DEFAULTS.cursorColumn,
      tooltip:
        'Without logical replication, incremental sync re-reads rows whose value in this column (a timestamp or number that grows on every change, e.g. updated_at kept by a trigger) passed the last one seen. Deleted rows are not seen: full syncs remove them.',
      ui_restrictions: ['advanced'],
    }),
    cursor_window: field({
      label: 'Cursor look-back (seconds)',
      order: 17,
      type: 'int',
      display: 'numeric',
      required: false,
      default_value: DEFAULTS.cursorWindowSeconds,
      tooltip: 'Each cursor pass also re-reads this many seconds before the last value seen: a transaction that commits late carries an older timestamp.',
      ui_restrictions: ['advanced'],
      validations: [{ type: 'greater_than', constraint: -1 }],
    }),
    fetch_bytes: field({
      label: 'Bytes fetched per request (about)',
      order: 18,
      type: 'int',
      display: 'numeric',
      required: false,
      default_value: DEFAULTS.fetchBytes,
      tooltip:
        'Rows are read in pages of about this many bytes of memory, sized from the rows already read (their text plus what holds it; at most 10 000 rows). Raise it when PostgreSQL is far away (fewer round trips, more memory); lower it on a very small machine; "Rows fetched per request", when changed from 50, caps the rows of a page.',
      ui_restrictions: ['advanced'],
      validations: [{ type: 'greater_than', constraint: 1023 }],
    }),
  };
}

export function features(): Features {
  return {
    sync_rules: { basic: { enabled: true }, advanced: { enabled: true } },
    document_level_security: { enabled: false },
    incremental_sync: { enabled: true },
    native_connector_api_keys: { enabled: false },
  };
}
