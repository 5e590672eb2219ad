import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy to `target` (Elasticsearch, for the tests that
 * watch or disturb its traffic). `intercept` sees each request first and
 * returns true when it answered the request itself.
 */
export async function httpProxy(target: string, intercept: (req: http.IncomingMessage, res: http.ServerResponse) => boolean = () => false): Promise<HttpProxy> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    if (intercept(req, res)) return;
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
