import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { httpProxy, type HttpProxy } from './http-proxy.js';
import { REPO_ROOT } from './services.js';

/** Faults injected into the native services, for the fault suite. */

function services(command: string): void {
  execFileSync(path.join(REPO_ROOT, 'scripts/services.sh'), [command], { stdio: 'inherit', timeout: 180_000 });
}

export const stopElasticsearch = () => services('stop-elasticsearch');
export const startElasticsearch = () => services('start-elasticsearch');
export const restartPostgresql = () => services('restart-postgresql');

/** The native Elasticsearch's process id (from `services.sh status`). */
export function elasticsearchPid(): number {
  const out = execFileSync(path.join(REPO_ROOT, 'scripts/services.sh'), ['status'], { encoding: 'utf8' });
  const pid = /^elasticsearch: running \(pid (\d+)/m.exec(out)?.[1];
  if (!pid) throw new Error(`Elasticsearch is not running:\n${out}`);
  return Number(pid);
}

/** Freezes a process (SIGSTOP) for `ms`, then lets it run again, whatever happens meanwhile. */
export async function freeze(pid: number, ms: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/**
 * A pass-through proxy to Elasticsearch that answers `429 Too Many Requests`
 * (as a full write queue does) to every `every`-th `_bulk` request instead of
 * forwarding it.
 */
export async function rejectingProxy(target: string, every: number): Promise<HttpProxy & { rejected: () => number }> {
  let bulks = 0;
  let rejected = 0;
  const proxy = await httpProxy(target, (req, res) => {
    if (!req.url?.includes('/_bulk') || ++bulks % every !== 0) return false;
    rejected++;
    req.resume();
    res.writeHead(429, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
    res.end(JSON.stringify({ error: { type: 'es_rejected_execution_exception', reason: 'rejected execution (queue capacity 1)' }, status: 429 }));
    return true;
  });
  return { ...proxy, rejected: () => rejected };
}
