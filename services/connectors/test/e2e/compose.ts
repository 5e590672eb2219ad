import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { parse } from 'dotenv';
import { REPO_ROOT } from '../helpers/services.js';

const run = promisify(execFile);

/**
 * The engine `make docker-up` chose (.docker.env: DOCKER_HOST, DOCKER_CONFIG for
 * the Compose plugin, COMPOSE_FILE with the offline overlay on the private
 * engine). The caller's own environment wins.
 */
export function loadDockerEnv(): void {
  const file = path.join(REPO_ROOT, '.docker.env');
  if (!existsSync(file)) return;
  for (const [k, v] of Object.entries(parse(readFileSync(file)))) process.env[k] ??= v;
}
loadDockerEnv();

/** A Docker engine answers and has the Compose plugin. */
export async function composeAvailable(): Promise<boolean> {
  try {
    await new Docker().ping();
    await run('docker', ['compose', 'version'], { cwd: REPO_ROOT });
    return true;
  } catch {
    return false;
  }
}

/** The compose files in use: COMPOSE_FILE (the offline overlay here), else the file alone. */
export function composeFiles(): string[] {
  return (process.env.COMPOSE_FILE ?? 'docker-compose.yml').split(path.delimiter).filter(Boolean);
}

/** One compose project under a unique name, on host ports of its own. */
export class ComposeProject {
  readonly name = `pgesc-e2e-${randomBytes(3).toString('hex')}`;
  readonly docker = new Docker();
  readonly ports: Record<'ES_PORT' | 'KIBANA_PORT' | 'POSTGRES_PORT' | 'CONNECTORS_HTTP_PORT', number>;

  constructor(
    readonly files: string[] = composeFiles(),
    readonly vars: Record<string, string> = {},
  ) {
    // Below Linux's ephemeral range (32768+): a port there can be taken at any moment by an
    // outgoing connection's local end, and docker then fails with "address already in use".
    const base = 20_000 + Math.floor(Math.random() * 127) * 100;
    this.ports = { ES_PORT: base, KIBANA_PORT: base + 1, POSTGRES_PORT: base + 2, CONNECTORS_HTTP_PORT: base + 3 };
  }

  /** `docker compose -p <name> -f … <args>`; `extraFiles` add overlays for this call. */
  argv(args: string[], extraFiles: string[] = []): string[] {
    return ['compose', '-p', this.name, ...[...this.files, ...extraFiles].flatMap((f) => ['-f', f]), ...args];
  }

  /** The caller's environment with this project's ports and variables; the files come from argv. */
  env(): NodeJS.ProcessEnv {
    const env = { ...process.env, ...Object.fromEntries(Object.entries(this.ports).map(([k, v]) => [k, String(v)])), ...this.vars };
    delete env.COMPOSE_FILE;
    return env;
  }

  /** Runs a compose command to its end; its stdout. */
  async compose(args: string[], extraFiles: string[] = []): Promise<string> {
    const { stdout } = await run('docker', this.argv(args, extraFiles), { cwd: REPO_ROOT, env: this.env(), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  async services(): Promise<string[]> {
    return (await this.compose(['config', '--services'])).split('\n').filter(Boolean);
  }

  async containers(all = true): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all, filters: { label: [`com.docker.compose.project=${this.name}`] } });
  }

  /** Containers that are neither running healthy nor a one-shot that exited 0. */
  async unwell(): Promise<string[]> {
    const out: string[] = [];
    for (const info of await this.containers()) {
      const state = (await this.docker.getContainer(info.Id).inspect()).State;
      const oneShotDone = state.Status === 'exited' && state.ExitCode === 0;
      const running = state.Status === 'running' && (!state.Health || state.Health.Status === 'healthy');
      if (!oneShotDone && !running) out.push(`${info.Names.join(',')}: ${state.Status} ${state.Health?.Status ?? ''} exit ${state.ExitCode}`);
    }
    return out;
  }

  /** Each container's state and last lines, for a failure message. */
  async logs(tail = 40): Promise<string> {
    const parts: string[] = [];
    for (const info of await this.containers()) {
      const c = this.docker.getContainer(info.Id);
      const state = (await c.inspect()).State;
      const log = (await c.logs({ stdout: true, stderr: true, tail })) as unknown as Buffer;
      parts.push(`--- ${info.Names.join(',')} ${state.Status} ${state.Health?.Status ?? ''}\n${log.toString()}`);
    }
    return parts.join('\n');
  }

  /** Whatever of this project is left on the engine. */
  async leftovers(): Promise<{ containers: number; networks: number; volumes: number }> {
    const label = { label: [`com.docker.compose.project=${this.name}`] };
    const volumes = (await this.docker.listVolumes({ filters: label })).Volumes ?? [];
    return {
      containers: (await this.containers()).length,
      networks: (await this.docker.listNetworks({ filters: label })).length,
      volumes: volumes.length,
    };
  }

  async down(): Promise<void> {
    await this.compose(['down', '-v', '--remove-orphans', '--timeout', '30']);
  }
}
