// The real service entry with the fake source registered beside PostgreSQL:
// what the runtime tests start as separate processes.
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { runService } from '../../src/service/app.js';
import { stopSignals } from '../../src/service/shutdown.js';
import { SourceRegistry } from '../../src/sources/registry.js';
import { postgresqlSource } from '../../src/sources/postgresql/index.js';
import { fakeSource } from './fake-source.js';

const config = loadConfig({ envFiles: false });
const log = createLogger(config.logLevel);
const stop = stopSignals(log, config.shutdownTimeoutMs);
const ms = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
// A test may register the fake source under a type of its own (worker-mode tests).
const extra = process.env.TEST_FAKE_TYPE ? [{ ...fakeSource, serviceType: process.env.TEST_FAKE_TYPE }] : [];
runService(config, new SourceRegistry([fakeSource, postgresqlSource, ...extra]), log, stop.signal, {
  ...(ms('TEST_JOB_REPORT_MS') ? { jobReportIntervalMs: ms('TEST_JOB_REPORT_MS') } : {}),
  ...(ms('TEST_JOB_CHECK_MS') ? { jobCheckIntervalMs: ms('TEST_JOB_CHECK_MS') } : {}),
})
  .then(
    () => log.info('fake service exited'),
    (err: unknown) => {
      log.fatal({ err }, 'fake service failed');
      process.exitCode = 1;
    },
  )
  .finally(() => stop.dispose());
