import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './services.js';

/**
 * The command of a workspace's package.json script, as argv. Tests and the
 * bench run it directly (no npm in between, so signals reach the process):
 * exactly the command the Docker images run.
 */
export function scriptCommand(workspace: string, script: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, workspace, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const command = pkg.scripts?.[script];
  if (!command) throw new Error(`${workspace}/package.json has no "${script}" script`);
  if (/[|&;<>$`"']/.test(command)) throw new Error(`script "${script}" is not a plain command: ${command}`);
  return command.split(/\s+/).filter(Boolean);
}

export function runScript(
  workspace: string,
  script: string,
  env: Record<string, string>,
  stdio: { onLine?: (line: string) => void; inheritStderr?: boolean } = {},
  extraArgs: string[] = [],
): ChildProcess {
  const [cmd, ...scriptArgs] = scriptCommand(workspace, script);
  const args = [...scriptArgs, ...extraArgs];
  const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, {
    cwd: path.join(REPO_ROOT, workspace),
    // USE_DOTENV=false: a developer's .env never reaches what the tests start.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', USE_DOTENV: 'false', ...env },
    stdio: ['ignore', stdio.onLine ? 'pipe' : 'ignore', stdio.inheritStderr ? 'inherit' : stdio.onLine ? 'pipe' : 'ignore'],
  });
  if (stdio.onLine) {
    const split = (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(stdio.onLine!);
    child.stdout?.on('data', split);
    child.stderr?.on('data', split);
  }
  return child;
}

export function exitOk(child: ChildProcess, what: string, tail: () => string = () => ''): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${what} exited with ${code ?? signal}\n${tail()}`))));
  });
}
