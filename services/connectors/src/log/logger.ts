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

/** Objects every line of a logger carries, e.g. `{ job: { id }, connector: { id } }`. */
export type LogContext = Record<string, Record<string, unknown>>;

const CONTEXT = Symbol('logContext');
type WithContext = Logger & { [CONTEXT]?: LogContext };

/** `base` with `extra` merged in, one level deep: `{ job: { id } }` + `{ job: { status } }` → `{ job: { id, status } }`. */
function mergeContext(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const prev = out[k];
    const objects = prev && v && typeof prev === 'object' && typeof v === 'object' && !Array.isArray(prev) && !Array.isArray(v) && !(v instanceof Error);
    out[k] = objects ? { ...(prev as Record<string, unknown>), ...(v as Record<string, unknown>) } : v;
  }
  return out;
}

/**
 * A logger whose every line carries `context`. Unlike pino's child bindings,
 * a call that passes `{ job: { status } }` extends the context's `job` instead
 * of writing a second `job` key (a log shipper would keep only one of them).
 */
export function withContext(log: Logger, context: LogContext): Logger {
  const child = log.child({}) as WithContext;
  child[CONTEXT] = mergeContext((log as WithContext)[CONTEXT] ?? {}, context) as LogContext;
  return child;
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
      // A child logger inherits its parent's context through the prototype.
      mixin: (_obj, _level, logger) => ({ ...((logger as WithContext)[CONTEXT] ?? {}) }),
      mixinMergeStrategy: (obj, context) => mergeContext(context as Record<string, unknown>, obj as Record<string, unknown>),
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(scrub) as Parameters<typeof method>);
        },
      },
    },
    readable ? pretty({ sync: true, singleLine: true, ignore: 'pid,hostname,service\\.name', destination: destination ?? 1 }) : destination,
  );
}
