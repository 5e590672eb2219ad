#!/usr/bin/env node
import { Command, Option } from 'commander';
import { createCommand, configureCommand, DEFAULT_INCREMENTAL_INTERVAL, deleteCommand, enableIncrementalCommand, getCommand, listCommand, scheduleCommand } from './connector-commands.js';
import { EXIT_CODES_HELP, exitFor } from './exit.js';
import { indexCountCommand, indexSearchCommand } from './index-commands.js';
import { DEFAULT_MAX_WAIT_S, setupCommand } from './setup-command.js';
import { statusCommand } from './status.js';
import { SYNC_TYPES, syncCancelCommand, syncListCommand, syncStartCommand, syncWatchCommand } from './sync.js';

/** `connectors`: set-up and everyday operations from a terminal. */
const program = new Command('connectors')
  .description('pg-es-connectors command line: manage connectors, run and watch syncs, search what they indexed')
  .showHelpAfterError('(add --help for usage and exit codes)')
  // Usage errors are thrown instead of exiting with commander's 1, so they can exit 2.
  .exitOverride();

const json = () => new Option('--json', 'print one JSON document (stable field names) instead of text');

program
  .command('setup')
  .description(
    'Register the PostgreSQL connector (API key, configuration, schedule, first sync, Kibana data view); idempotent. ' +
      `Waits up to ELASTICSEARCH_MAX_WAIT seconds (default ${DEFAULT_MAX_WAIT_S}) for Elasticsearch`,
  )
  .action(setupCommand);

const connector = program.command('connector').description('Create, configure, schedule and delete connectors');
connector.command('list').description('Every connector').addOption(json()).action(listCommand);
connector.command('get').description('One connector: status, schedules, last sync, configuration (secrets masked)').argument('<id>').addOption(json()).action(getCommand);
connector
  .command('create')
  .description('A new connector with its source\'s configuration form (fill it with `connector configure`)')
  .argument('<id>')
  .requiredOption('--index-name <name>', 'the index it writes to')
  .option('--name <name>', 'display name (default: the id)')
  .option('--service-type <type>', 'data source', 'postgresql')
  .addOption(json())
  .action(createCommand);
connector
  .command('configure')
  .description('Set configuration fields, e.g. host=db port=5432 password=- (a value of - is read from stdin)')
  .argument('<id>')
  .argument('<key=value...>')
  .addOption(json())
  .action(configureCommand);
connector
  .command('schedule')
  .description('Set the full and incremental schedules (Quartz cron, e.g. "0 0 3 * * ?", or "off")')
  .argument('<id>')
  .option('--full <cron>', 'full sync schedule, or off')
  .option('--incremental <cron>', 'incremental sync schedule, or off')
  .addOption(json())
  .action(scheduleCommand);
connector
  .command('enable-incremental')
  .description('Turn incremental sync on: the feature, and its schedule')
  .argument('<id>')
  .option('--interval <cron>', 'incremental schedule', DEFAULT_INCREMENTAL_INTERVAL)
  .addOption(json())
  .action(enableIncrementalCommand);
connector
  .command('delete')
  .description('Delete a connector and its jobs (the service drops its replication slot)')
  .argument('<id>')
  .option('--delete-index', 'also delete the index it wrote to')
  .addOption(json())
  .action(deleteCommand);

const sync = program.command('sync').description('Start, watch, list and cancel sync jobs');
sync
  .command('start')
  .description('Queue an on-demand sync job; --wait follows it to the end (exit 0 completed, 1 failed or canceled)')
  .argument('<connector-id>')
  .addOption(new Option('-t, --type <type>', 'job type').choices(SYNC_TYPES).default('full'))
  .option('-w, --wait', 'follow the job: a progress bar on a terminal, progress lines otherwise, then a summary')
  .addOption(json())
  .action(syncStartCommand);
sync.command('watch').description('Follow a job to its end, as start --wait does').argument('<job-id>').addOption(json()).action(syncWatchCommand);
sync.command('cancel').description('Cancel a pending, running or suspended job').argument('<job-id>').addOption(json()).action(syncCancelCommand);
sync
  .command('list')
  .description('Recent jobs, newest first')
  .option('-c, --connector <id>', 'only this connector\'s')
  .option('-s, --status <status...>', 'only jobs in these states')
  .option('-n, --limit <n>', 'how many', '20')
  .addOption(json())
  .action(syncListCommand);

const index = program.command('index').description('Look at what a connector indexed');
index.command('count').description('Documents in the connector\'s index').argument('<connector-id>').addOption(json()).action(indexCountCommand);
index
  .command('search')
  .description('Full-text search of the connector\'s index, matches highlighted')
  .argument('<connector-id>')
  .argument('<query>')
  .option('-n, --size <n>', 'hits to show', '10')
  .addOption(json())
  .action(indexSearchCommand);

program
  .command('status')
  .description('Show connectors, their last sync and error, and unfinished jobs (does not wait for Elasticsearch)')
  .argument('<connector-id...>')
  .action(statusCommand);

program.addHelpText('after', EXIT_CODES_HELP);
const everyCommand = (c: Command): Command[] => [c, ...c.commands.flatMap(everyCommand)];
for (const command of everyCommand(program).slice(1)) command.addHelpText('after', EXIT_CODES_HELP);

program.parseAsync().catch((err: unknown) => {
  const { message, code } = exitFor(err);
  if (message) console.error(message);
  process.exitCode = code;
});
