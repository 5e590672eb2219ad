import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import { newConnectorDoc } from '../../src/protocol/documents.js';
import type { ConnectorDoc, FilteringRules, SyncJobDoc } from '../../src/protocol/types.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { store, waitFor } from './runtime-harness.js';
export { deleteConnectors } from './connector-docs.js';
import { serviceSettings } from './services.js';

/** Helpers for running the real `postgresql` source through the protocol runtime. */

export interface PgConnectorOptions {
  database: string;
  /** The `tables` field as a user types it: `*` or a comma-separated list. */
  tables: string;
  username?: string;
  password?: string;
  schema?: string;
  fetchSize?: number;
  fetchBytes?: number;
}

/** A configured PostgreSQL connector, as Kibana leaves it after the user filled the form. */
export async function createPgConnector(client: Client, id: string, indexName: string, options: PgConnectorOptions): Promise<void> {
  const pg = serviceSettings().pg;
  const s = store(client);
  await s.ensureIndices();
  const doc = newConnectorDoc({ name: id, index_name: indexName, service_type: 'postgresql' });
  const schema = postgresqlSource.configurationSchema();
  schema.host!.value = pg.host;
  schema.port!.value = pg.port;
  schema.username!.value = options.username ?? pg.user;
  schema.password!.value = options.password ?? pg.password;
  schema.database!.value = options.database;
  schema.schema!.value = options.schema ?? 'public';
  schema.tables!.value = options.tables;
  if (options.fetchSize !== undefined) schema.fetch_size!.value = options.fetchSize;
  if (options.fetchBytes !== undefined) schema.fetch_bytes!.value = options.fetchBytes;
  doc.configuration = schema;
  doc.status = 'configured';
  doc.features = postgresqlSource.features();
  await s.putConnector(id, doc);
}

export async function connectorDoc(client: Client, id: string): Promise<ConnectorDoc> {
  const c = await store(client).getConnector(id);
  if (!c) throw new Error(`connector ${id} not found`);
  return c.doc;
}

/** Creates an on-demand full sync job and waits for it to end (in any final state). */
export async function runJob(client: Client, connectorId: string, timeoutMs = 30_000): Promise<SyncJobDoc & { id: string }> {
  const jobId = await store(client).createJob(connectorId, 'full', 'on_demand');
  const doc = await waitFor(
    `job ${jobId} of ${connectorId} to finish`,
    async () => {
      const j = await store(client).getJob(jobId);
      return j && ['completed', 'error', 'canceled'].includes(j.doc.status) ? j.doc : undefined;
    },
    timeoutMs,
  );
  return { ...doc, id: jobId };
}

/**
 * Edits the DEFAULT filtering draft the way Kibana does (whole `filtering`
 * array written back), guarded so a concurrent write by the service is not lost.
 */
export async function editDraft(client: Client, connectorId: string, edit: (draft: FilteringRules) => void): Promise<void> {
  await waitFor(`draft edit of ${connectorId}`, async () => {
    const c = await store(client).getConnector(connectorId);
    if (!c) throw new Error(`connector ${connectorId} not found`);
    const filtering = structuredClone(c.doc.filtering);
    const entry = filtering.find((f) => f.domain === 'DEFAULT') ?? filtering[0];
    if (!entry) throw new Error(`connector ${connectorId} has no filtering`);
    edit(entry.draft);
    return store(client).updateConnector(connectorId, { filtering }, c);
  });
}

/** The DEFAULT filtering entry of a connector. */
export async function filteringOf(client: Client, connectorId: string) {
  const doc = await connectorDoc(client, connectorId);
  const entry = doc.filtering.find((f) => f.domain === 'DEFAULT') ?? doc.filtering[0];
  if (!entry) throw new Error(`connector ${connectorId} has no filtering`);
  return entry;
}


/** Peak resident set size (VmHWM) of a Linux process, in KiB. */
export function peakRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]);
}
