import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@elastic/elasticsearch';
import { defaultRule } from '../../src/protocol/documents.js';
import { CONNECTORS_ALIAS, CONNECTORS_INDEX, CONNECTORS_MAPPINGS, JOBS_ALIAS, JOBS_INDEX, JOBS_MAPPINGS } from '../../src/protocol/indices.js';
import type { FilteringRules } from '../../src/protocol/types.js';
import { createFakeConnector, esClient, store, uniqueId } from '../helpers/runtime-harness.js';

describe('index backend: sync-rule drafts', () => {
  let client: Client;
  const id = uniqueId('drafts');
  beforeAll(async () => {
    client = esClient();
    await createFakeConnector(client, id);
  });
  afterAll(async () => {
    await client.close();
  });

  const draftWith = (value: string): FilteringRules => ({
    rules: [{ id: 'r1', policy: 'exclude', field: 'label', rule: 'equals', value, order: 0 }, defaultRule(1, '2026-01-01T00:00:00.000Z')],
    advanced_snippet: { value: {} },
    validation: { state: 'edited', errors: [] },
  });

  async function setDraft(draft: FilteringRules) {
    const c = (await store(client).getConnector(id))!;
    const filtering = structuredClone(c.doc.filtering);
    filtering[0]!.draft = draft;
    await store(client).updateConnector(id, { filtering });
  }

  it('records a validation only for the draft that was validated', async () => {
    const validated = draftWith('a');
    await setDraft(draftWith('b')); // the user saved another draft meanwhile
    const written = await store(client).updateFilteringValidation(id, { state: 'valid', errors: [] }, validated);
    expect(written).toBe(false);
    expect((await store(client).getConnector(id))!.doc.filtering[0]!.draft.validation.state).toBe('edited');

    await setDraft(validated);
    expect(await store(client).updateFilteringValidation(id, { state: 'valid', errors: [] }, validated)).toBe(true);
    await store(client).activateFiltering(id);
    const entry = (await store(client).getConnector(id))!.doc.filtering[0]!;
    expect(entry.active.rules.map((r) => r.value)).toEqual(['a', '.*']);
  });

  it('never activates a draft that is not valid', async () => {
    await setDraft(draftWith('c'));
    await store(client).activateFiltering(id);
    const entry = (await store(client).getConnector(id))!.doc.filtering[0]!;
    expect(entry.active.rules.map((r) => r.value)).toEqual(['a', '.*']);
  });
});

describe('index backend: the connector indices it creates', () => {
  let client: Client;
  beforeAll(async () => {
    client = esClient();
    await store(client).ensureIndices();
  });
  afterAll(async () => {
    await client.close();
  });

  it('are the concrete -v1 indices, hidden, behind their aliases, with the template mappings', async () => {
    for (const [alias, index, mappings] of [
      [CONNECTORS_ALIAS, CONNECTORS_INDEX, CONNECTORS_MAPPINGS],
      [JOBS_ALIAS, JOBS_INDEX, JOBS_MAPPINGS],
    ] as const) {
      const got = await client.indices.get({ index: alias, expand_wildcards: 'all' });
      expect(Object.keys(got)).toEqual([index]);
      const concrete = got[index]!;
      expect(Object.keys(concrete.aliases ?? {})).toEqual([alias]);
      expect(String(concrete.settings?.index?.hidden)).toBe('true');
      // Elasticsearch echoes `dynamic` as a string.
      expect({ ...concrete.mappings, dynamic: String(concrete.mappings?.dynamic) }).toMatchObject({ ...mappings, dynamic: String(mappings.dynamic) });
    }
  });
});
