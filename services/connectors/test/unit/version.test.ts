import { describe, expect, it } from 'vitest';
import { checkVersion, preflight } from '../../src/es/preflight.js';
import { createLogger } from '../../src/log/logger.js';
import { recordingClient } from '../helpers/recording-client.js';

describe('checkVersion', () => {
  it('accepts an identical version silently', () => {
    expect(checkVersion('9.5.1', '9.5.1')).toEqual({ ok: true });
  });
  it('only notes a patch-only difference (same major.minor), either way round', () => {
    expect(checkVersion('9.5.4', '9.5.1')).toEqual({ ok: true, info: 'Elasticsearch 9.5.4, client 9.5.1: same major.minor, patch differs' });
    expect(checkVersion('9.5.0', '9.5.1')).toEqual({ ok: true, info: 'Elasticsearch 9.5.0, client 9.5.1: same major.minor, patch differs' });
    expect(checkVersion('9.5.4', '9.5.1').warning).toBeUndefined();
  });
  it('warns on a newer minor, whatever the patch', () => {
    expect(checkVersion('9.6.0', '9.5.1')).toEqual({ ok: true, warning: 'Elasticsearch 9.6.0 differs from client 9.5.1 in minor version' });
    expect(checkVersion('9.6.1', '9.5.1')).toMatchObject({ ok: true, warning: expect.stringContaining('9.6.1') });
    expect(checkVersion('9.6.1', '9.5.1').info).toBeUndefined();
  });
  it('refuses a server whose minor is older than the client', () => {
    const r = checkVersion('9.4.3', '9.5.1');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/older than client 9\.5\.1: upgrade Elasticsearch to 9\.5 or later/);
  });
  it('refuses another major', () => {
    const r = checkVersion('8.19.2', '9.5.1');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/major versions must match/);
  });
});

describe('preflight on serverless', () => {
  it('skips the version rule there (D.9): serverless reports no comparable version', async () => {
    const { client } = recordingClient(() => ({
      body: { name: 'serverless', cluster_name: 'x', cluster_uuid: 'u', version: { number: '8.11.0', build_flavor: 'serverless' }, tagline: 't' },
    }));
    await expect(preflight(client, createLogger('silent'), { maxWaitMs: 1000, allowVersionMismatch: false })).resolves.toMatchObject({ buildFlavor: 'serverless' });
  });

  it('still refuses the same old version on a regular cluster', async () => {
    const { client } = recordingClient(() => ({
      body: { name: 'n', cluster_name: 'x', cluster_uuid: 'u', version: { number: '8.11.0', build_flavor: 'default' }, tagline: 't' },
    }));
    await expect(preflight(client, createLogger('silent'), { maxWaitMs: 1000, allowVersionMismatch: false })).rejects.toThrow(/major versions must match/);
  });
});
