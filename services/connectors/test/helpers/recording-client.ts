import { BaseConnection, type ConnectionRequestParams, type ConnectionRequestResponse } from '@elastic/transport';
import { Client, type ClientOptions } from '@elastic/elasticsearch';

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, unknown>;
}

/**
 * The Connector API cannot run on the x-pack-less test server, so these tests
 * check the exact HTTP requests the official client methods send.
 */
export function recordingClient(
  respond: (r: Recorded) => { status?: number; body: unknown } = () => ({ body: { result: 'updated' } }),
  options: Partial<ClientOptions> = {},
) {
  const calls: Recorded[] = [];
  class Recorder extends BaseConnection {}
  // The base class overloads request() for streams; these tests only need buffered bodies.
  Recorder.prototype.request = async function (params: ConnectionRequestParams): Promise<ConnectionRequestResponse> {
    const raw = params.body == null ? undefined : String(params.body);
    const call = { method: params.method, path: `${params.path}${params.querystring ? `?${params.querystring}` : ''}`, body: raw ? parseBody(raw) : undefined, headers: params.headers ?? {} };
    calls.push(call);
    const res = respond(call);
    return {
      statusCode: res.status ?? 200,
      headers: { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' },
      body: JSON.stringify(res.body),
    };
  } as unknown as BaseConnection['request'];
  const client = new Client({ node: 'http://api.test:9200', Connection: Recorder, ...options });
  return { client, calls };
}


/** JSON bodies parsed; NDJSON (bulk) as the list of its lines, parsed. */
function parseBody(raw: string): unknown {
  // NDJSON ends every line, the last one included, with a newline; JSON bodies do not.
  if (raw.endsWith('\n')) return raw.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
  return JSON.parse(raw);
}
