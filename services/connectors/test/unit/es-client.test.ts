import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEsClient } from '../../src/es/client.js';

/** What the service's client puts on the wire, seen by a plain HTTP server. */
describe('the Elasticsearch client the service builds', () => {
  const seen: http.IncomingHttpHeaders[] = [];
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ name: 'n', cluster_name: 'c', cluster_uuid: 'u', version: { number: '9.5.4' }, tagline: 'You Know, for Search' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const settings = () => ({ url, requestTimeoutMs: 5000, maxRetries: 0, maxWaitMs: 1000, allowVersionMismatch: false });

  it('identifies itself as a connector service (x-elastic-product-origin) on every request', async () => {
    const client = createEsClient(settings());
    await client.info();
    await client.close();
    expect(seen.at(-1)?.['x-elastic-product-origin']).toBe('connectors');
    expect(seen.at(-1)?.['user-agent']).toMatch(/pg-es-connectors/);
  });

  it('authenticates with the API key, which wins over a username and password', async () => {
    const client = createEsClient({ ...settings(), username: 'u', password: 'p', apiKey: 'a2V5OnNlY3JldA==' });
    await client.info();
    await client.close();
    expect(seen.at(-1)?.authorization).toBe('ApiKey a2V5OnNlY3JldA==');

    const basic = createEsClient({ ...settings(), username: 'elastic', password: 'pw' });
    await basic.info();
    await basic.close();
    expect(seen.at(-1)?.authorization).toBe(`Basic ${Buffer.from('elastic:pw').toString('base64')}`);
  });
});
