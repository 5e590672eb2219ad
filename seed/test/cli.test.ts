import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts } from '../src/dataset.js';
import { SEED_DIR, createTestDatabase, urlFor } from './helpers/db.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs src/main.ts through tsx with exactly `env` (plus PATH), like `npm run dev`. */
function cli(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(SEED_DIR, 'src/main.ts')], {
      cwd: SEED_DIR,
      env: { PATH: process.env.PATH ?? '', SEED_WAIT_SECONDS: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

describe('seed CLI', () => {
  it('rejects a bad SEED_SCALE with one clear line and exit code 1', async () => {
    const run = await cli({ SEED_SCALE: 'lots', DATABASE_URL: urlFor(db.name) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('seed: error: SEED_SCALE must be a positive number up to 10000 (e.g. 1, 0.05, 20), got "lots"\n');
  });

  it('names host:port of an unreachable database and never prints the password', async () => {
    const run = await cli({ DATABASE_URL: 'postgres://someone:TopSecret42@127.0.0.1:1/nowhere' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('seed: error: cannot reach PostgreSQL at someone@127.0.0.1:1/nowhere: connection refused (is it running? natively: make services-up)\n');
    expect(run.stderr + run.stdout).not.toContain('TopSecret42');
  });

  it('reports a wrong password without echoing it', async () => {
    const run = await cli({ DATABASE_URL: urlFor(db.name, undefined, 'WrongPass99') });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^seed: error: authentication failed for PostgreSQL at .*@.*:\d+\/it_seed_\w+: wrong password/);
    expect(run.stderr).not.toContain('WrongPass99');
  });

  it('seeds, keeps stdout to one JSON summary and reports progress on stderr', async () => {
    const run = await cli({ DATABASE_URL: urlFor(db.name), SEED_SCALE: '0.05', SEED_CONNECTOR_ROLE: '' });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0] as string);
    expect(summary).toMatchObject({ action: 'loaded', schema: 'public', scale: 0.05, tables: rowCounts(0.05), role: null });
    expect(run.stderr).toMatch(/seed: products: 50 rows in [\d.]+s \([\d,]+ rows\/s\)/);
  });
});
