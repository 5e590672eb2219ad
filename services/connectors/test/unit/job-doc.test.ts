import { describe, expect, it } from 'vitest';
import { defaultDomainFiltering, newConnectorDoc, newJobDoc } from '../../src/protocol/documents.js';
import type { FilteringEntry } from '../../src/protocol/types.js';

describe('a new job document', () => {
  const rules = (value: string): FilteringEntry['active'] => ({
    advanced_snippet: { created_at: 't', updated_at: 't', value: {} },
    rules: [{ id: value, field: 'name', policy: 'include', rule: 'equals', value, order: 0, created_at: 't', updated_at: 't' }],
    validation: { state: 'valid', errors: [] },
  });

  it('snapshots the DEFAULT domain’s active rules, wherever that entry stands in the array', () => {
    const connector = newConnectorDoc({ name: 'c', index_name: 'i', service_type: 'postgresql' });
    connector.filtering = [
      { domain: 'OTHER', active: rules('other'), draft: rules('other') },
      { domain: 'DEFAULT', active: rules('default'), draft: rules('default') },
    ];
    expect(newJobDoc('c', connector, 'full', 'on_demand').connector.filtering).toEqual(rules('default'));
  });

  it('takes no rules when there is no DEFAULT domain: another domain never stands in', () => {
    const connector = newConnectorDoc({ name: 'c', index_name: 'i', service_type: 'postgresql' });
    connector.filtering = [{ domain: 'OTHER', active: rules('other'), draft: rules('other') }];
    expect(defaultDomainFiltering(connector.filtering)).toBeUndefined();
    expect(newJobDoc('c', connector, 'full', 'on_demand').connector).not.toHaveProperty('filtering');
  });

  // ConnectorSyncJob.toInnerXContent writes a null field not at all; these are set later (claim, end, cancel).
  it('has exactly the fields POST _connector/_sync_job writes, in the same timestamp format', () => {
    const connector = newConnectorDoc({ name: 'c', index_name: 'i', service_type: 'postgresql' });
    const job = newJobDoc('c', connector, 'incremental', 'scheduled');
    expect(Object.keys(job).sort()).toEqual([
      'connector',
      'created_at',
      'deleted_document_count',
      'indexed_document_count',
      'indexed_document_volume',
      'job_type',
      'last_seen',
      'metadata',
      'status',
      'total_document_count',
      'trigger_method',
    ]);
    expect(job).toMatchObject({ status: 'pending', job_type: 'incremental', trigger_method: 'scheduled', metadata: {}, indexed_document_count: 0 });
    // The connector's language and pipeline are unset, so the snapshot leaves them out too.
    expect(Object.keys(job.connector).sort()).toEqual(['configuration', 'filtering', 'id', 'index_name', 'service_type']);
    // Elasticsearch prints instants as strict_date_optional_time with milliseconds and Z.
    expect(job.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(job.last_seen).toBe(job.created_at);
  });

  it('snapshots language and pipeline when the connector has them, and the ACL index for access control', () => {
    const connector = newConnectorDoc({ name: 'c', index_name: 'i', service_type: 'postgresql', language: 'en' });
    connector.pipeline = { name: 'p', extract_binary_content: true, reduce_whitespace: false, run_ml_inference: false };
    const job = newJobDoc('c', connector, 'access_control', 'on_demand');
    expect(job.connector).toMatchObject({ language: 'en', pipeline: connector.pipeline, index_name: '.search-acl-filter-i' });
  });
});

describe('a new connector document', () => {
  // Connector.toInnerXContent: only is_native, sync_now and deleted are written unconditionally.
  it('has exactly the fields PUT _connector writes: nothing null, no last_* fields', () => {
    const doc = newConnectorDoc({ name: 'c', index_name: 'i', service_type: 'postgresql' });
    expect(Object.keys(doc).sort()).toEqual([
      'configuration',
      'custom_scheduling',
      'deleted',
      'filtering',
      'index_name',
      'is_native',
      'name',
      'scheduling',
      'service_type',
      'status',
      'sync_now',
    ]);
    expect(JSON.stringify(doc)).not.toContain('null');
    expect(doc).toMatchObject({ status: 'created', is_native: false, sync_now: false, deleted: false, configuration: {}, custom_scheduling: {} });
    for (const type of ['full', 'incremental', 'access_control'] as const) expect(doc.scheduling[type]).toEqual({ enabled: false, interval: '0 0 0 * * ?' });
  });

  it('writes the default filtering with one timestamp, in Elasticsearch\'s format', () => {
    const [entry] = newConnectorDoc({}).filtering;
    expect(entry?.domain).toBe('DEFAULT');
    expect(entry?.active).toEqual(entry?.draft);
    const rule = entry?.active.rules[0];
    expect(rule).toMatchObject({ id: 'DEFAULT', field: '_', policy: 'include', rule: 'regex', value: '.*', order: 0 });
    expect(rule?.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(entry?.active.advanced_snippet.created_at).toBe(rule?.created_at);
  });

  it('leaves out what is not given, and says needs_configuration for a native connector', () => {
    const doc = newConnectorDoc({ is_native: true });
    expect(doc).toMatchObject({ name: '', is_native: true, status: 'needs_configuration' });
    expect(doc).not.toHaveProperty('index_name');
    expect(doc).not.toHaveProperty('service_type');
    expect(doc).not.toHaveProperty('description');
  });
});
