import { ConfigError, loadConfig, secretsOf, type Config } from './config/load.js';
import { createLogger } from './log/logger.js';
import { errorMessage, registerSecret } from './log/redact.js';
import { runService } from './service/app.js';
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

  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.signal.aborted) {
      log.warn(`second ${signal}: exiting without waiting for jobs`);
      process.exit(130);
    }
    log.info(`${signal} received: shutting down`);
    shutdown.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await runService(config, defaultSources(), log, shutdown.signal);
    log.info('stopped');
    return 0;
  } catch (err) {
    log.fatal({ err }, `service stopped: ${errorMessage(err)}`);
    return 1;
  } finally {
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
