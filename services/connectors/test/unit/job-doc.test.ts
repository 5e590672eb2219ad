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
    expect(newJobDoc('c', connector, 'full', 'on_demand').connector.filtering).toBeNull();
  });
});
