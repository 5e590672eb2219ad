import { Transport, errors, type TransportRequestOptions, type TransportRequestParams } from '@elastic/transport';
import { sleep } from '../util/sleep.js';

/** Retry budget and pacing; set once per client by `createEsClient`. */
export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** The cluster refused the request before doing anything with it: always safe to send again. */
const REJECTED = new Set([429, 503]);
/** A proxy or node gave up mid-way: the request may have run, so only reads are repeated. */
const GATEWAY = new Set([502, 504]);
const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/;

/** Whether `err` is worth another attempt of a request with this method and path. */
export function isRetryable(err: unknown, method: string, path: string): boolean {
  const safe = SAFE_METHODS.has(method) || path.endsWith('/_search') || path.endsWith('/_count');
  // Bulk writes carry their ids (and versions for deletes): sending them twice changes nothing.
  const repeatable = safe || path.endsWith('/_bulk');
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    return REJECTED.has(status) || (GATEWAY.has(status) && repeatable);
  }
  if (err instanceof errors.NoLivingConnectionsError) return true;
  if (err instanceof errors.ConnectionError) {
    // Refused or unresolvable: the request never left. A reset after sending may
    // have run it, so only reads, and bulk writes (ids and versions make them
    // repeatable), are sent again.
    return repeatable || NOT_SENT.test(`${err.message} ${String((err.cause as { code?: string } | undefined)?.code ?? '')}`);
  }
  // A bulk that timed out may still run later, after a retry and after the next
  // batch: incremental changes would land out of order. Only reads are repeated.
  if (err instanceof errors.TimeoutError) return safe;
  return false;
}

/** Exponential back-off with full jitter, so replicas that failed together do not retry together. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * The official transport retries 502-504 at once and 429 not at all. Every
 * request of ours goes through this instead: rejections (429, 503), connection
 * failures and, for reads, gateway errors and timeouts are retried with
 * back-off; writes that may have run are not repeated blindly.
 */
export function retryingTransport(policy: RetryPolicy): typeof Transport {
  return class RetryingTransport extends Transport {
    // One implementation for both overloads of `request`.
    override async request(params: TransportRequestParams, options: TransportRequestOptions = {}): Promise<never> {
      // A per-request `maxRetries` (preflight's own wait loop passes 0) overrides the policy.
      const retries = typeof options.maxRetries === 'number' ? options.maxRetries : policy.retries;
      for (let attempt = 0; ; attempt++) {
        try {
          return (await super.request(params, { ...options, maxRetries: 0 } as never)) as never;
        } catch (err) {
          if (attempt >= retries || options.signal?.aborted || !isRetryable(err, params.method, params.path)) throw err;
          await sleep(backoffMs(attempt, policy), options.signal ?? undefined, { rejectOnAbort: true });
        }
      }
    }
  };
}
