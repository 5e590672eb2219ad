/**
 * CLI: seeds PostgreSQL with the sample store. Progress goes to stderr, a JSON
 * summary to stdout; on failure one line on stderr and exit code 1.
 */
import { writeFileSync } from 'node:fs';
import { runChanges } from './changes.js';
import { changesSettings, loadConfig } from './config.js';
import { connect } from './db.js';
import { oneLine } from './errors.js';
import { runSeed } from './seed.js';

const log = (line: string) => process.stderr.write(`seed: ${line}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  if (process.argv[2] === 'changes') return changes(config);
  const summary = await runSeed(config, { log });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** `seed changes`: keeps editing the seeded store until stopped (or SEED_CHANGES_SECONDS). */
async function changes(config: ReturnType<typeof loadConfig>): Promise<void> {
  const settings = changesSettings();
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  const client = await connect(config.connection, config.waitSeconds, log);
  try {
    log(`live changes: ${settings.perSecond} per second in schema "${config.schema}"${settings.seconds ? ` for ${settings.seconds} s` : ' until stopped (Ctrl-C)'}`);
    const alive = process.env.SEED_CHANGES_HEARTBEAT_FILE;
    const heartbeat = alive ? () => writeFileSync(alive, String(Date.now())) : undefined;
    const summary = await runChanges(client, { schema: config.schema, ...settings, signal: stop.signal, log, ...(heartbeat ? { heartbeat } : {}) });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(`seed: error: ${oneLine(err)}`);
  process.exitCode = 1;
});
