import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import type { LogFormat } from '../log/logger.js';
import { redactText } from '../log/redact.js';
import { rawConfigSchema, SETTINGS, type RawConfig } from './schema.js';

export type ProtocolMode = 'auto' | 'api' | 'index';

export interface ConnectorSelection {
  id: string;
  serviceType?: string;
  /** Replaces the service's credentials for this connector's content writes. */
  apiKey?: string;
}

export interface Config {
  elasticsearch: {
    url: string;
    apiKey?: string;
    username?: string;
    password?: string;
    /** PEM text (read from the file when a path was given). */
    caCert?: string;
    requestTimeoutMs: number;
    maxRetries: number;
    /** First retry delay; doubles per attempt (tests shorten it). */
    retryBaseDelayMs?: number;
    maxWaitMs: number;
    allowVersionMismatch: boolean;
  };
  protocol: ProtocolMode;
  connectors: ConnectorSelection[];
  serviceTypes: string[];
  pollIntervalMs: number;
  /** Documents failing in a row that end a sync. */
  maxConsecutiveDocumentErrors: number;
  /** Bulk requests of a sync: flush thresholds and requests in flight. */
  bulk: { flushBytes: number; flushCount: number; concurrency: number };
  /** Retained WAL past which a connector shows a warning. */
  replicationWarnBytes: number;
  /** How long incremental jobs stream (see the job runner). */
  incremental: { maxDurationMs: number; idleMs: number; checkIntervalMs: number };
  heartbeatIntervalMs: number;
  cleanupIntervalMs: number;
  shutdownTimeoutMs: number;
  idleJobThresholdMs: number;
  maxConcurrentSyncs: number;
  http: { port: number; host: string };
  /** The status page may start syncs and cancel jobs (otherwise it is read-only). */
  statusPageActions: boolean;
  statusPageHosts: string[];
  logLevel: string;
  logFormat: LogFormat;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Directory where `.env` and `.services.env` are looked for (and its parents). */
  cwd?: string;
  /** Skip reading `.env` / `.services.env` files (tests). */
  envFiles?: boolean;
}

const KEYS = Object.keys(SETTINGS) as (keyof typeof SETTINGS)[];

/** Nearest file of that name in `dir` or up to three parents (a workspace runs one level down). */
function findUp(dir: string, name: string): string | undefined {
  let current = path.resolve(dir);
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(current, name);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return undefined;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`CONNECTORS_CONFIG_FILE: cannot read ${file}: ${(err as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`CONNECTORS_CONFIG_FILE: ${file} is not valid YAML: ${(err as Error).message}`]);
  }
  if (doc == null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError([`CONNECTORS_CONFIG_FILE: ${file} must hold a mapping of settings`]);
  }
  const out: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(doc)) {
    const upper = key.toUpperCase();
    if (key === 'connectors') out.connectors = value;
    else if ((KEYS as string[]).includes(upper)) out[upper] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    else unknown.push(key);
  }
  if (unknown.length) {
    throw new ConfigError(unknown.map((k) => `${k}: unknown setting in ${file} (known: ${KEYS.join(', ')}, connectors)`));
  }
  return out;
}

function readCaCert(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError([`ELASTICSEARCH_CA_CERT: cannot read certificate file ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
}

/**
 * `.services.env` (written by `make services-up`) under `.env`, the nearest of
 * each from `cwd` up. `USE_DOTENV=false` skips `.env`: the tests set it, so a
 * user's `.env` cannot change what they test.
 */
export function envFileValues(env: NodeJS.ProcessEnv, cwd: string, enabled = true): Record<string, string> {
  const out: Record<string, string> = {};
  if (!enabled) return out;
  for (const name of env.USE_DOTENV === 'false' ? ['.services.env'] : ['.services.env', '.env']) {
    const file = findUp(cwd, name);
    if (file) Object.assign(out, parseDotenv(readFileSync(file)));
  }
  return out;
}

/** The environment over the env files: what a command run by hand should see. */
export function withEnvFiles(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): NodeJS.ProcessEnv {
  return { ...envFileValues(env, cwd), ...env };
}

/**
 * One validated config from, lowest precedence first: defaults, the YAML file,
 * `.services.env` (written by `make services-up`), `.env`, `CONNECTORS_ENV_FILE`,
 * the process environment.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();

  const fileEnv = envFileValues(env, cwd, options.envFiles);
  // An env file handed over by another process (compose's setup job) ranks just below the environment.
  const extraFile = env.CONNECTORS_ENV_FILE ?? fileEnv.CONNECTORS_ENV_FILE;
  if (extraFile) {
    const file = path.resolve(cwd, extraFile);
    let text: Buffer;
    try {
      text = readFileSync(file);
    } catch (err) {
      throw new ConfigError([`CONNECTORS_ENV_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
    Object.assign(fileEnv, parseDotenv(text));
  }
  const pick = (key: string): string | undefined => {
    const v = env[key] ?? fileEnv[key];
    return v === undefined ? undefined : v;
  };

  const configFile = pick('CONNECTORS_CONFIG_FILE');
  const input: Record<string, unknown> = configFile ? readYaml(path.resolve(cwd, configFile)) : {};
  for (const key of KEYS) {
    const v = pick(key);
    if (v !== undefined) input[key] = v;
  }

  const parsed = rawConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.') || 'config';
      const raw = issue.path.length === 1 ? input[String(issue.path[0])] : undefined;
      // Never echo a value that could be a secret.
      const secret = /PASSWORD|API_KEY|api_key/.test(key);
      const shown = raw !== undefined && !secret && typeof raw !== 'object' ? ` (got "${redactText(String(raw))}")` : '';
      return `${key}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  return toConfig(parsed.data);
}

function toConfig(raw: RawConfig): Config {
  const byId = new Map<string, ConnectorSelection>();
  for (const id of raw.CONNECTOR_IDS) byId.set(id, { id });
  for (const entry of raw.connectors) {
    byId.set(entry.connector_id, {
      id: entry.connector_id,
      ...(entry.service_type ? { serviceType: entry.service_type } : {}),
      ...(entry.api_key ? { apiKey: entry.api_key } : {}),
    });
  }
  return {
    elasticsearch: {
      url: raw.ELASTICSEARCH_URL,
      ...(raw.ELASTICSEARCH_API_KEY ? { apiKey: raw.ELASTICSEARCH_API_KEY } : {}),
      ...(raw.ELASTICSEARCH_USERNAME ? { username: raw.ELASTICSEARCH_USERNAME } : {}),
      ...(raw.ELASTICSEARCH_PASSWORD ? { password: raw.ELASTICSEARCH_PASSWORD } : {}),
      ...(raw.ELASTICSEARCH_CA_CERT ? { caCert: readCaCert(raw.ELASTICSEARCH_CA_CERT) } : {}),
      requestTimeoutMs: raw.ELASTICSEARCH_REQUEST_TIMEOUT * 1000,
      maxRetries: raw.ELASTICSEARCH_MAX_RETRIES,
      maxWaitMs: raw.ELASTICSEARCH_MAX_WAIT * 1000,
      allowVersionMismatch: raw.ALLOW_ES_VERSION_MISMATCH,
    },
    protocol: raw.CONNECTORS_PROTOCOL,
    connectors: [...byId.values()],
    serviceTypes: raw.CONNECTORS_SERVICE_TYPES,
    pollIntervalMs: raw.CONNECTORS_POLL_INTERVAL * 1000,
    heartbeatIntervalMs: raw.CONNECTORS_HEARTBEAT_INTERVAL * 1000,
    cleanupIntervalMs: raw.CONNECTORS_CLEANUP_INTERVAL * 1000,
    shutdownTimeoutMs: raw.CONNECTORS_SHUTDOWN_TIMEOUT * 1000,
    idleJobThresholdMs: raw.CONNECTORS_IDLE_JOB_THRESHOLD * 1000,
    maxConcurrentSyncs: raw.CONNECTORS_MAX_CONCURRENT_SYNCS,
    replicationWarnBytes: raw.CONNECTORS_REPLICATION_WARN_MB * 1_048_576,
    maxConsecutiveDocumentErrors: raw.CONNECTORS_MAX_CONSECUTIVE_DOCUMENT_ERRORS,
    bulk: { flushBytes: Math.round(raw.CONNECTORS_BULK_MAX_MB * 1_048_576), flushCount: raw.CONNECTORS_BULK_MAX_DOCS, concurrency: raw.CONNECTORS_BULK_CONCURRENCY },
    incremental: {
      maxDurationMs: raw.CONNECTORS_INCREMENTAL_MAX_DURATION * 1000,
      idleMs: raw.CONNECTORS_INCREMENTAL_IDLE * 1000,
      checkIntervalMs: raw.CONNECTORS_INCREMENTAL_CHECK_INTERVAL * 1000,
    },
    http: { port: raw.HTTP_PORT, host: raw.HTTP_HOST },
    statusPageActions: raw.STATUS_PAGE_ACTIONS,
    statusPageHosts: raw.STATUS_PAGE_HOSTS,
    logLevel: raw.LOG_LEVEL,
    // A person at a terminal reads lines; a pipe or a container's log driver gets ECS JSON.
    logFormat: raw.LOG_FORMAT === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : raw.LOG_FORMAT,
  };
}

/** Values that must never reach a log line or a document. */
export function secretsOf(config: Config): string[] {
  return [
    config.elasticsearch.apiKey,
    config.elasticsearch.password,
    ...config.connectors.map((c) => c.apiKey),
  ].filter((s): s is string => typeof s === 'string' && s.length >= 4);
}
