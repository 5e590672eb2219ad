import { createRequire } from 'node:module';
import { Client, HttpConnection, type ClientOptions } from '@elastic/elasticsearch';
import type { Config } from '../config/load.js';
import { retryingTransport } from './retrying-transport.js';
import { LazyBulkSerializer } from './serializer.js';

const require = createRequire(import.meta.url);
/** Version of the @elastic/elasticsearch package actually installed. */
export const CLIENT_VERSION: string = (require('@elastic/elasticsearch/package.json') as { version: string }).version;

export const SERVICE_VERSION = '0.1.0';

export type EsSettings = Config['elasticsearch'];

/**
 * The one place clients are built: same retry policy, timeouts and product
 * headers for the service, the CLI and the tests. `apiKey` overrides the
 * configured credentials (per-connector keys for content writes).
 */
export function createEsClient(settings: EsSettings, overrides: { apiKey?: string } = {}): Client {
  const apiKey = overrides.apiKey ?? settings.apiKey;
  const options: ClientOptions = {
    node: settings.url,
    requestTimeout: settings.requestTimeoutMs,
    // Retries (with back-off) are the transport's below, not the client's own.
    maxRetries: 0,
    Transport: retryingTransport({ retries: settings.maxRetries, baseDelayMs: settings.retryBaseDelayMs ?? 500, maxDelayMs: 10_000 }),
    compression: false,
    Serializer: LazyBulkSerializer,
    // Node's own HTTP stack, not undici's: the same throughput in `make bench`
    // and about 8 MiB less resident memory at peak (no WebAssembly parser).
    Connection: HttpConnection,
    name: 'pg-es-connectors',
    headers: {
      // Lets Elasticsearch recognise us as a connector service (needed should the
      // connector indices become system indices).
      'x-elastic-product-origin': 'connectors',
      'user-agent': `elastic-connectors-${SERVICE_VERSION}/service pg-es-connectors`,
    },
  };
  if (apiKey) options.auth = { apiKey };
  else if (settings.username && settings.password) options.auth = { username: settings.username, password: settings.password };
  if (settings.caCert) options.tls = { ca: settings.caCert };
  return new Client(options);
}
