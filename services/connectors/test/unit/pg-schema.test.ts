import { describe, expect, it } from 'vitest';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { parseSettings, tableList } from '../../src/sources/postgresql/settings.js';

// The published configuration must match Elastic's PostgreSQL connector (reference G.1).
const schema = postgresqlSource.configurationSchema();

const G1: [string, string, number, string, string, boolean, boolean, unknown][] = [
  // key, label, order, type, display, required, sensitive, value
  ['host', 'Host', 1, 'str', 'text', true, false, ''],
  ['port', 'Port', 2, 'int', 'numeric', true, false, ''],
  ['username', 'Username', 3, 'str', 'text', true, false, ''],
  ['password', 'Password', 4, 'str', 'text', true, true, ''],
  ['database', 'Database', 5, 'str', 'text', true, false, ''],
  ['schema', 'Schema', 6, 'str', 'text', true, false, ''],
  ['tables', 'Comma-separated list of tables', 7, 'list', 'textarea', true, false, '*'],
  ['fetch_size', 'Rows fetched per request', 8, 'int', 'numeric', false, false, ''],
  ['retry_count', 'Retries per request', 9, 'int', 'numeric', false, false, ''],
  ['ssl_enabled', 'Enable SSL verification', 10, 'bool', 'toggle', true, false, false],
  ['ssl_ca', 'SSL certificate', 11, 'str', 'text', true, false, ''],
];

const D8_PROPERTIES = [
  'default_value',
  'depends_on',
  'display',
  'label',
  'options',
  'order',
  'required',
  'sensitive',
  'tooltip',
  'type',
  'ui_restrictions',
  'validations',
  'value',
];

describe('PostgreSQL configuration schema', () => {
  it('identifies itself as the postgresql service type', () => {
    expect(postgresqlSource.serviceType).toBe('postgresql');
    expect(postgresqlSource.displayName).toBe('PostgreSQL');
  });

  it.each(G1)('publishes %s exactly as G.1', (key, label, order, type, display, required, sensitive, value) => {
    expect(schema[key]).toMatchObject({ label, order, type, display, required, sensitive, value });
  });

  it('uses the D.8 defaults for everything G.1 does not set', () => {
    for (const [key] of G1) {
      const f = schema[key];
      const expectedDefault = key === 'fetch_size' ? 50 : key === 'retry_count' ? 3 : null;
      expect({ key, default_value: f?.default_value }).toEqual({ key, default_value: expectedDefault });
      expect(f?.options).toEqual([]);
      expect(f?.validations).toEqual([]);
      expect(f?.ui_restrictions).toEqual(key === 'fetch_size' || key === 'retry_count' ? ['advanced'] : []);
      expect(f?.depends_on).toEqual(key === 'ssl_ca' ? [{ field: 'ssl_enabled', value: true }] : []);
      expect(f?.tooltip).toBe(key === 'tables' ? 'This configurable field is ignored when Advanced Sync Rules are used.' : null);
    }
  });

  it('gives every field all D.8 properties, and never an array value', () => {
    for (const [key, f] of Object.entries(schema)) {
      expect(Object.keys(f).sort(), key).toEqual([...D8_PROPERTIES].sort());
      expect(Array.isArray(f.value), key).toBe(false);
      expect(Array.isArray(f.default_value), key).toBe(false);
    }
  });

  it('puts our additions after G.1, as advanced fields with a label, tooltip and default', () => {
    const extra = Object.entries(schema).filter(([key]) => !G1.some(([k]) => k === key));
    expect(extra.map(([key]) => key)).toEqual(['field_naming', 'connect_timeout', 'statement_timeout', 'publication', 'cursor_column', 'cursor_window', 'fetch_bytes']);
    expect(new Set(Object.values(schema).map((f) => f.order)).size).toBe(Object.keys(schema).length);
    for (const [key, f] of extra) {
      expect(f.order, key).toBeGreaterThanOrEqual(12);
      expect(f.label, key).not.toBe('');
      expect(f.tooltip, key).toBeTruthy();
      expect(f.ui_restrictions, key).toEqual(['advanced']);
      expect(f.required, key).toBe(false);
      expect(f.default_value, key).not.toBeNull();
    }
    expect(schema.field_naming).toMatchObject({
      display: 'dropdown',
      value: 'prefixed',
      default_value: 'prefixed',
      options: [{ value: 'prefixed' }, { value: 'column' }],
    });
  });

  // Incremental sync starts as offered; each poll turns it off where the database cannot support it.
  it('publishes the G.1 features, plus incremental sync', () => {
    expect(postgresqlSource.features()).toEqual({
      sync_rules: { basic: { enabled: true }, advanced: { enabled: true } },
      document_level_security: { enabled: false },
      incremental_sync: { enabled: true },
      native_connector_api_keys: { enabled: false },
    });
  });
});

describe('configuration values', () => {
  const base = { host: 'db', port: 5432, username: 'u', password: ' p ', database: 'd', schema: 's', tables: ['*'], ssl_enabled: false };

  it('applies defaults for blank optional values', () => {
    const s = parseSettings({ ...base, fetch_size: '', retry_count: null });
    expect(s).toMatchObject({ fetchSize: 50, retryCount: 3, fieldNaming: 'prefixed', connectTimeoutMs: 10_000, statementTimeoutMs: 300_000 });
    expect(s.password).toBe(' p ');
    expect(s.problems).toEqual([]);
  });

  it('accepts numbers and booleans given as strings', () => {
    expect(parseSettings({ ...base, port: '6543', fetch_size: '10', ssl_enabled: 'true' })).toMatchObject({
      port: 6543,
      fetchSize: 10,
      sslEnabled: true,
      problems: [],
    });
  });

  it('lists what is unusable instead of throwing', () => {
    const s = parseSettings({ ...base, host: ' ', port: 70000, fetch_size: 0, field_naming: 'weird', retry_count: 1000 });
    expect(s.problems).toEqual([
      '"host" is required',
      '"port" must be at most 65535 (got 70000)',
      '"field_naming" must be one of prefixed, column (got "weird")',
      '"fetch_size" must be an integer ≥ 1 (got 0)',
      '"retry_count" must be an integer from 0 to 20 (got 1000)',
    ]);
  });

  it('reads tables from a list or a comma-separated string, verbatim', () => {
    expect(tableList(['a', ' B c ', '', 'a'])).toEqual(['a', 'B c']);
    expect(tableList('orders, Line Items ,')).toEqual(['orders', 'Line Items']);
    expect(tableList('*')).toEqual(['*']);
    expect(tableList(['orders', '*'])).toEqual(['*']);
    expect(tableList(undefined)).toEqual([]);
  });
});
