import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SetupContext } from './context.js';

/** Hands the connector id (and API key) to the service, which starts after setup. */
export function writeOutputFile({ settings, log, result }: SetupContext, apiKey: string | undefined): void {
  const file = settings.SETUP_OUTPUT_FILE;
  if (!file) return;
  writeEnvFile(file, { CONNECTOR_IDS: settings.CONNECTOR_ID, ...(apiKey ? { ELASTICSEARCH_API_KEY: apiKey } : {}) });
  result.outputFile = file;
  log.info(`setup: service settings written to ${file}`);
}

/** Atomic write, readable by the owner only: it may hold an API key. */
export function writeEnvFile(file: string, values: Record<string, string>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const text = Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  // 'wx': created fresh, so the mode applies (an existing file would keep its own).
  writeFileSync(tmp, `# Written by \`connectors setup\`\n${text}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}
