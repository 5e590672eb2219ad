import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../log/redact.js';
import { defaultDomainFiltering, rulesEnabled } from '../protocol/documents.js';
import { statusOf } from '../protocol/index-store.js';
import type { ProtocolStore } from '../protocol/store.js';
import type { ConnectorDoc, ConnectorRecord, FilteringValidation } from '../protocol/types.js';
import { configurationValues, mergeSchema, validateConfiguration } from '../sources/configuration.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { DataSourceFactory } from '../sources/types.js';
import { combineValidation, validateBasicRules } from '../sync/filtering-validation.js';
import { validateSchedules } from './scheduler.js';

export type CheckOutcome = 'skipped' | 'connected' | 'error' | 'gone';

/**
 * Publishes what the service knows about a connector into its document
 * (service type, configuration schema, features: reference D.8), with
 * optimistic concurrency so an edit made in Kibana meanwhile is never overwritten.
 */
export async function publishSchema(
  store: ProtocolStore,
  connectorId: string,
  configuredServiceType: string | undefined,
  sources: SourceRegistry,
  log: Logger,
): Promise<ConnectorRecord | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const connector = await store.getConnector(connectorId);
    if (!connector) return null;
    const doc = connector.doc;
    const serviceType = doc.service_type || configuredServiceType;
    const factory = sources.get(serviceType);
    if (!factory) return connector;
    const update: Partial<ConnectorDoc> = {};
    if (!doc.service_type && serviceType) update.service_type = serviceType;
    const schema = factory.configurationSchema();
    if (!doc.configuration || Object.keys(doc.configuration).length === 0) {
      update.configuration = schema;
      update.status = 'needs_configuration';
    } else {
      const merged = mergeSchema(doc.configuration, schema);
      if (merged.changed) update.configuration = merged.configuration;
    }
    const defaults = factory.features();
    // Incremental sync is the poll's to decide (it depends on the database), once published.
    const features = doc.features?.incremental_sync ? { ...defaults, incremental_sync: doc.features.incremental_sync } : defaults;
    // Only what we publish is compared: Kibana or Elasticsearch may add keys of their own.
    if (!doc.is_native && !includes(doc.features, features)) update.features = features;
    if (!Object.keys(update).length) return connector;
    if (await store.updateConnector(connectorId, update, connector)) {
      log.info({ connector: { id: connectorId }, fields: Object.keys(update) }, `published ${Object.keys(update).join(', ')} for connector ${connectorId}`);
      return store.getConnector(connectorId);
    }
  }
  return store.getConnector(connectorId);
}

/** Whether `stored` holds every leaf of `published` with the same value. */
export function includes(stored: unknown, published: unknown): boolean {
  if (published === null || typeof published !== 'object' || Array.isArray(published)) return isDeepStrictEqual(stored, published);
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return false;
  const s = stored as Record<string, unknown>;
  return Object.entries(published).every(([key, value]) => includes(s[key], value));
}

/**
 * Each poll: validate the configuration and ping the source; validate an
 * edited draft of the sync rules and activate it when valid. The connector ends
 * `connected` or `error` with a message a user can act on.
 */
export async function checkConnector(
  store: ProtocolStore,
  connector: ConnectorRecord,
  sources: SourceRegistry,
  log: Logger,
  /** A persistent failure of the service itself (it cannot pick up jobs, say): shown on the connector too. */
  serviceProblem: () => string | null = () => null,
): Promise<CheckOutcome> {
  const doc = connector.doc;
  if (doc.status === 'created' || doc.status === 'needs_configuration') return 'skipped';
  const factory = sources.get(doc.service_type);
  let error: string | null = null;
  let capture: CaptureCheck = { blocker: null };
  if (!factory) {
    error = `Unknown service type "${doc.service_type ?? ''}": this service provides ${sources.types().join(', ')}`;
  } else {
    try {
      validateSchedules(doc);
      capture = await checkSource(factory, connector, log);
      await validateDraftRules(store, connector, factory, log);
    } catch (err) {
      error = errorMessage(err);
    }
  }
  // Scheduling follows the source's own health; a service problem only shows.
  const outcome: CheckOutcome = error ? 'error' : 'connected';
  error ??= serviceProblem();
  // Full syncs go on; the reason incremental ones cannot shows where Kibana looks.
  if (!error && capture.blocker && doc.scheduling?.incremental?.enabled) error = `Incremental sync cannot run: ${capture.blocker}`;
  const status = error ? 'error' : 'connected';
  const update: Partial<ConnectorDoc> = {};
  if (doc.status !== status || doc.error !== error) Object.assign(update, { status, error });
  if (capture.supported !== undefined && doc.features && doc.features.incremental_sync?.enabled !== capture.supported) {
    update.features = { ...doc.features, incremental_sync: { enabled: capture.supported } };
  }
  // Only write on change: every replica polls every connector.
  if (Object.keys(update).length) {
    await store.updateConnector(connector.id, update);
    if (error) log.warn({ connector: { id: connector.id } }, `connector ${connector.id} is in error: ${error}`);
    else log.info({ connector: { id: connector.id } }, `connector ${connector.id} is connected`);
  }
  return outcome;
}

/** Whether the source can follow changes; `supported` is undefined for sources without change capture. */
interface CaptureCheck {
  supported?: boolean;
  blocker: string | null;
}

async function checkSource(factory: DataSourceFactory, connector: ConnectorRecord, log: Logger): Promise<CaptureCheck> {
  const doc = connector.doc;
  const problems = validateConfiguration(doc.configuration, Object.keys(factory.configurationSchema()));
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  const source = factory.create(configurationValues(doc.configuration), log);
  try {
    await source.ping();
    await source.validate();
    if (!source.capture) return { blocker: null };
    const active = defaultDomainFiltering(doc.filtering)?.active;
    const advanced = rulesEnabled(doc.features).advanced ? active?.advanced_snippet?.value : undefined;
    const blocker = await source.capture.blocker({ advancedRules: advanced, connectorId: connector.id });
    return { supported: blocker === null, blocker };
  } finally {
    await source.close().catch(() => undefined);
  }
}

async function validateDraftRules(store: ProtocolStore, connector: ConnectorRecord, factory: DataSourceFactory, log: Logger): Promise<void> {
  const enabled = rulesEnabled(connector.doc.features);
  if (!enabled.basic && !enabled.advanced) return;
  const entry = defaultDomainFiltering(connector.doc.filtering);
  if (!entry || entry.draft.validation?.state !== 'edited') return;

  const errors: FilteringValidation['errors'] = enabled.basic ? validateBasicRules(entry.draft.rules ?? []) : [];
  const advanced = entry.draft.advanced_snippet?.value;
  if (advanced != null && !(typeof advanced === 'object' && Object.keys(advanced).length === 0)) {
    if (!enabled.advanced) {
      errors.push({ ids: ['advanced_snippet'], messages: ['Advanced sync rules are not enabled for this connector'] });
    } else {
      const source = factory.create(configurationValues(connector.doc.configuration), log);
      try {
        errors.push(...(await source.validateAdvancedRules(advanced)));
      } finally {
        await source.close().catch(() => undefined);
      }
    }
  }
  const validation = combineValidation(errors);
  // Written only if the draft is still the one just validated: a newer edit waits for the next poll.
  if (!(await store.updateFilteringValidation(connector.id, validation, entry.draft))) {
    log.info({ connector: { id: connector.id } }, 'draft sync rules changed while being validated; validating again next poll');
    return;
  }
  if (validation.state === 'valid') {
    try {
      await store.activateFiltering(connector.id);
    } catch (err) {
      // The Connector API refuses (400) a draft edited since: the next poll validates it.
      if (statusOf(err) === 400) return;
      throw err;
    }
    log.info({ connector: { id: connector.id } }, 'draft sync rules are valid and now active');
  } else {
    log.warn({ connector: { id: connector.id }, errors: validation.errors }, 'draft sync rules are invalid');
  }
}
