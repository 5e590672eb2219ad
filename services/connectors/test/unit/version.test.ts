import { describe, expect, it } from 'vitest';
import { checkVersion } from '../../src/es/preflight.js';

describe('checkVersion', () => {
  it('accepts an identical version silently', () => {
    expect(checkVersion('9.5.1', '9.5.1')).toEqual({ ok: true });
  });
  it('warns on minor or patch differences', () => {
    expect(checkVersion('9.5.4', '9.5.1')).toMatchObject({ ok: true, warning: expect.stringContaining('9.5.4') });
    expect(checkVersion('9.6.0', '9.5.1').warning).toBeDefined();
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
