#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig, secretsOf } from '../config/load.js';
import { createEsClient } from '../es/client.js';
import { waitForElasticsearch } from '../es/preflight.js';
import { createLogger } from '../log/logger.js';
import { errorMessage, registerSecret } from '../log/redact.js';
import { createProtocolStore } from '../protocol/detect.js';
import { postgresqlSource } from '../sources/postgresql/index.js';
import { runSetup, setupSettingsSchema } from './setup/index.js';

/** `connectors`: set-up and everyday operations from a terminal. */
const program = new Command('connectors')
  .description('pg-es-connectors command line')
  .showHelpAfterError();

program
  .command('setup')
  .description('Register the PostgreSQL connector (API key, configuration, schedule, first sync, Kibana data view); idempotent')
  .action(async () => {
    const parsed = setupSettingsSchema.safeParse(process.env);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
      process.exitCode = 78;
      return;
    }
    const settings = parsed.data;
    const log = createLogger(process.env.LOG_LEVEL ?? 'info');
    const client = createEsClient({
      url: settings.ELASTICSEARCH_URL,
      ...(settings.ELASTIC_PASSWORD ? { username: settings.ELASTIC_USERNAME, password: settings.ELASTIC_PASSWORD } : {}),
      requestTimeoutMs: 60_000,
      maxRetries: 5,
      maxWaitMs: 300_000,
      allowVersionMismatch: false,
    });
    try {
      await waitForElasticsearch(client, log, 300_000);
      const result = await runSetup(client, settings, postgresqlSource, log);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await client.close();
    }
  });

/** Commands that talk to the cluster with the service's own settings. */
async function withStore<T>(fn: (store: Awaited<ReturnType<typeof createProtocolStore>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  secretsOf(config).forEach(registerSecret);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const client = createEsClient(config.elasticsearch);
  try {
    return await fn(await createProtocolStore(client, config.protocol, log));
  } finally {
    await client.close();
  }
}

program
  .command('sync')
  .description('Queue an on-demand sync job for a connector')
  .argument('<connector-id>')
  .option('-t, --type <type>', 'full or incremental', 'full')
  .action(async (connectorId: string, options: { type: string }) => {
    if (options.type !== 'full' && options.type !== 'incremental') throw new Error(`--type must be full or incremental (got "${options.type}")`);
    const jobId = await withStore((store) => store.createJob(connectorId, options.type as 'full', 'on_demand'));
    console.log(`queued ${options.type} sync job ${jobId} for connector ${connectorId}`);
  });

program
  .command('status')
  .description('Show connectors and their latest jobs')
  .argument('<connector-id...>')
  .action(async (ids: string[]) => {
    await withStore(async (store) => {
      for (const id of ids) {
        const c = await store.getConnector(id);
        if (!c) {
          console.log(`${id}: not found`);
          continue;
        }
        const d = c.doc;
        console.log(`${id}: ${d.status}${d.error ? ` (${d.error})` : ''}; index ${d.index_name}; last sync ${d.last_sync_status ?? 'never'} at ${d.last_synced ?? '-'}; indexed ${d.last_indexed_document_count ?? 0}, deleted ${d.last_deleted_document_count ?? 0}`);
        const running = await store.listJobsByStatus(['pending', 'in_progress', 'canceling', 'suspended'], { connectorIds: [id] });
        for (const j of running) console.log(`  job ${j.id}: ${j.doc.status} (${j.doc.job_type}, ${j.doc.trigger_method}) indexed ${j.doc.indexed_document_count}`);
      }
    });
  });

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `error: ${errorMessage(err)}`);
  process.exitCode = err instanceof ConfigError ? 78 : 1;
});
