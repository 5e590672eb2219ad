import { errorMessage } from '../log/redact.js';
import type { JobStatus, JobType, SyncJobDoc } from './types.js';

/**
 * A sync job as the CLI's --json and the status page show it: stable field
 * names, every value checked, errors bounded and redacted, so nothing a
 * hand-edited job document holds passes through as is.
 */
export interface JobProgressView {
  table?: string;
  tables_done?: number;
  tables_total?: number;
  rows_read?: number;
  estimated_rows?: number;
}

export interface JobSummary {
  id: string;
  connector_id: string | null;
  job_type: JobType;
  trigger_method: string;
  status: JobStatus;
  created_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  last_seen: string | null;
  indexed_document_count: number;
  deleted_document_count: number;
  error: string | null;
  progress: JobProgressView | null;
}

/** Ids, names and tables longer than this are cut. */
export const MAX_NAME_CHARS = 300;

export const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
export const text = (v: unknown, max = MAX_NAME_CHARS): string | null => (typeof v === 'string' ? cut(v, max) : null);
export const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
export const message = (v: unknown): string | null => (typeof v === 'string' && v ? errorMessage(v) : null);

/** Only the known fields of `metadata.progress` (see JobProgress), each checked. */
function progressOf(metadata: unknown): JobProgressView | null {
  const p = (metadata as { progress?: unknown } | null | undefined)?.progress;
  if (!p || typeof p !== 'object') return null;
  const src = p as Record<string, unknown>;
  const out: JobProgressView = {};
  const table = text(src.table);
  if (table) out.table = table;
  for (const key of ['tables_done', 'tables_total', 'rows_read', 'estimated_rows'] as const) {
    const n = count(src[key]);
    if (n !== null) out[key] = n;
  }
  return Object.keys(out).length ? out : null;
}

export function jobSummary(id: string, d: SyncJobDoc): JobSummary {
  return {
    id,
    connector_id: text(d.connector?.id),
    job_type: d.job_type,
    trigger_method: d.trigger_method,
    status: d.status,
    created_at: d.created_at ?? null,
    started_at: d.started_at ?? null,
    completed_at: d.completed_at ?? null,
    last_seen: d.last_seen ?? null,
    indexed_document_count: count(d.indexed_document_count) ?? 0,
    deleted_document_count: count(d.deleted_document_count) ?? 0,
    error: message(d.error),
    progress: progressOf(d.metadata),
  };
}
