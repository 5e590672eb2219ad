import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withContext } from '../../src/log/logger.js';
import { repeatedKeys } from '../helpers/log-lines.js';
import { registerSecret } from '../../src/log/redact.js';

function capture(format: 'json' | 'pretty') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      // eslint-disable-next-line no-control-regex
      lines.push(...chunk.toString().replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger('info', stream, format), lines };
}

describe('LOG_FORMAT', () => {
  it('json: one ECS object per event', () => {
    const { log, lines } = capture('json');
    log.info({ job: { id: 'j1' } }, 'claimed');
    expect(JSON.parse(lines[0]!)).toMatchObject({ 'log.level': 'info', message: 'claimed', job: { id: 'j1' } });
  });

  it('pretty: one readable line per event, with its fields, secrets still redacted', () => {
    const { log, lines } = capture('pretty');
    registerSecret('pretty-secret-value');
    log.info({ job: { id: 'j1' }, password: 'hunter2' }, 'claimed with pretty-secret-value');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: claimed with \[REDACTED\] \{"job":\{"id":"j1"\},"password":"\[REDACTED\]"\}$/);
  });
});

describe('log context', () => {
  it('finds a repeated key where JSON.parse would silently keep one (the checker itself)', () => {
    expect(repeatedKeys('{"a":1,"job":{"id":"x"},"b":[{"job":1},{"job":2}],"job":{"status":"s"}}')).toEqual(['job']);
    expect(repeatedKeys('{"a":"{\\"a\\":1,\\"a\\":2}","n":{"a":1},"m":{"a":2}}')).toEqual([]);
  });

  it("merges a call's job and connector fields into the context's: every key once", () => {
    const { log, lines } = capture('json');
    const jobLog = withContext(log, { job: { id: 'j1', type: 'full' }, connector: { id: 'c1' } });
    jobLog.info({ job: { status: 'completed' }, stats: { indexed: 3 } }, 'sync job completed');
    withContext(jobLog, { table: { name: 't' } }).child({ extra: 1 }).warn({ connector: { error: 'e' } }, 'nested');
    log.info('no context');
    for (const line of lines) expect(repeatedKeys(line), line).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ job: { id: 'j1', type: 'full', status: 'completed' }, connector: { id: 'c1' }, stats: { indexed: 3 } });
    expect(JSON.parse(lines[1]!)).toMatchObject({ job: { id: 'j1' }, connector: { id: 'c1', error: 'e' }, table: { name: 't' }, extra: 1 });
    expect(JSON.parse(lines[2]!)).not.toHaveProperty('job');
  });
});
