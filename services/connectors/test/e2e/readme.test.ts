import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, it } from 'vitest';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import type { ConnectorDoc } from '../../src/protocol/types.js';
import { REPO_ROOT } from '../helpers/services.js';
import { eventually } from '../helpers/eventually.js';

/**
 * The README's native quickstart, command by command, in a fresh copy of this
 * checkout, as a newcomer runs it: once as it is and once with `.env` copied
 * from `.env.example`. Only the documented port variables differ, so the copy's
 * servers never meet the ones the other tests use.
 */
const README = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const block = /<!-- native-quickstart -->\s*```sh\n([\s\S]*?)```\s*<!-- \/native-quickstart -->/.exec(README)?.[1];
const commands = (block ?? '').split('\n').map((l) => l.trim()).filter(Boolean);

const ports = { es: 19_250 + Math.floor(Math.random() * 50), pg: 19_350 + Math.floor(Math.random() * 50), http: 19_450 + Math.floor(Math.random() * 50) };
const CLONE = path.join(tmpdir(), 'pg-es-connectors-readme');
// The copy's servers keep their state here (a fixed place, so the unpacked
// Elasticsearch is reused); their data is wiped before each run, as on a fresh machine.
const STATE = path.join(tmpdir(), 'pg-es-connectors-readme-state');
const env = {
  SERVICES_DIR: STATE,
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/root',
  NATIVE_ES_PORT: String(ports.es),
  NATIVE_PG_PORT: String(ports.pg),
  NATIVE_ES_HEAP: '512m',
  CONNECTORS_HTTP_PORT: String(ports.http),
  SEED_SCALE: '0.2',
};
/** The documented default ports, as this run's. */
const localize = (command: string) => command.replaceAll('localhost:9250', `localhost:${ports.es}`);

/** A copy of the working tree as git sees it (tracked and new files, nothing ignored). */
function freshCopy(): void {
  rmSync(CLONE, { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT }).toString().split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(path.dirname(path.join(CLONE, file)), { recursive: true });
    try {
      cpSync(path.join(REPO_ROOT, file), path.join(CLONE, file), { preserveTimestamps: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted, not yet committed
    }
  }
}

function sh(command: string): { code: number; output: string } {
  try {
    const output = execFileSync('bash', ['-c', localize(command)], { cwd: CLONE, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    return { code: 0, output };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const until = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, log: () => string, timeoutMs = 300_000) =>
  eventually(what, fn, { timeoutMs, everyMs: 1000, context: log });

describe('the README native quickstart, run literally', () => {
  let demo: ChildProcess | undefined;
  const output: string[] = [];
  const es = new Client({ node: `http://127.0.0.1:${ports.es}` });

  afterAll(async () => {
    if (demo?.exitCode === null && demo.signalCode === null) {
      try {
        process.kill(-demo.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    sh('make services-down');
    await es.close();
    rmSync(CLONE, { recursive: true, force: true });
  }, 120_000);

  it('has the steps a newcomer needs: start, look, search, change a row, see it, resync, stop', () => {
    const step = (re: RegExp) => commands.findIndex((c) => re.test(c));
    const order = [/^make demo$/, /connectors status/, /q=espresso/, /psql -c "UPDATE/, /q=zanzibar/, /connectors sync/, /^make services-down$/].map(step);
    expect(order.every((i) => i >= 0), commands.join('\n')).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  /** `make demo` in the background until its first sync completed; then every later command. */
  async function runQuickstart(): Promise<void> {
    output.length = 0;
    for (const dir of ['es-data', 'es-logs', 'pg-data', 'pg-run']) rmSync(path.join(STATE, dir), { recursive: true, force: true });
    demo = spawn('bash', ['-c', commands[0]!], { cwd: CLONE, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n'));
    demo.stdout!.on('data', keep);
    demo.stderr!.on('data', keep);
    const tail = () => output.slice(-40).join('\n');
    const started = await until('the first sync', async () => {
      if (demo!.exitCode !== null) return 'exited';
      const c = (await es.get<ConnectorDoc>({ index: CONNECTORS_ALIAS, id: 'postgres-demo' }))._source;
      return c?.last_sync_status === 'completed' ? 'synced' : undefined;
    }, tail);
    expect(started, `make demo exited ${demo.exitCode}\n${tail()}`).toBe('synced');
    // The servers `make demo` started are not in the demo's process group: its Ctrl-C must not stop them.
    const groupOf = (pid: string) => execFileSync('ps', ['-o', 'pgid=', '-p', pid.trim()]).toString().trim();
    const servers = [readFileSync(path.join(STATE, 'es.pid'), 'utf8'), readFileSync(path.join(STATE, 'pg-data', 'postmaster.pid'), 'utf8').split('\n')[0]!];
    for (const pid of servers) expect(groupOf(pid)).not.toBe(String(demo.pid));

    for (const command of commands.slice(1)) {
      if (command === 'make services-down') {
        const status = sh('make services-status');
        expect(status.code).toBe(0);
        expect(status.output).toMatch(new RegExp(`elasticsearch: running \\(pid \\d+, http://127\\.0\\.0\\.1:${ports.es}, version \\d`));
        // "Ctrl-C in the demo's terminal", then the documented stop.
        process.kill(-demo.pid!, 'SIGINT');
        await until('the demo to stop', () => (demo!.exitCode !== null || demo!.signalCode ? true : undefined), tail, 60_000);
      }
      // No sync is queued: incremental sync (every 5 s, a job only when changes wait)
      // brings the edit in within seconds. The search is retried, not the others.
      const expected = /q=zanzibar/.test(command) ? 'Grace Zanzibar' : undefined;
      const result = expected
        ? await until(`"${expected}" from ${command}`, () => {
            const r = sh(command);
            return r.output.includes(expected) ? r : undefined;
          }, () => `${sh(command).output}\n${tail()}`, 60_000)
        : sh(command);
      expect(result.code, `${command}\n${result.output}\n${tail()}`).toBe(0);
      if (command.includes('status')) expect(result.output).toContain('postgres-demo');
      if (command.includes('q=espresso')) expect(result.output).toMatch(/"total"\s*:\s*\{\s*"value"\s*:\s*[1-9]/);
      if (command.includes('UPDATE')) expect(result.output).toContain('UPDATE 1');
    }
    expect(sh('make services-status').output).toMatch(/elasticsearch: stopped[\s\S]*postgresql: +stopped/);
  }

  it('works in a fresh copy as it is', async () => {
    freshCopy();
    await runQuickstart();
  }, 900_000);

  it('works with .env copied from .env.example', async () => {
    cpSync(path.join(CLONE, '.env.example'), path.join(CLONE, '.env'));
    await runQuickstart();
  }, 900_000);
});
