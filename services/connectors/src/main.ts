import { ConfigError, loadConfig, secretsOf, type Config } from './config/load.js';
import { PreflightError } from './es/preflight.js';
import { HttpListenError } from './http/server.js';
import { createLogger, type Logger } from './log/logger.js';
import { errorMessage, redactText, registerSecret } from './log/redact.js';
import { runService, StartupError } from './service/app.js';
import { stopSignals } from './service/shutdown.js';
import { defaultSources } from './sources/index.js';

/** Entry point: config → logger → service, until SIGTERM/SIGINT. */
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
  const log = createLogger(config.logLevel, undefined, config.logFormat);

  const stop = stopSignals(log, config.shutdownTimeoutMs);

  try {
    await runService(config, defaultSources(), log, stop.signal);
    log.info('stopped');
    return 0;
  } catch (err) {
    // Stopped on purpose before start-up finished (Ctrl-C while waiting for Elasticsearch): not a failure.
    if (err instanceof PreflightError && err.problem === 'interrupted') {
      log.info(`stopped before start-up completed: ${err.message}`);
      return 0;
    }
    logFailure(log, err);
    return 1;
  } finally {
    stop.dispose();
    log.flush();
  }
}

/**
 * A start-up failure the service knows (Elasticsearch unreachable or refusing,
 * the HTTP port taken, nothing to serve) as one line: what happened, then what
 * to do. Undefined for anything else.
 */
function startupFailure(err: unknown): string | undefined {
  if (err instanceof PreflightError || err instanceof HttpListenError) {
    return redactText(err.hint ? `${err.message}. ${err.hint}` : err.message);
  }
  if (err instanceof StartupError) return redactText(err.message);
  return undefined;
}

/**
 * One fatal line. A known start-up failure is reported by its line alone, its
 * stack only at debug level (the line already says what to do); anything
 * unexpected keeps its stack.
 */
function logFailure(log: Logger, err: unknown): void {
  const line = startupFailure(err);
  if (line === undefined) log.fatal({ err }, `service stopped: ${errorMessage(err)}`);
  else if (log.isLevelEnabled('debug')) log.fatal({ err }, line);
  else log.fatal(line);
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
