#!/usr/bin/env node
import { Command, Option } from 'commander';
import { EXIT_CODES_HELP, exitFor } from './exit.js';
import { DEFAULT_MAX_WAIT_S, setupCommand } from './setup-command.js';
import { statusCommand } from './status.js';
import { SYNC_TYPES, syncCommand } from './sync.js';

/** `connectors`: set-up and everyday operations from a terminal. */
const program = new Command('connectors')
  .description('pg-es-connectors command line')
  .showHelpAfterError('(add --help for usage and exit codes)')
  // Usage errors are thrown instead of exiting with commander's 1, so they can exit 2.
  .exitOverride();

program
  .command('setup')
  .description(
    'Register the PostgreSQL connector (API key, configuration, schedule, first sync, Kibana data view); idempotent. ' +
      `Waits up to ELASTICSEARCH_MAX_WAIT seconds (default ${DEFAULT_MAX_WAIT_S}) for Elasticsearch`,
  )
  .action(setupCommand);

program
  .command('sync')
  .description('Queue an on-demand sync job for a connector (does not wait for Elasticsearch)')
  .argument('<connector-id>')
  .addOption(new Option('-t, --type <type>', 'job type').choices(SYNC_TYPES).default('full'))
  .action(syncCommand);

program
  .command('status')
  .description('Show connectors, their last sync and error, and unfinished jobs (does not wait for Elasticsearch)')
  .argument('<connector-id...>')
  .action(statusCommand);

program.addHelpText('after', EXIT_CODES_HELP);
for (const command of program.commands) command.addHelpText('after', EXIT_CODES_HELP);

program.parseAsync().catch((err: unknown) => {
  const { message, code } = exitFor(err);
  if (message) console.error(message);
  process.exitCode = code;
});
