// Process figures from /proc: resident memory, its peak, CPU time, and the
// pids of the native Elasticsearch and PostgreSQL (from `services.sh status`).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../test/helpers/services.js';

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Resident memory now, MiB. */
export const rssMiB = (pid: number): number => status(pid, 'VmRSS');
/** Peak resident memory since the process started (VmHWM), MiB. */
export const peakRssMiB = (pid: number): number => status(pid, 'VmHWM');

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds (user + system) of a process; with `reaped`, also of its
 * children that exited and were waited for (PostgreSQL's finished backends).
 */
export function cpuSeconds(pid: number, reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces), from field 3 on.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const [utime = 0, stime = 0, cutime = 0, cstime = 0] = [f[11], f[12], f[13], f[14]];
    return (utime + stime + (reaped ? cutime + cstime : 0)) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A process and all its descendants, live or exited (an exited child's time moves into its parent's). */
export function treeCpuSeconds(pid: number): number {
  return childrenOf(pid).reduce((total, child) => total + treeCpuSeconds(child), cpuSeconds(pid, true));
}

export interface NativeServices {
  elasticsearch: number;
  postgres: number;
}

/** The pids `make services-up` started; undefined when they are not ours (another Elasticsearch, say). */
export function nativeServicePids(): NativeServices | undefined {
  const res = spawnSync(path.join(REPO_ROOT, 'scripts/services.sh'), ['status'], { encoding: 'utf8' });
  const es = /^elasticsearch: running \(pid (\d+)/m.exec(res.stdout)?.[1];
  const data = /^postgresql: +running \([^,]+, data (.+)\)$/m.exec(res.stdout)?.[1];
  if (!es || !data) return undefined;
  try {
    const postmaster = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return { elasticsearch: Number(es), postgres: postmaster };
  } catch {
    return undefined;
  }
}

/**
 * Restricts a process, every thread of it, to `cpus` (taskset's list: "0",
 * "0-2"); with `tree`, its descendants too. Threads and children started later
 * inherit it.
 */
export function pin(pid: number, cpus: string, tree = false): void {
  const res = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`taskset -a -p -c ${cpus} ${pid} failed: ${res.stderr || res.error?.message}`);
  if (tree) for (const child of childrenOf(pid)) pin(child, cpus, true);
}
