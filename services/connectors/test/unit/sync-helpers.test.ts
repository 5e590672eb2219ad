import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEnvFile } from '../../src/cli/setup/index.js';
import { includes } from '../../src/service/connector-check.js';
import { withoutValuePreview } from '../../src/sync/full-sync.js';

describe('features comparison', () => {
  const published = { incremental_sync: { enabled: false }, sync_rules: { basic: { enabled: true }, advanced: { enabled: true } } };

  it('keys added by Kibana or Elasticsearch do not make the stored features differ', () => {
    const stored = { ...published, native_connector_api_keys: { enabled: false }, sync_rules: { ...published.sync_rules, extra: { enabled: true } } };
    expect(includes(stored, published)).toBe(true);
  });

  it('a changed, missing or null published value does', () => {
    expect(includes({ ...published, incremental_sync: { enabled: true } }, published)).toBe(false);
    expect(includes({ sync_rules: published.sync_rules }, published)).toBe(false);
    expect(includes(null, published)).toBe(false);
  });
});

describe('item-failure reasons', () => {
  it('drop the value preview Elasticsearch appends', () => {
    const reason = "failed to parse field [n] of type [long] in document with id 'bad'. Preview of field's value: 'private note'";
    expect(withoutValuePreview(reason)).toBe("failed to parse field [n] of type [long] in document with id 'bad'");
  });

  it('are capped in length', () => {
    const out = withoutValuePreview('x'.repeat(5000));
    expect(out.length).toBeLessThanOrEqual(501);
    expect(out.endsWith('…')).toBe(true);
  });
});

describe('the settings file setup hands to the service', () => {
  it('is readable by its owner only, even when it replaces a world-readable file or a stale temp file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'env-file-'));
    const file = path.join(dir, 'connector.env');
    writeFileSync(file, 'OLD=1\n');
    chmodSync(file, 0o644);
    writeFileSync(`${file}.${process.pid}.tmp`, 'left over by a crash');
    chmodSync(`${file}.${process.pid}.tmp`, 0o644);
    writeEnvFile(file, { CONNECTOR_IDS: 'c1', ELASTICSEARCH_API_KEY: 'k' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('CONNECTOR_IDS=c1\nELASTICSEARCH_API_KEY=k\n');
    expect(readFileSync(file, 'utf8')).not.toContain('OLD=1');
  });
});
