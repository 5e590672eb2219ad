import { ConfigError, loadConfig, secretsOf, type Config } from './config/load.js';
import { createEsClient } from './es/client.js';
import { preflight } from './es/preflight.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { createLogger, type Logger } from './log/logger.js';
import { errorMessage, registerSecret } from './log/redact.js';

/** Entry point: config → logger → Elasticsearch preflight → service loops, until a signal. */
async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  secretsOf(config).forEach(registerSecret);
  const log: Logger = createLogger(config.logLevel);
  const client = createEsClient(config.elasticsearch);

  const shutdown = new AbortController();
  let ready = false;
  let http: HttpServer | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.signal.aborted) {
      log.warn(`second ${signal}: exiting now`);
      process.exit(130);
    }
    log.info(`${signal} received: shutting down`);
    shutdown.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    if (config.http.port > 0) {
      http = await startHttpServer(config.http, () => ({ live: true, ready, details: {} }), log);
    }
    await preflight(client, log, {
      maxWaitMs: config.elasticsearch.maxWaitMs,
      allowVersionMismatch: config.elasticsearch.allowVersionMismatch,
      signal: shutdown.signal,
    });
    ready = true;
    await new Promise<void>((resolve) => shutdown.signal.addEventListener('abort', () => resolve(), { once: true }));
    return 0;
  } catch (err) {
    log.fatal({ err }, `service stopped: ${errorMessage(err)}`);
    return 1;
  } finally {
    await http?.close();
    await client.close();
    log.info('stopped');
    log.flush();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
