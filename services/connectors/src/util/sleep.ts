/**
 * Waits `ms`, or until `signal` aborts. The abort listener is removed when
 * the timer fires: long-lived signals would otherwise collect one per call.
 */
export function sleep(ms: number, signal?: AbortSignal, options: { rejectOnAbort?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const settleAborted = () => {
      if (options.rejectOnAbort) reject(signal?.reason as Error);
      else resolve();
    };
    // Already aborted: no timer to set (and none to clear).
    if (signal?.aborted) return settleAborted();
    const abort = () => {
      clearTimeout(timer);
      settleAborted();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
