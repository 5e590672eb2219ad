import { pino, type Logger } from 'pino';
import { ecsFormat } from '@elastic/ecs-pino-format';
import pretty from 'pino-pretty';
import { redactText } from './redact.js';

export type { Logger };
export type LogFormat = 'json' | 'pretty';

/** Field paths whose values never leave the process. */
const REDACT_PATHS = [
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'config.elasticsearch.password',
  'config.elasticsearch.apiKey',
  'configuration.*.value',
  '*.configuration.*.value',
];

function scrubError(e: Error): Error {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(e) as object) as Error, e);
  copy.message = redactText(e.message);
  if (e.stack) copy.stack = redactText(e.stack);
  return copy;
}

/** Free-text secrets (URLs with passwords, API keys in messages), one level deep. */
function scrub(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return scrubError(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = typeof v === 'string' ? redactText(v) : v instanceof Error ? scrubError(v) : v;
    }
    return out;
  }
  return value;
}

/**
 * Logs on stdout, secrets redacted by path and by value: ECS JSON for log
 * shippers, or one readable line per event for a terminal (compose/dev.yml).
 */
export function createLogger(level = 'info', destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  const readable = format === 'pretty';
  return pino(
    {
      ...(readable ? {} : ecsFormat({ convertErr: true })),
      level,
      base: { 'service.name': 'pg-es-connectors' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(scrub) as Parameters<typeof method>);
        },
      },
    },
    readable ? pretty({ sync: true, singleLine: true, ignore: 'pid,hostname,service\\.name', destination: destination ?? 1 }) : destination,
  );
}
