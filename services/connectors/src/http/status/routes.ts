import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log/logger.js';
import { errorMessage } from '../../log/redact.js';
import { ApiError, type StatusApi } from './api.js';
import { statusPage } from './page.js';

const MAX_BODY_BYTES = 4096;
const SYNC_PATH = /^\/api\/connectors\/([^/]+)\/sync$/;
const CANCEL_PATH = /^\/api\/jobs\/([^/]+)\/cancel$/;

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...JSON_HEADERS, ...extra }).end(JSON.stringify(body));
}

function pathParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, 'the path is not valid percent-encoding');
  }
}

/** The JSON body of an action, small and same-origin only. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  // A page of another site can post a form or text/plain to this port, but not JSON
  // without a CORS preflight this server never grants; and browsers name their origin.
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiError(415, 'send the body as application/json');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host) throw new ApiError(403, 'actions are accepted from the status page itself only');
  } else if (origin === 'null' || req.headers['sec-fetch-site'] === 'cross-site') {
    throw new ApiError(403, 'actions are accepted from the status page itself only');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `the body may hold at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'the body is not valid JSON');
  }
}

export const DEFAULT_ALLOWED_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The name part of a Host header: "localhost:8080" → "localhost", "[::1]:8080" → "[::1]". */
export function hostName(host: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(host.trim().toLowerCase());
  return m?.[1] ?? '';
}

function hostAllowed(host: string | undefined, allowed: string[]): boolean {
  return host !== undefined && allowed.includes(hostName(host));
}

/**
 * The status page and its JSON endpoints. Returns false for paths it does not
 * own (the caller answers those); otherwise answers the request, never with a
 * stack trace. `api` is undefined while the service is still starting.
 */
export function handleStatusRequest(req: IncomingMessage, res: ServerResponse, pathname: string, search: string, api: StatusApi | undefined, log: Logger): boolean {
  const method = req.method ?? 'GET';
  const read = method === 'GET' || method === 'HEAD';
  const sync = SYNC_PATH.exec(pathname);
  const cancel = CANCEL_PATH.exec(pathname);
  const action = sync ?? cancel;
  const ours = pathname === '/' || pathname === '/index.html' || pathname.startsWith('/api/');
  if (ours && !hostAllowed(req.headers.host, api?.allowedHosts ?? DEFAULT_ALLOWED_HOSTS)) {
    // A page on another site whose name resolves here (DNS rebinding) would otherwise read the index.
    sendJson(res, 403, { error: `the status page answers to localhost, 127.0.0.1 and [::1]; add "${hostName(req.headers.host ?? '')}" to STATUS_PAGE_HOSTS to reach it by that name` });
    return true;
  }

  if (pathname === '/' || pathname === '/index.html') {
    if (!read) return false;
    const page = statusPage();
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': page.csp,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      })
      .end(page.html);
    return true;
  }
  if (pathname !== '/api/status' && pathname !== '/api/search' && !action) return false;
  if (action && method !== 'POST') {
    sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
    return true;
  }
  if (!action && !read) return false;

  const answer = async (): Promise<[number, unknown]> => {
    if (!api) throw new ApiError(503, 'the service is starting: connectors show once it has reached Elasticsearch');
    if (pathname === '/api/status') return [200, await api.status()];
    if (pathname === '/api/search') return [200, await api.search(new URLSearchParams(search))];
    // Refused before the body is read: a read-only page takes no input.
    if (!api.actions) return [403, { error: 'the status page is read-only: set STATUS_PAGE_ACTIONS=true to start syncs and cancel jobs from it' }];
    const body = await readJsonBody(req);
    if (sync) return [202, await api.syncNow(pathParam(sync[1]!), body)];
    return [202, await api.cancel(pathParam(cancel![1]!))];
  };
  answer().then(
    ([status, body]) => sendJson(res, status, body),
    (err: unknown) => {
      if (err instanceof ApiError) {
        sendJson(res, err.status, { error: err.message });
        return;
      }
      log.error({ err }, `status page: ${method} ${pathname} failed: ${errorMessage(err)}`);
      sendJson(res, 500, { error: 'the service could not answer this request; its log says why' });
    },
  );
  return true;
}
