import { describe, expect, it } from 'vitest';
import { hasConnectorApi } from '../../src/protocol/detect.js';
import { recordingClient } from '../helpers/recording-client.js';

const answering = (status: number) =>
  recordingClient(() => (status < 300 ? { body: { count: 0, results: [] } } : { status, body: { error: { type: 'x', reason: 'x' }, status } })).client;

describe('Connector API detection', () => {
  it('an answer, or a 403 (the endpoint exists, the key may not use it), means the API is there', async () => {
    expect(await hasConnectorApi(answering(200))).toBe(true);
    expect(await hasConnectorApi(answering(403))).toBe(true);
  });

  it('400/404/405 (no x-pack: _connector read as an index name) mean it is not', async () => {
    for (const status of [400, 404, 405]) expect(await hasConnectorApi(answering(status))).toBe(false);
  });

  it('a server error says nothing either way: it is thrown, not read as "no API"', async () => {
    await expect(hasConnectorApi(answering(500))).rejects.toMatchObject({ statusCode: 500 });
  });
});
