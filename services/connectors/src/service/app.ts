import type { Config } from '../config/load.js';
import { createEsClient } from '../es/client.js';
import { preflight } from '../es/preflight.js';
import { startHttpServer, type HttpServer } from '../http/server.js';
import { StatusApi } from '../http/status/api.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../log/redact.js';
import { createProtocolStore } from '../protocol/detect.js';
import type { SourceRegistry } from '../sources/registry.js';
import { ConnectorRuntime, type RuntimeSettings } from './runtime.js';
import { sleep } from '../util/sleep.js';

export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * The whole service: health endpoint, preflight (D.9), protocol backend, then
 * the runtime until `signal` aborts. Resolves once everything is stopped and
 * every running job has been suspended.
 */
export async function runService(
  config: Config,
  sources: SourceRegistry,
  log: Logger,
  signal: AbortSignal,
  overrides: Partial<RuntimeSettings> = {},
): Promise<void> {
  if (!config.connectors.length && !config.serviceTypes.length) {
    throw new StartupError('No connectors to serve: set CONNECTOR_IDS (or a connectors list in the YAML file), or CONNECTORS_SERVICE_TYPES for worker mode');
  }
  for (const type of config.serviceTypes) {
    if (!sources.get(type)) throw new StartupError(`CONNECTORS_SERVICE_TYPES: unknown service type "${type}" (known: ${sources.types().join(', ')})`);
  }
  const client = createEsClient(config.elasticsearch);
  let runtime: ConnectorRuntime | undefined;
  let ready = false;
  let http: HttpServer | undefined;
  // The status page answers once the runtime exists; until then it says the service is starting.
  let statusApi: StatusApi | undefined;
  try {
    if (config.http.port > 0) {
      http = await startHttpServer(
        config.http,
        () => ({
          live: true,
          ready: ready && runtime?.status.lastPollError == null && runtime?.serviceProblem() === null,
          details: runtime ? { ...runtime.status } : { phase: 'starting' },
        }),
        log,
        () => statusApi,
      );
    }
    await preflight(client, log, {
      maxWaitMs: config.elasticsearch.maxWaitMs,
      allowVersionMismatch: config.elasticsearch.allowVersionMismatch,
      requestTimeoutMs: config.elasticsearch.requestTimeoutMs,
      signal,
    });
    const store = await createProtocolStore(client, config.protocol, log);
    await ensureIndicesWithRetry(() => store.ensureIndices(), log, signal);
    if (signal.aborted) return;

    runtime = new ConnectorRuntime(store, client, sources, { ...config, ...overrides }, log);
    runtime.start();
    const served = runtime;
    statusApi = new StatusApi({
      store,
      client,
      listServed: () => served.listServed(),
      sources,
      actions: config.statusPageActions,
      allowedHosts: config.statusPageHosts,
      problem: () => served.serviceProblem(),
      wakeJobs: () => served.wakeJobs(),
    });
    ready = true;
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    log.info('stopping: suspending running jobs');
    await runtime.stop();
  } finally {
    await http?.close();
    await client.close();
  }
}

/** The connector indices may be briefly unavailable right after a cluster starts (D.9: 10 tries). */
async function ensureIndicesWithRetry(fn: () => Promise<void>, log: Logger, signal: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 10 || signal.aborted) throw err;
      log.warn(`connector indices not ready (attempt ${attempt}/10): ${errorMessage(err)}`);
      await sleep(Math.min(1000 * attempt, 10_000), signal);
      if (signal.aborted) return;
    }
  }
}
