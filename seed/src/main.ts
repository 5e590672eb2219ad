/**
 * CLI: seeds PostgreSQL with the sample store. Progress goes to stderr, a JSON
 * summary to stdout; on failure one line on stderr and exit code 1.
 */
import { loadConfig } from './config.js';
import { oneLine } from './errors.js';
import { runSeed } from './seed.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const summary = await runSeed(config, { log: (line) => process.stderr.write(`seed: ${line}\n`) });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((err: unknown) => {
  console.error(`seed: error: ${oneLine(err)}`);
  process.exitCode = 1;
});
