import { describe, expect, it } from 'vitest';
import { setupSettingsSchema } from '../../src/cli/setup/index.js';

/** The compose offline overlay switches features off with empty values. */
describe('setup settings: an empty value is an unset one', () => {
  it('empty ELASTIC_PASSWORD, KIBANA_URL and KIBANA_PASSWORD parse as absent', () => {
    const parsed = setupSettingsSchema.safeParse({ ELASTIC_PASSWORD: '', KIBANA_URL: '', KIBANA_PASSWORD: '' });
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.ELASTIC_PASSWORD).toBeUndefined();
    expect(parsed.data?.KIBANA_URL).toBeUndefined();
    expect(parsed.data?.KIBANA_PASSWORD).toBeUndefined();
  });

  it('empty defaulted settings take their defaults', () => {
    const s = setupSettingsSchema.parse({ CONNECTOR_ID: '', CONNECTOR_PG_PORT: '', SETUP_FIRST_SYNC: '', ELASTICSEARCH_URL: '' });
    expect(s).toMatchObject({ CONNECTOR_ID: 'postgres-demo', CONNECTOR_PG_PORT: 5432, SETUP_FIRST_SYNC: true, ELASTICSEARCH_URL: 'http://localhost:9200' });
  });

  it('still validates values that are set', () => {
    const parsed = setupSettingsSchema.safeParse({ KIBANA_URL: 'not a url' });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['KIBANA_URL']);
    expect(setupSettingsSchema.parse({ KIBANA_URL: 'http://kibana:5601' }).KIBANA_URL).toBe('http://kibana:5601');
  });

  it('keep an explicit SETUP_ROLE_FILE', () => {
    expect(setupSettingsSchema.parse({ SETUP_ROLE_FILE: '/etc/role.json' }).SETUP_ROLE_FILE).toBe('/etc/role.json');
  });
});
