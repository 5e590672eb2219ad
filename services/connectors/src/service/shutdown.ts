import type { Logger } from '../log/logger.js';

/**
 * SIGTERM and SIGINT abort the returned signal: the service stops gracefully,
 * suspending its running jobs. A second signal exits at once. So does a stop
 * that outlasts `timeoutMs`: suspending a job writes to Elasticsearch, and a
 * cluster that does not answer must not keep the process past the
 * orchestrator's SIGKILL; cleanup ends any job left running.
 */
export function stopSignals(log: Logger, timeoutMs: number): { signal: AbortSignal; dispose(): void } {
  const shutdown = new AbortController();
  let deadline: NodeJS.Timeout | undefined;
  const exit = (code: number, message: string) => {
    log.error(message);
    log.flush();
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.signal.aborted) exit(130, `second ${signal}: exiting without waiting for jobs`);
    log.info(`${signal} received: shutting down`);
    shutdown.abort();
    deadline = setTimeout(() => exit(1, `stop took longer than ${timeoutMs / 1000} s (CONNECTORS_SHUTDOWN_TIMEOUT): exiting; cleanup will end any job left running`), timeoutMs);
    deadline.unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Once the service has stopped, whatever still holds the process is not a stop that took too long.
  return { signal: shutdown.signal, dispose: () => clearTimeout(deadline) };
}
