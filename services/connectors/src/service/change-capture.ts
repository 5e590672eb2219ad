import { withContext, type Logger } from '../log/logger.js';
import { errorMessage } from '../log/redact.js';
import { lockField } from '../protocol/documents.js';
import type { ConnectorSelector, ProtocolStore } from '../protocol/store.js';
import type { ConnectorRecord } from '../protocol/types.js';
import { configurationValues } from '../sources/configuration.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { ChangeCapture } from '../sources/types.js';
import { replicationRetainedBytes } from './metrics.js';

/**
 * The runtime's side of incremental sync: whether a scheduled incremental job
 * has anything to do, and the chain's upkeep (retained WAL, a chain nobody
 * schedules any more).
 */

async function withCapture<T>(sources: SourceRegistry, connector: ConnectorRecord, log: Logger, fn: (c: ChangeCapture) => Promise<T>): Promise<T | undefined> {
  const factory = sources.get(connector.doc.service_type);
  if (!factory) return undefined;
  const source = factory.create(configurationValues(connector.doc.configuration), log);
  try {
    return source.capture ? await fn(source.capture) : undefined;
  } finally {
    await source.close().catch(() => undefined);
  }
}

/**
 * A due incremental slot creates a job only when it has work: changes wait in
 * the chain, or there is no chain yet. While a job runs or waits, none is added
 * (the running one streams). An idle connector thus writes no job documents.
 */
export async function incrementalHasWork(
  store: ProtocolStore,
  connector: ConnectorRecord,
  sources: SourceRegistry,
  log: Logger,
  thorough: boolean,
): Promise<boolean> {
  // The poll turns the feature off when the database cannot support it.
  if (!connector.doc.features?.incremental_sync?.enabled) return false;
  if (connector.doc[lockField('incremental')] === 'in_progress') return false;
  const waiting = await store.listRunnableJobs([connector.id], ['full', 'incremental']);
  if (waiting.length > 0) return false;
  // No chain yet: only the poll, right after its check of the connector, starts one.
  if (connector.doc.sync_cursor == null) return thorough;
  return (await withCapture(sources, connector, log, (c) => c.hasChanges(connector.doc.sync_cursor, { thorough }))) ?? false;
}

/**
 * With the incremental schedule off, the chain's slot would keep WAL for
 * nobody: it is dropped and the cursor cleared (never while a job runs).
 * Otherwise its retained WAL is measured.
 */
export async function tendChain(
  store: ProtocolStore,
  connector: ConnectorRecord,
  sources: SourceRegistry,
  log: Logger,
  warnBytes: number,
): Promise<string | null> {
  const cursor = connector.doc.sync_cursor;
  if (cursor == null) return null;
  const clog = withContext(log, { connector: { id: connector.id } });
  if (connector.doc.scheduling?.incremental?.enabled) {
    const retained = await withCapture(sources, connector, clog, (c) => c.retention(cursor));
    if (retained?.bytes == null) return null;
    replicationRetainedBytes.set({ connector: connector.id }, retained.bytes);
    if (retained.bytes < warnBytes && retained.state !== 'unreserved') return null;
    return `The change-capture slot keeps ${Math.round(retained.bytes / 1_048_576)} MiB of WAL on PostgreSQL (warning past ${Math.round(warnBytes / 1_048_576)} MiB${retained.state === 'unreserved' ? '; PostgreSQL is about to invalidate it' : ''}): incremental syncs are not keeping up or not running`;
  }
  if (connector.doc[lockField('full')] === 'in_progress') return null;
  try {
    await withCapture(sources, connector, clog, (c) => c.dropChain(cursor));
  } catch (err) {
    clog.warn({ err }, `could not drop the change-capture chain: ${errorMessage(err)}`);
    return null;
  }
  if (await store.updateConnector(connector.id, { sync_cursor: null }, connector)) {
    replicationRetainedBytes.remove({ connector: connector.id });
    clog.info('incremental schedule is off: change-capture chain dropped');
  }
  return null;
}

/** A soft-deleted connector's chain is dropped: nobody will read its slot again. */
export async function dropChainsOfDeleted(store: ProtocolStore, selector: ConnectorSelector, sources: SourceRegistry, log: Logger): Promise<number> {
  let dropped = 0;
  for (const connector of await store.listDeletedConnectors(selector)) {
    if (connector.doc.sync_cursor == null) continue;
    const clog = withContext(log, { connector: { id: connector.id } });
    try {
      await withCapture(sources, connector, clog, (c) => c.dropChain(connector.doc.sync_cursor));
    } catch (err) {
      clog.warn({ err }, `could not drop the change-capture chain of deleted connector ${connector.id}: ${errorMessage(err)}`);
      continue;
    }
    if (await store.updateConnector(connector.id, { sync_cursor: null }, connector)) {
      replicationRetainedBytes.remove({ connector: connector.id });
      clog.info(`connector ${connector.id} was deleted: change-capture chain dropped`);
      dropped++;
    }
  }
  return dropped;
}
