import { Client } from '@elastic/elasticsearch';
import { withFieldDefaults } from '../../src/sources/configuration.js';
import { SourceError, type DataSourceFactory, type SourceDocument } from '../../src/sources/types.js';

/** Where each run of the fake source leaves a marker: proof of how often a job really ran. */
export const MARKER_INDEX = 'it-fake-source-markers';

/**
 * A data source that lives in the tests: yields `count` documents, optionally
 * slowly, and records every run in MARKER_INDEX under its `label`.
 */
export const fakeSource: DataSourceFactory = {
  serviceType: 'fake',
  displayName: 'Fake',
  configurationSchema: () => ({
    label: withFieldDefaults({ label: 'Label', order: 1, value: '' }, 'label'),
    count: withFieldDefaults({ label: 'Documents', order: 2, type: 'int', display: 'numeric', value: 10 }, 'count'),
    delay_ms: withFieldDefaults({ label: 'Delay per document (ms)', order: 3, type: 'int', display: 'numeric', required: false, value: 0, default_value: 0 }, 'delay_ms'),
    reachable: withFieldDefaults({ label: 'Reachable', order: 4, type: 'bool', display: 'toggle', value: true }, 'reachable'),
    secret: withFieldDefaults({ label: 'Secret', order: 5, sensitive: true, required: false, value: '' }, 'secret'),
    fail_after: withFieldDefaults({ label: 'Fail after N documents', order: 6, type: 'int', display: 'numeric', required: false, value: '', default_value: null }, 'fail_after'),
  }),
  features: () => ({
    document_level_security: { enabled: false },
    incremental_sync: { enabled: false },
    native_connector_api_keys: { enabled: false },
    sync_rules: { basic: { enabled: true }, advanced: { enabled: false } },
  }),
  create(values) {
    const count = Number(values.count ?? 10);
    const delay = Number(values.delay_ms ?? 0);
    const label = String(values.label ?? '');
    const failAfter = values.fail_after === undefined || values.fail_after === null ? undefined : Number(values.fail_after);
    return {
      async ping() {
        if (values.reachable === false) throw new SourceError('Fake source is unreachable (reachable=false)', 'host_unreachable');
      },
      async validate() {},
      async validateAdvancedRules() {
        return [];
      },
      async contentMappings() {
        return { properties: { n: { type: 'long' }, label: { type: 'keyword' }, title: { type: 'text' } } };
      },
      async *documents({ signal, progress }): AsyncGenerator<SourceDocument> {
        // As a source with a row estimate does: one "table", its size known up front.
        progress?.({ table: 'fake', tablesDone: 0, tablesTotal: 1, estimatedRows: count });
        const es = new Client({ node: process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9250' });
        try {
          await es.index({ index: MARKER_INDEX, document: { label, pid: process.pid, at: new Date().toISOString() }, refresh: true });
        } finally {
          await es.close();
        }
        for (let i = 0; i < count; i++) {
          if (delay) await new Promise((r) => setTimeout(r, delay));
          if (failAfter !== undefined && i === failAfter) throw new SourceError(`Fake source broke after ${failAfter} documents`, 'read_failed');
          signal.throwIfAborted();
          yield { _id: `${label}-${i}`, n: i, label, title: `document ${i} of ${label}` };
        }
      },
      async close() {},
    };
  },
};
