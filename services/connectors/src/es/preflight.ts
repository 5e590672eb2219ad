import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import type { Logger } from '../log/logger.js';
import { errorMessage, redactText } from '../log/redact.js';
import { sleep } from '../util/sleep.js';
import { CLIENT_VERSION } from './client.js';

export interface ClusterInfo {
  version: string;
  buildFlavor?: string;
}

/** What stopped preflight, for code to tell apart (the message is for people). */
export type PreflightProblem = 'unreachable' | 'credentials' | 'forbidden' | 'tls' | 'version' | 'interrupted';

/**
 * Preflight refused to start the service. `message` says what happened (secret-free,
 * one line), `hint` what to do next; `cause` is the client error behind it, if any.
 */
export class PreflightError extends Error {
  override name = 'PreflightError';
  readonly problem: PreflightProblem | undefined;
  /** The next step, one sentence; undefined when the message already says it. */
  readonly hint: string | undefined;
  constructor(message: string, details: { problem?: PreflightProblem; hint?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.problem = details.problem;
    this.hint = details.hint;
  }
}

/**
 * The cluster's version. `GET /` is the usual source; the x-pack-less test
 * distribution has no handler for it, so fall back to the local node's info.
 * `timeoutMs` bounds each request (preflight keeps its attempts within its wait).
 */
export async function clusterInfo(client: Client, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ClusterInfo> {
  // One attempt each: the caller's wait loop does the retrying.
  const options = {
    maxRetries: 0,
    ...(opts.timeoutMs !== undefined ? { requestTimeout: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  try {
    const info = await client.info({}, options);
    return { version: info.version.number, buildFlavor: info.version.build_flavor };
  } catch (err) {
    if (!(err instanceof errors.ResponseError) || ![404, 405].includes(err.statusCode ?? 0)) throw err;
  }
  const nodes = await client.nodes.info({ node_id: '_local', metric: '_none', filter_path: 'nodes.*.version' }, options);
  const version = Object.values(nodes.nodes ?? {})[0]?.version;
  if (!version) throw new PreflightError('Elasticsearch did not report its version');
  return { version };
}

/** The client's node, without credentials: what messages name. */
function nodeUrl(client: Client): string {
  const url = client.connectionPool.connections[0]?.url;
  if (!url) return 'the configured URL';
  return redactText(`${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`);
}

/**
 * Credentials and certificates will not fix themselves: the error to stop
 * waiting with at once, or undefined when another attempt may succeed.
 */
function fatalError(err: unknown, url: string): PreflightError | undefined {
  if (err instanceof errors.ResponseError && err.statusCode === 401) {
    return new PreflightError(`Elasticsearch at ${url} refused the credentials (401)`, {
      problem: 'credentials',
      hint: 'Check ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD.',
      cause: err,
    });
  }
  if (err instanceof errors.ResponseError && err.statusCode === 403) {
    return new PreflightError(`Elasticsearch at ${url} denied access (${describeEsError(err)})`, {
      problem: 'forbidden',
      hint: 'Give the API key or user the privileges the service needs, or set other credentials (ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD).',
      cause: err,
    });
  }
  if (err instanceof errors.ConnectionError && /certificate|self.signed|CERT_/i.test(err.message)) {
    return new PreflightError(`Elasticsearch at ${url} presented a certificate this service does not trust (${describeEsError(err)})`, {
      problem: 'tls',
      hint: 'Set ELASTICSEARCH_CA_CERT to the CA that signed it, or check the host name in ELASTICSEARCH_URL.',
      cause: err,
    });
  }
  return undefined;
}

/** Why an attempt got no usable answer, in a few words ("connection refused"). */
export function unreachableReason(err: unknown): string {
  if (err instanceof errors.TimeoutError) return 'no answer in time';
  if (err instanceof errors.ConnectionError) {
    const text = err.message;
    if (/ECONNREFUSED/.test(text)) return 'connection refused';
    if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'host not found';
    if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'host unreachable';
    if (/ECONNRESET|socket hang up/i.test(text)) return 'connection reset';
  }
  return describeEsError(err);
}

/** Shortest attempt, so the last one (at the deadline) still has a chance to be answered. */
const MIN_ATTEMPT_MS = 1000;
/** Longest attempt when the caller does not pass its request timeout (the client's own default). */
const DEFAULT_ATTEMPT_MS = 30_000;
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 30_000;

/**
 * The pause before the next attempt: doubling from 1 s, at most 30 s, and never
 * past the end of the wait, so the last attempt happens at the deadline itself.
 * Undefined once the wait is over.
 */
export function nextPause(previousPauseMs: number | undefined, elapsedMs: number, maxWaitMs: number): number | undefined {
  const left = maxWaitMs - elapsedMs;
  if (left <= 0) return undefined;
  const pause = previousPauseMs === undefined ? FIRST_PAUSE_MS : Math.min(previousPauseMs * 2, MAX_PAUSE_MS);
  return Math.min(pause, left);
}

/** Seconds for a message: "20", "1.5". */
function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

/**
 * Asks Elasticsearch for its version until it answers or `maxWaitMs` has
 * passed: each attempt is bounded by `requestTimeoutMs` and by what is left of
 * the wait (at least 1 s), the last one is made at the deadline, so the whole
 * wait stays within about a second of `maxWaitMs`. Attempts are single
 * requests: the transport's retries would stretch the wait. Throws a
 * `PreflightError` when the wait is over, and at once on refused credentials
 * or an untrusted certificate.
 */
export async function waitForElasticsearch(
  client: Client,
  log: Logger,
  maxWaitMs: number,
  signal?: AbortSignal,
  opts: { requestTimeoutMs?: number } = {},
): Promise<ClusterInfo> {
  const started = Date.now();
  const url = nodeUrl(client);
  let pause: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const left = maxWaitMs - (Date.now() - started);
    // No wait at all (interactive commands): one attempt with the whole request timeout.
    const attemptMs = opts.requestTimeoutMs ?? DEFAULT_ATTEMPT_MS;
    const timeoutMs = maxWaitMs === 0 ? attemptMs : Math.min(attemptMs, Math.max(left, MIN_ATTEMPT_MS));
    try {
      return await clusterInfo(client, { timeoutMs, ...(signal ? { signal } : {}) });
    } catch (err) {
      const fatal = fatalError(err, url);
      if (fatal) throw fatal;
      const reason = unreachableReason(err);
      if (signal?.aborted) {
        throw new PreflightError(`start-up interrupted while waiting for Elasticsearch at ${url} (${reason})`, { problem: 'interrupted', cause: err });
      }
      pause = nextPause(pause, Date.now() - started, maxWaitMs);
      if (pause === undefined) {
        const waited = maxWaitMs > 0 ? ` after ${seconds(maxWaitMs)} s` : '';
        throw new PreflightError(`cannot reach Elasticsearch at ${url}${waited} (${reason})`, {
          problem: 'unreachable',
          hint: 'Start it (make services-up) or set ELASTICSEARCH_URL.',
          cause: err,
        });
      }
      log.warn({ attempt, retryInMs: pause }, `waiting for Elasticsearch at ${url}: ${reason}`);
      await sleep(pause, signal);
    }
  }
}

export interface VersionCheck {
  ok: boolean;
  /** Worth knowing, nothing to act on (same major.minor, patch differs). */
  info?: string;
  warning?: string;
  error?: string;
}

/**
 * Majors must match and the server's minor may not be older (D.9); a newer
 * minor warns; a patch-only difference is worth an info line, no more.
 */
export function checkVersion(serverVersion: string, clientVersion = CLIENT_VERSION): VersionCheck {
  const [sMaj, sMin, sPatch] = serverVersion.split(/[.-]/).map(Number);
  const [cMaj, cMin, cPatch] = clientVersion.split(/[.-]/).map(Number);
  if (sMaj !== cMaj) {
    return {
      ok: false,
      error: `Elasticsearch ${serverVersion} is not supported by client ${clientVersion}: the major versions must match (set ALLOW_ES_VERSION_MISMATCH=true to try anyway)`,
    };
  }
  if ((sMin ?? 0) < (cMin ?? 0)) {
    // D.9: a server older than the service may lack what the service relies on.
    return {
      ok: false,
      error: `Elasticsearch ${serverVersion} is older than client ${clientVersion}: upgrade Elasticsearch to ${cMaj}.${cMin} or later (set ALLOW_ES_VERSION_MISMATCH=true to try anyway)`,
    };
  }
  if (sMin !== cMin) {
    return { ok: true, warning: `Elasticsearch ${serverVersion} differs from client ${clientVersion} in minor version` };
  }
  if (sPatch !== cPatch) {
    return { ok: true, info: `Elasticsearch ${serverVersion}, client ${clientVersion}: same major.minor, patch differs` };
  }
  return { ok: true };
}

export async function preflight(
  client: Client,
  log: Logger,
  opts: { maxWaitMs: number; allowVersionMismatch: boolean; signal?: AbortSignal; requestTimeoutMs?: number },
): Promise<ClusterInfo> {
  const info = await waitForElasticsearch(client, log, opts.maxWaitMs, opts.signal, {
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
  });
  // Serverless has no versions to compare (D.9).
  const check: VersionCheck = info.buildFlavor === 'serverless' ? { ok: true } : checkVersion(info.version);
  if (!check.ok) {
    // The message already names the way out (ALLOW_ES_VERSION_MISMATCH).
    if (!opts.allowVersionMismatch) throw new PreflightError(check.error ?? `Elasticsearch ${info.version} is not supported`, { problem: 'version' });
    log.warn(check.error);
  } else if (check.warning) {
    log.warn(check.warning);
  } else if (check.info) {
    log.info(check.info);
  }
  log.info({ elasticsearch: { version: info.version }, client: CLIENT_VERSION }, `connected to Elasticsearch ${info.version}`);
  return info;
}

/** A short, secret-free description of an Elasticsearch client error. */
export function describeEsError(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = err.body as { error?: { type?: string; reason?: string } } | undefined;
    const reason = body?.error?.reason ?? body?.error?.type ?? err.message;
    return errorMessage(`${err.statusCode ?? ''} ${reason}`.trim());
  }
  // Callers already say it is about Elasticsearch: the driver's own words only.
  return errorMessage(err instanceof Error ? err.message : err);
}
