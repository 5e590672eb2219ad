import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import { CONNECTORS_ALIAS } from '../protocol/indices.js';
import { errorMessage } from '../log/redact.js';
import { statusOf } from '../protocol/index-store.js';
import type { ConnectorAdmin } from '../protocol/admin.js';
import type { Configuration, ConnectorDoc, Schedule } from '../protocol/types.js';
import { CronError, parseQuartz } from '../service/schedule/quartz.js';
import { mergeSchema, validateConfiguration } from '../sources/configuration.js';
import { defaultSources } from '../sources/index.js';
import type { DataSourceFactory } from '../sources/types.js';
import { withCluster } from './cluster.js';
import { CliError, EXIT, notFound } from './exit.js';
import { emit, table, type OutputOptions } from './output.js';
import { lastSync } from './status.js';

/** What `connector get --json` prints: the document without secrets, configuration as key → value. */
export interface ConnectorView {
  id: string;
  name: string;
  service_type: string | null;
  index_name: string | null;
  status: string;
  error: string | null;
  scheduling: { full: Schedule; incremental: Schedule };
  incremental_sync: boolean;
  last_sync_status: string | null;
  last_synced: string | null;
  last_indexed_document_count: number | null;
  last_deleted_document_count: number | null;
  /** Sensitive values are replaced by "********" when set. */
  configuration: Record<string, unknown>;
}

const MASK = '********';

export function connectorView(id: string, d: ConnectorDoc): ConnectorView {
  const configuration: Record<string, unknown> = {};
  const fields = Object.entries(d.configuration ?? {}).sort(([, a], [, b]) => (a.order ?? 0) - (b.order ?? 0));
  // Sensitive by the document or by the source's own schema: a document edited by hand may have lost the flag.
  const schema = defaultSources().get(d.service_type)?.configurationSchema() ?? {};
  for (const [key, field] of fields) {
    const set = field.value !== '' && field.value !== null && field.value !== undefined;
    configuration[key] = field.sensitive || schema[key]?.sensitive ? (set ? MASK : '') : field.value;
  }
  return {
    id,
    name: d.name,
    service_type: d.service_type ?? null,
    index_name: d.index_name ?? null,
    status: d.status,
    error: d.error ? errorMessage(d.error) : null,
    scheduling: { full: d.scheduling.full, incremental: d.scheduling.incremental },
    incremental_sync: !!d.features?.incremental_sync?.enabled,
    last_sync_status: d.last_sync_status ?? null,
    last_synced: d.last_synced ?? null,
    last_indexed_document_count: d.last_indexed_document_count ?? null,
    last_deleted_document_count: d.last_deleted_document_count ?? null,
    configuration,
  };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Every live connector, by id: `GET _connector` when the cluster has the API, else the connector index. */
export async function allConnectors(client: Client, api: boolean): Promise<ConnectorView[]> {
  if (api) {
    const res = (await client.connector.list({ size: 1000 })) as unknown as { results: (ConnectorDoc & { id: string })[] };
    return res.results.filter((c) => !c.deleted).map((c) => connectorView(c.id, c)).sort(byId);
  }
  try {
    const res = await client.search<ConnectorDoc>({ index: CONNECTORS_ALIAS, query: { bool: { must_not: [{ term: { deleted: true } }] } }, size: 1000 });
    // Sorted here: sorting on _id is off by default in Elasticsearch.
    return res.hits.hits.filter((h) => h._source).map((h) => connectorView(h._id!, h._source!)).sort(byId);
  } catch (err) {
    if (statusOf(err) === 404) return [];
    throw err;
  }
}

export async function listCommand(options: OutputOptions): Promise<void> {
  const connectors = await withCluster(({ client, admin }) => allConnectors(client, admin.api));
  emit(options, connectors, () =>
    connectors.length
      ? table(
          ['ID', 'TYPE', 'STATUS', 'INDEX', 'LAST SYNC'],
          connectors.map((c) => [c.id, c.service_type ?? '-', c.status, c.index_name ?? '-', c.last_sync_status ?? 'never']),
        )
      : 'no connectors',
  );
}

async function requireConnector(admin: ConnectorAdmin, id: string): Promise<ConnectorDoc> {
  const doc = await admin.find(id);
  if (!doc) throw notFound(id);
  return doc;
}

export async function getCommand(id: string, options: OutputOptions): Promise<void> {
  const view = await withCluster(async ({ admin }) => connectorView(id, await requireConnector(admin, id)));
  emit(options, view, () => [
    `${view.id}: ${view.name || '(no name)'} (${view.service_type ?? 'no service type'})`,
    `  status: ${view.status}${view.error ? ` — ${view.error}` : ''}`,
    `  index: ${view.index_name ?? '-'}`,
    `  full sync: ${scheduleText(view.scheduling.full)}; incremental: ${view.incremental_sync ? scheduleText(view.scheduling.incremental) : 'not supported'}`,
    `  ${lastSync({ last_sync_status: view.last_sync_status, last_synced: view.last_synced, last_indexed_document_count: view.last_indexed_document_count, last_deleted_document_count: view.last_deleted_document_count } as ConnectorDoc)}`,
    '  configuration:',
    ...Object.entries(view.configuration).map(([k, v]) => `    ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`),
  ]);
}

const scheduleText = (s: Schedule) => (s.enabled ? s.interval : 'off');

function sourceFor(serviceType: string | null | undefined): DataSourceFactory {
  const source = serviceType ? defaultSources().get(serviceType) : undefined;
  if (!source) throw new CliError(`no source for service type "${serviceType ?? ''}" (known: ${defaultSources().types().join(', ')})`, EXIT.usage);
  return source;
}

export async function createCommand(id: string, options: OutputOptions & { indexName: string; name?: string; serviceType: string }): Promise<void> {
  const source = sourceFor(options.serviceType);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(options.indexName)) throw new CliError(`"${options.indexName}" is not a valid index name (lower case, no spaces, not starting with - _ +)`, EXIT.usage);
  const view = await withCluster(async ({ admin, store }) => {
    await store.ensureIndices();
    if (await admin.find(id)) throw new CliError(`connector "${id}" already exists`, EXIT.failed);
    await admin.create(id, { name: options.name ?? id, index_name: options.indexName, service_type: options.serviceType });
    // The form Kibana shows: the source's fields with their defaults, to be filled with `connector configure`.
    await admin.setConfiguration(id, source.configurationSchema());
    await admin.setFeatures(id, source.features());
    return connectorView(id, (await admin.find(id))!);
  });
  emit(options, view, () => `created connector ${id} (${options.serviceType}, index ${options.indexName}); set its fields with: connectors connector configure ${id} key=value …`);
}

/** `key=value` → the field's typed value; `key=-` reads it from stdin (a secret kept out of shell history). */
export function parseAssignments(pairs: string[], schema: Configuration, readStdin = () => readFileSync(0, 'utf8').replace(/\r?\n$/, '')): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (pairs.filter((p) => p.endsWith('=-')).length > 1) throw new CliError('only one value can come from stdin (key=-)', EXIT.usage);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new CliError(`"${pair}" is not key=value`, EXIT.usage);
    const key = pair.slice(0, eq);
    const field = schema[key];
    if (!field) throw new CliError(`unknown field "${key}" (fields: ${Object.keys(schema).join(', ')})`, EXIT.usage);
    const raw = pair.slice(eq + 1) === '-' ? readStdin() : pair.slice(eq + 1);
    out[key] = typed(raw, field.type);
  }
  return out;
}

function typed(raw: string, type: string): unknown {
  if (type === 'int' && /^-?\d+$/.test(raw.trim())) return Number(raw.trim());
  if (type === 'bool' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
  return raw;
}

export async function configureCommand(id: string, pairs: string[], options: OutputOptions): Promise<void> {
  const result = await withCluster(async ({ admin }) => {
    const doc = await requireConnector(admin, id);
    const source = sourceFor(doc.service_type);
    const { configuration } = mergeSchema(doc.configuration ?? {}, source.configurationSchema());
    const values = parseAssignments(pairs, configuration);
    for (const [key, value] of Object.entries(values)) configuration[key] = { ...configuration[key]!, value };
    // Refused as a whole when a value given here is wrong; fields still empty are reported, not refused.
    const problems = validateConfiguration(configuration);
    const labels = new Set(Object.keys(values).flatMap((k) => [k, configuration[k]!.label]));
    const own = problems.filter((p) => [...labels].some((l) => l && p.includes(`"${l}"`)));
    if (own.length) throw new CliError(`not saved: ${own.join('; ')}`, EXIT.usage);
    await admin.setConfiguration(id, configuration);
    return { id, changed: Object.keys(values), remaining_problems: problems };
  });
  emit(options, result, () => [
    `connector ${id}: ${result.changed.join(', ')} saved`,
    ...result.remaining_problems.map((p) => `  still to do: ${p}`),
  ]);
}

/** A Quartz expression the scheduler accepts, or "off"; exit 2 otherwise. */
function scheduleValue(value: string | undefined, current: Schedule): Schedule | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === 'off') return { ...current, enabled: false };
  try {
    parseQuartz(value);
  } catch (err) {
    if (err instanceof CronError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  return { enabled: true, interval: value };
}

export async function scheduleCommand(id: string, options: OutputOptions & { full?: string; incremental?: string }): Promise<void> {
  if (options.full === undefined && options.incremental === undefined) throw new CliError('give --full and/or --incremental (a Quartz expression, or "off")', EXIT.usage);
  const view = await withCluster(async ({ admin }) => {
    const doc = await requireConnector(admin, id);
    const full = scheduleValue(options.full, doc.scheduling.full);
    const incremental = scheduleValue(options.incremental, doc.scheduling.incremental);
    if (incremental?.enabled && !doc.features?.incremental_sync?.enabled) {
      throw new CliError(`connector ${id} does not support incremental sync; run: connectors connector enable-incremental ${id}`, EXIT.usage);
    }
    await admin.setScheduling(id, doc.scheduling, { ...(full ? { full } : {}), ...(incremental ? { incremental } : {}) });
    return connectorView(id, (await admin.find(id))!);
  });
  emit(options, view.scheduling, () => `connector ${id}: full sync ${scheduleText(view.scheduling.full)}, incremental ${scheduleText(view.scheduling.incremental)}`);
}

export const DEFAULT_INCREMENTAL_INTERVAL = '0/5 * * * * ?';

export async function enableIncrementalCommand(id: string, options: OutputOptions & { interval: string }): Promise<void> {
  const view = await withCluster(async ({ admin }) => {
    const doc = await requireConnector(admin, id);
    const source = sourceFor(doc.service_type);
    if (!source.features().incremental_sync?.enabled) throw new CliError(`the ${source.displayName} source cannot sync incrementally`, EXIT.usage);
    const incremental = scheduleValue(options.interval, doc.scheduling.incremental)!;
    await admin.setFeatures(id, { ...doc.features, ...source.features() });
    await admin.setScheduling(id, doc.scheduling, { incremental });
    return connectorView(id, (await admin.find(id))!);
  });
  emit(options, view, () => `connector ${id}: incremental sync on, ${scheduleText(view.scheduling.incremental)} (the service says on the connector if the database cannot support it)`);
}

export async function deleteCommand(id: string, options: OutputOptions & { deleteIndex?: boolean }): Promise<void> {
  const result = await withCluster(async ({ admin, client }) => {
    const doc = await requireConnector(admin, id);
    await admin.delete(id);
    let indexDeleted = false;
    if (options.deleteIndex && doc.index_name) {
      await client.indices.delete({ index: doc.index_name, ignore_unavailable: true });
      indexDeleted = true;
    }
    return { id, deleted: true, index_name: doc.index_name ?? null, index_deleted: indexDeleted };
  });
  emit(options, result, () => `deleted connector ${id}${result.index_deleted ? ` and its index ${result.index_name}` : result.index_name ? ` (its index ${result.index_name} is kept; --delete-index removes it)` : ''}`);
}
