import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
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
