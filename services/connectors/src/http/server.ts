import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../log/redact.js';
import { metricsRegistry } from '../service/metrics.js';
import type { StatusApi } from './status/api.js';
import { handleStatusRequest } from './status/routes.js';

export interface HealthReport {
  /** The process is alive and its loops are turning. */
  live: boolean;
  /** Preflight passed and Elasticsearch answered recently. */
  ready: boolean;
  details: Record<string, unknown>;
}

/**
 * The health endpoint could not listen. `code` is the system error code
 * (EADDRINUSE, EACCES, ...), `message` says what happened and `hint` what to
 * do; `cause` is the error `listen` failed with.
 */
export class HttpListenError extends Error {
  override name = 'HttpListenError';
  readonly code: string | undefined;
  readonly hint: string;
  constructor(
    readonly port: number,
    readonly host: string,
    cause: NodeJS.ErrnoException,
  ) {
    const { message, hint } = describeListenError(port, host, cause);
    super(message, { cause });
    this.code = cause.code;
    this.hint = hint;
  }
}

function describeListenError(port: number, host: string, err: NodeJS.ErrnoException): { message: string; hint: string } {
  switch (err.code) {
    case 'EADDRINUSE':
      return { message: `port ${port} is already in use (another connector service or demo?)`, hint: 'Stop it or set HTTP_PORT.' };
    case 'EACCES':
      return { message: `not allowed to listen on port ${port} (EACCES)`, hint: 'Set HTTP_PORT to a port above 1023, or to 0 to turn the endpoints off.' };
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { message: `cannot listen on ${host}: not an address of this machine (${err.code})`, hint: 'Set HTTP_HOST to one of its addresses, or 0.0.0.0 for all.' };
    default:
      return { message: `cannot listen on ${host}:${port} (${errorMessage(err)})`, hint: 'Check HTTP_HOST and HTTP_PORT.' };
  }
}

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

/**
 * /health (liveness), /ready (readiness), /metrics (Prometheus text), and with
 * `statusApi` the status page at / with its /api/ endpoints (`statusApi`
 * returns undefined until the service can answer them). Rejects with an
 * `HttpListenError` when the address cannot be listened on.
 */
export async function startHttpServer(
  opts: { port: number; host: string },
  report: () => HealthReport,
  log: Logger,
  statusApi?: () => StatusApi | undefined,
): Promise<HttpServer> {
  const server = http.createServer((req, res) => {
    const [url = '/', query = ''] = (req.url ?? '/').split(/\?(.*)/s);
    if (statusApi && handleStatusRequest(req, res, url, query, statusApi(), log)) return;
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
    server.once('error', (err: NodeJS.ErrnoException) => reject(new HttpListenError(opts.port, opts.host, err)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ http: { port } }, `health endpoint on http://${opts.host}:${port}/health`);
  if (statusApi) log.info({ http: { port } }, `status page on http://${opts.host}:${port}/`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
