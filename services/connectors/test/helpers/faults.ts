import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
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
export async function rejectingProxy(target: string, every: number): Promise<{ url: string; rejected: () => number; close(): Promise<void> }> {
  const upstream = new URL(target);
  let bulks = 0;
  let rejected = 0;
  const server = http.createServer((req, res) => {
    if (req.url?.includes('/_bulk') && ++bulks % every === 0) {
      rejected++;
      req.resume();
      res.writeHead(429, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ error: { type: 'es_rejected_execution_exception', reason: 'rejected execution (queue capacity 1)' }, status: 429 }));
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rejected: () => rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
