import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { errorMessage, redactText, registerSecret } from '../../src/log/redact.js';
import { recordingClient } from '../helpers/recording-client.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger('debug', stream), lines };
}

describe('redaction', () => {
  it('blanks passwords in connection URLs and auth headers', () => {
    expect(redactText('connect postgres://app:s3cr3t@db:5432/x failed')).toBe('connect postgres://app:[REDACTED]@db:5432/x failed');
    expect(redactText('Authorization: ApiKey dGhpcy1pcy1hLWtleQ==')).toBe('Authorization: ApiKey [REDACTED]');
    expect(redactText('password=abc123 user=x')).toBe('password=[REDACTED] user=x');
  });

  it('blanks registered secret values anywhere', () => {
    registerSecret('pa55-w0rd-xyz');
    expect(errorMessage(new Error('login with pa55-w0rd-xyz refused'))).toBe('login with [REDACTED] refused');
  });

  it('keeps secrets out of JSON log lines, by path and by value', () => {
    registerSecret('topsecret-value-1');
    const { log, lines } = capture();
    log.info({ password: 'p1', config: { elasticsearch: { apiKey: 'k1' } } }, 'hello');
    log.error({ err: new Error('auth failed for topsecret-value-1') }, 'boom postgres://u:pw@h/db');
    const text = lines.join('');
    for (const secret of ['p1"', 'k1"', 'topsecret-value-1', ':pw@']) expect(text).not.toContain(secret);
    const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(first['log.level']).toBe('info');
    expect(first['@timestamp']).toBeTypeOf('string');
    expect(first['ecs.version']).toBeTypeOf('string');
  });
});

describe('errorMessage of an Elasticsearch error response', () => {
  it('is one line, "type: reason", whatever the client put in its message', async () => {
    const { client } = recordingClient(() => ({
      status: 403,
      body: {
        error: {
          root_cause: [{ type: 'cluster_block_exception', reason: 'index [jobs] blocked by: [FORBIDDEN/7/index read (api)];' }],
          type: 'cluster_block_exception',
          reason: 'index [jobs] blocked by: [FORBIDDEN/7/index read (api)];',
        },
        status: 403,
      },
    }));
    const err = await client.search({ index: 'jobs' }).catch((e: unknown) => e);
    expect(errorMessage(err)).toBe('cluster_block_exception: index [jobs] blocked by: [FORBIDDEN/7/index read (api)];');
  });

  it('folds other multi-line messages onto one line', () => {
    expect(errorMessage(new Error('first\n\tsecond\n  third'))).toBe('first second third');
  });
});
