import type { Client } from '@elastic/elasticsearch';
import { errorMessage } from '../log/redact.js';
import { searchJobs, UNFINISHED_JOB_STATUSES } from '../protocol/jobs.js';
import type { ProtocolStore } from '../protocol/store.js';
import type { ConnectorDoc, JobRecord, JobStatus, SyncJobDoc } from '../protocol/types.js';
import { withStore } from './cluster.js';
import { EXIT } from './exit.js';

const TERMINAL_WORD: Partial<Record<JobStatus, string>> = { completed: 'completed', error: 'failed', canceled: 'canceled' };

/** 11043 → "11 043": readable at a glance, and unambiguous in any locale. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** "2026-12-01 15:26:57 UTC (3 min ago)" */
export function when(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  const ago = s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : s < 172_800 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 86_400)} days`;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC (${ago} ago)`;
}

/** The connector's last sync as its document records it (the service writes it when a job ends). */
export function lastSync(d: ConnectorDoc, now = Date.now()): string {
  const status = d.last_sync_status;
  if (!status && !d.last_synced) return 'never synced';
  const word = status ? TERMINAL_WORD[status] : undefined;
  if (status && !word) return `sync ${status.replace('_', ' ')}`;
  const at = d.last_synced ? ` ${when(d.last_synced, now)}` : '';
  return `last sync ${word ?? 'finished'}${at}, ${groupDigits(d.last_indexed_document_count ?? 0)} indexed, ${groupDigits(d.last_deleted_document_count ?? 0)} deleted`;
}

/** One connector's block: a summary line, its last error, its unfinished jobs. */
export function statusBlock(id: string, d: ConnectorDoc, latest: SyncJobDoc | null, running: JobRecord[], now = Date.now()): string[] {
  // A newer job without an error (one just queued) does not hide the previous failure.
  const lastError = latest?.error ?? d.last_sync_error;
  // The service copies a sync's error onto the connector: show it once.
  const connectorError = d.error && d.error !== lastError ? ` (${errorMessage(d.error)})` : '';
  const lines = [`${id}: ${d.status}${connectorError}; index ${d.index_name ?? '-'}; ${lastSync(d, now)}`];
  if (lastError) lines.push(`  last error: ${errorMessage(lastError)}`);
  for (const j of running) {
    lines.push(`  job ${j.id}: ${j.doc.status} (${j.doc.job_type}, ${j.doc.trigger_method}) indexed ${groupDigits(j.doc.indexed_document_count)}`);
  }
  return lines;
}

/** Prints the block of a connector; false when there is no such connector. */
async function printStatus(store: ProtocolStore, client: Client, id: string): Promise<boolean> {
  const connector = await store.getConnector(id);
  if (!connector) {
    console.error(`connector "${id}" not found`);
    return false;
  }
  const [latest, running] = await Promise.all([searchJobs(client, { connectorId: id, size: 1 }), store.listJobsByStatus(UNFINISHED_JOB_STATUSES, { connectorIds: [id] })]);
  console.log(statusBlock(id, connector.doc, latest[0]?.doc ?? null, running).join('\n'));
  return true;
}

/** Every id is shown even when one is unknown; an unknown one makes the exit status 1. */
export async function statusCommand(ids: string[]): Promise<void> {
  const missing = await withStore(async (store, client) => {
    let count = 0;
    for (const id of ids) if (!(await printStatus(store, client, id))) count++;
    return count;
  });
  if (missing) process.exitCode = EXIT.failed;
}
