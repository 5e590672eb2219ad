import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import { metricsRegistry } from '../service/metrics.js';

export interface HealthReport {
  /** The process is alive and its loops are turning. */
  live: boolean;
  /** Preflight passed and Elasticsearch answered recently. */
  ready: boolean;
  details: Record<string, unknown>;
}

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

/** /health (liveness), /ready (readiness), /metrics (Prometheus text). */
export async function startHttpServer(
  opts: { port: number; host: string },
  report: () => HealthReport,
  log: Logger,
): Promise<HttpServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/health' || url === '/ready') {
      const r = report();
      const ok = url === '/health' ? r.live : r.ready;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', live: r.live, ready: r.ready, ...r.details }));
      return;
    }
    if (url === '/metrics') {
      metricsRegistry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ http: { port } }, `health endpoint on http://${opts.host}:${port}/health`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
