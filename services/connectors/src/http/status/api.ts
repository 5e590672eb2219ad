import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { contentSearchRequest, MAX_QUERY_CHARS } from '../../es/search.js';
import type { estypes } from '@elastic/elasticsearch';
import { errorMessage } from '../../log/redact.js';
import { count, cut, jobSummary, MAX_NAME_CHARS, message, text, type JobSummary } from '../../protocol/job-view.js';
import { cancelJob, recentJobs, UNFINISHED_JOB_STATUSES } from '../../protocol/jobs.js';
import type { ProtocolStore } from '../../protocol/store.js';
import type { ConnectorRecord, JobRecord, JobStatus, JobType, Schedule } from '../../protocol/types.js';
import { OnDemandRefused, queueOnDemandJob } from '../../service/on-demand.js';
import { nextRun } from '../../service/schedule/quartz.js';
import type { SourceRegistry } from '../../sources/registry.js';
import { DEFAULT_ALLOWED_HOSTS } from './routes.js';

/** Where the status page's answers come from: the running service's own objects. */
export interface StatusSources {
  store: ProtocolStore;
  client: Client;
  /** The connectors this process serves, read now. */
  listServed(): Promise<ConnectorRecord[]>;
  /** The sources this process runs: what a connector's type can do. */
  sources: SourceRegistry;
  /** Whether the page may start syncs and cancel jobs (STATUS_PAGE_ACTIONS). */
  actions: boolean;
  /** Host names the page answers to (the Host header), beyond localhost, 127.0.0.1 and [::1]. */
  allowedHosts?: string[];
  /** What keeps the service from working, as its connectors show it; null when nothing. */
  problem?(): string | null;
  /** Starts job pickup now rather than at the next poll (after "sync now"). */
  wakeJobs?(): void;
}

/** An answer other than 200, with a message for the page. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ScheduleView {
  enabled: boolean;
  interval: string | null;
  /** The next slot of an enabled schedule, when its expression is valid. */
  next_run: string | null;
}

export interface ConnectorSummary {
  id: string;
  name: string;
  service_type: string | null;
  status: string;
  index_name: string | null;
  error: string | null;
  incremental_sync: boolean;
  scheduling: { full: ScheduleView; incremental: ScheduleView };
  last_seen: string | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
  last_synced: string | null;
  last_indexed_document_count: number | null;
  last_deleted_document_count: number | null;
  running: JobSummary[];
  recent: JobSummary[];
}

export interface StatusReport {
  service: { actions: boolean; problem: string | null; generated_at: string };
  connectors: ConnectorSummary[];
}

export interface SearchSegment {
  text: string;
  match: boolean;
}

export interface SearchHit {
  _id: string;
  _score: number | null;
  title: string | null;
  highlight: { field: string; fragments: SearchSegment[][] }[];
}

export interface SearchAnswer {
  connector: string;
  index: string;
  total: number;
  /** `gte` when there are more than the count says (the count stops at 10 000). */
  total_relation: 'eq' | 'gte';
  took_ms: number;
  hits: SearchHit[];
  note?: string;
}

export const RECENT_JOBS = 10;
export const MAX_SEARCH_SIZE = 50;
const MAX_TITLE_CHARS = 200;
const MAX_HIGHLIGHT_FIELDS = 4;
const STATUS_TTL_MS = 700;
const MAPPING_TTL_MS = 60_000;

// Private-use characters as highlight tags: split on, never rendered as markup.
const PRE_TAG = '\uE000';
const POST_TAG = '\uE001';
const TAG_CHARS = /[\uE000\uE001]/g;

/** Field names that read like a document's title, best first. */
const TITLE_NAMES = [/(^|[_.-])title$/i, /(^|[_.-])name$/i, /(^|[_.-])subject$/i, /(^|[_.-])headline$/i, /(^|[_.-])label$/i];


function scheduleView(s: Schedule | undefined, now: Date): ScheduleView {
  const enabled = s?.enabled === true;
  const interval = text(s?.interval);
  let next: string | null = null;
  if (enabled && interval) {
    try {
      next = nextRun(interval, now)?.toISOString() ?? null;
    } catch {
      // An invalid expression shows as the connector's error; the page shows the text as it is.
    }
  }
  return { enabled, interval, next_run: next };
}

/**
 * A connector as the page may show it. Built field by field: `configuration`
 * (passwords included), API key ids and sync cursors never leave the service.
 */
export function connectorSummary(c: ConnectorRecord, running: JobRecord[], recent: JobRecord[], now = new Date()): ConnectorSummary {
  const d = c.doc;
  return {
    id: c.id,
    name: text(d.name) ?? c.id,
    service_type: text(d.service_type),
    status: text(d.status) ?? 'unknown',
    index_name: text(d.index_name),
    error: message(d.error),
    incremental_sync: d.features?.incremental_sync?.enabled === true,
    scheduling: { full: scheduleView(d.scheduling?.full, now), incremental: scheduleView(d.scheduling?.incremental, now) },
    last_seen: text(d.last_seen),
    last_sync_status: text(d.last_sync_status),
    last_sync_error: message(d.last_sync_error),
    last_synced: text(d.last_synced),
    last_indexed_document_count: count(d.last_indexed_document_count),
    last_deleted_document_count: count(d.last_deleted_document_count),
    running: running.map((j) => jobSummary(j.id, j.doc)),
    recent: recent.map((j) => jobSummary(j.id, j.doc)),
  };
}

/** Splits a fragment highlighted with PRE_TAG/POST_TAG into plain and matching runs. */
export function highlightSegments(fragment: string): SearchSegment[] {
  const out: SearchSegment[] = [];
  const push = (t: string, match: boolean) => {
    if (t) out.push({ text: t, match });
  };
  const [first = '', ...rest] = fragment.split(PRE_TAG);
  push(first.replace(TAG_CHARS, ''), false);
  for (const part of rest) {
    const end = part.indexOf(POST_TAG);
    if (end < 0) {
      push(part.replace(TAG_CHARS, ''), true);
      continue;
    }
    push(part.slice(0, end), true);
    push(part.slice(end + 1).replace(TAG_CHARS, ''), false);
  }
  return out;
}

/** The best title-like field of a content index's mapping, among text and keyword fields. */
export function titleField(properties: Record<string, estypes.MappingProperty>): string | null {
  const names = Object.keys(properties).filter((k) => {
    const type = (properties[k] as { type?: string }).type;
    return type === 'text' || type === 'keyword' || type === 'match_only_text';
  });
  for (const pattern of TITLE_NAMES) {
    const found = names.find((n) => pattern.test(n));
    if (found) return found;
  }
  return names.find((n) => (properties[n] as { type?: string }).type === 'text') ?? null;
}

const isEsError = (err: unknown) =>
  err instanceof errors.ResponseError || err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError;

/** An Elasticsearch failure as the page sees it: 502, with what Elasticsearch said. */
function upstream(err: unknown): never {
  if (err instanceof ApiError) throw err;
  if (isEsError(err)) throw new ApiError(502, `Elasticsearch: ${errorMessage(err)}`);
  throw err;
}

/** Answers of the status page's JSON endpoints. */
export class StatusApi {
  private statusCache: { at: number; value: Promise<StatusReport> } | null = null;
  private readonly titleFields = new Map<string, { at: number; field: string | null }>();

  constructor(private readonly src: StatusSources) {}

  get allowedHosts(): string[] {
    return [...DEFAULT_ALLOWED_HOSTS, ...(this.src.allowedHosts ?? []).map((h) => h.toLowerCase())];
  }

  get actions(): boolean {
    return this.src.actions;
  }

  /** GET /api/status. Requests within STATUS_TTL_MS share one read: many open pages cost what one does. */
  status(): Promise<StatusReport> {
    const now = Date.now();
    if (!this.statusCache || now - this.statusCache.at > STATUS_TTL_MS) {
      const value = this.readStatus();
      this.statusCache = { at: now, value };
      // A failed read is not kept for the next caller.
      value.catch(() => {
        if (this.statusCache?.value === value) this.statusCache = null;
      });
    }
    return this.statusCache.value.catch(upstream);
  }

  private async readStatus(): Promise<StatusReport> {
    const connectors = (await this.src.listServed()).sort((a, b) => a.id.localeCompare(b.id));
    const ids = connectors.map((c) => c.id);
    const [unfinished, recent] = await Promise.all([
      ids.length ? this.src.store.listJobsByStatus(UNFINISHED_JOB_STATUSES, { connectorIds: ids }) : Promise.resolve([]),
      recentJobs(this.src.client, ids, RECENT_JOBS),
    ]);
    const now = new Date();
    return {
      service: { actions: this.src.actions, problem: message(this.src.problem?.() ?? null), generated_at: now.toISOString() },
      connectors: connectors.map((c) =>
        connectorSummary(
          c,
          unfinished.filter((j) => j.doc.connector?.id === c.id),
          recent.get(c.id) ?? [],
          now,
        ),
      ),
    };
  }

  private async servedConnector(id: string): Promise<ConnectorRecord> {
    const served = await this.src.listServed().catch(upstream);
    const connector = served.find((c) => c.id === id);
    if (!connector) throw new ApiError(404, `connector "${cut(id, MAX_NAME_CHARS)}" is not served by this process`);
    return connector;
  }

  /** GET /api/search?connector=&q=&size= */
  async search(params: URLSearchParams): Promise<SearchAnswer> {
    const id = params.get('connector');
    if (!id) throw new ApiError(400, 'connector is required');
    const q = (params.get('q') ?? '').trim();
    if (!q) throw new ApiError(400, 'q is required: the text to search for');
    if (q.length > MAX_QUERY_CHARS) throw new ApiError(400, `q is too long: at most ${MAX_QUERY_CHARS} characters`);
    const sizeText = params.get('size');
    const size = sizeText === null || sizeText === '' ? 10 : Number(sizeText);
    if (!Number.isInteger(size) || size < 1) throw new ApiError(400, `size must be a whole number from 1 to ${MAX_SEARCH_SIZE}`);
    const connector = await this.servedConnector(id);
    const index = connector.doc.index_name;
    if (!index) throw new ApiError(409, `connector "${id}" has no index yet`);
    const empty = (note: string): SearchAnswer => ({ connector: id, index, total: 0, total_relation: 'eq', took_ms: 0, hits: [], note });

    let title: string | null;
    try {
      title = await this.titleFieldOf(index);
    } catch (err) {
      if (err instanceof errors.ResponseError && err.statusCode === 404) return empty('the index does not exist yet: no sync has written to it');
      return upstream(err);
    }
    let res: estypes.SearchResponse<Record<string, unknown>>;
    try {
      res = await this.src.client.search<Record<string, unknown>>(
        contentSearchRequest(index, q, Math.min(size, MAX_SEARCH_SIZE), { pre: PRE_TAG, post: POST_TAG }, title ? [title] : false),
        { requestTimeout: 15_000, maxRetries: 0 },
      );
    } catch (err) {
      if (err instanceof errors.ResponseError && err.statusCode === 404) return empty('the index does not exist yet: no sync has written to it');
      // The query itself was refused (too many fields, a limit): the user's to change, not a service failure.
      if (err instanceof errors.ResponseError && err.statusCode === 400) throw new ApiError(400, `Elasticsearch refused this search: ${errorMessage(err)}`);
      return upstream(err);
    }
    const total = res.hits.total;
    return {
      connector: id,
      index,
      total: typeof total === 'number' ? total : (total?.value ?? res.hits.hits.length),
      total_relation: typeof total === 'object' && total.relation === 'gte' ? 'gte' : 'eq',
      took_ms: res.took,
      hits: res.hits.hits.map((h) => {
        const value = title ? h._source?.[title] : undefined;
        return {
          _id: h._id ?? '',
          _score: h._score ?? null,
          title: typeof value === 'string' || typeof value === 'number' ? cut(String(value), MAX_TITLE_CHARS) : null,
          highlight: Object.entries(h.highlight ?? {})
            .slice(0, MAX_HIGHLIGHT_FIELDS)
            .map(([field, fragments]) => ({ field, fragments: fragments.map(highlightSegments) })),
        };
      }),
    };
  }

  private async titleFieldOf(index: string): Promise<string | null> {
    const cached = this.titleFields.get(index);
    if (cached && Date.now() - cached.at < MAPPING_TTL_MS) return cached.field;
    const res = await this.src.client.indices.getMapping({ index });
    // An alias may name several indices: the first one's fields will do for a title.
    const properties = Object.values(res)[0]?.mappings?.properties ?? {};
    const field = titleField(properties);
    this.titleFields.set(index, { at: Date.now(), field });
    return field;
  }

  private requireActions(): void {
    if (!this.src.actions) throw new ApiError(403, 'the status page is read-only: set STATUS_PAGE_ACTIONS=true to start syncs and cancel jobs from it');
  }

  /** POST /api/connectors/:id/sync with {job_type}: an on-demand job, as Kibana's Sync button makes. */
  async syncNow(connectorId: string, body: unknown): Promise<{ job_id: string; job_type: JobType; connector: string }> {
    this.requireActions();
    const requested = (body as { job_type?: unknown } | null)?.job_type ?? 'full';
    if (requested !== 'full' && requested !== 'incremental') throw new ApiError(400, 'job_type must be "full" or "incremental"');
    await this.servedConnector(connectorId);
    try {
      let jobId: string;
      try {
        jobId = await queueOnDemandJob(this.src.store, this.src.sources, connectorId, requested);
      } catch (err) {
        if (err instanceof OnDemandRefused) throw new ApiError(err.refusal.kind === 'not_found' ? 404 : 409, errorMessage(err.message));
        throw err;
      }
      this.statusCache = null;
      this.src.wakeJobs?.();
      return { job_id: jobId, job_type: requested, connector: connectorId };
    } catch (err) {
      return upstream(err);
    }
  }

  /** POST /api/jobs/:id/cancel */
  async cancel(jobId: string): Promise<{ job_id: string; status: JobStatus }> {
    this.requireActions();
    try {
      const job = await this.src.store.getJob(jobId);
      const served = job ? (await this.src.listServed()).some((c) => c.id === job.doc.connector?.id) : false;
      if (!job || !served) throw new ApiError(404, `job "${cut(jobId, MAX_NAME_CHARS)}" is not a job of a connector this process serves`);
      const outcome = await cancelJob(this.src.store, jobId);
      this.statusCache = null;
      switch (outcome.kind) {
        case 'not_found':
          throw new ApiError(404, `job "${jobId}" no longer exists`);
        case 'finished':
          throw new ApiError(409, `job "${jobId}" has already ended (${outcome.status})`);
        default:
          return { job_id: jobId, status: outcome.job.doc.status };
      }
    } catch (err) {
      return upstream(err);
    }
  }
}
