import { z } from 'zod';

/**
 * Every setting the service reads. Each key is the environment variable's name;
 * the YAML file uses the same keys (plus a `connectors` list for per-connector
 * API keys), so there is one name per setting everywhere.
 */
export const SETTINGS = {
  ELASTICSEARCH_URL: 'Elasticsearch URL, e.g. http://localhost:9200',
  ELASTICSEARCH_API_KEY: 'API key (encoded) used by the service; preferred over username/password',
  ELASTICSEARCH_USERNAME: 'Basic-auth user when no API key is set',
  ELASTICSEARCH_PASSWORD: 'Basic-auth password',
  ELASTICSEARCH_CA_CERT: 'CA certificate for HTTPS: a PEM file path or the PEM text',
  ELASTICSEARCH_REQUEST_TIMEOUT: 'Per-request timeout, seconds',
  ELASTICSEARCH_MAX_RETRIES: 'Retries, with exponential back-off, of a request Elasticsearch rejected (429, 503) or whose connection was refused; reads and bulk requests also after 502/504 or a dropped connection, reads after a timeout',
  ELASTICSEARCH_MAX_WAIT: 'How long start-up (and `connectors setup`) waits for Elasticsearch, seconds; then one line says what to do',
  ALLOW_ES_VERSION_MISMATCH: 'Start even when Elasticsearch is another major, or an older minor, than the client',
  CONNECTORS_PROTOCOL: 'auto | api | index: how connector and job documents are read and written',
  CONNECTOR_IDS: 'Comma-separated connector ids this process serves',
  CONNECTORS_SERVICE_TYPES: 'Worker mode: serve every self-managed connector of these service types',
  CONNECTORS_POLL_INTERVAL: 'Seconds between scheduling and job-pickup passes',
  CONNECTORS_HEARTBEAT_INTERVAL: 'Seconds between connector check-ins',
  CONNECTORS_CLEANUP_INTERVAL: 'Seconds between cleanup passes over orphaned and idle jobs',
  CONNECTORS_IDLE_JOB_THRESHOLD: 'A running job not seen for this many seconds is marked error',
  CONNECTORS_SHUTDOWN_TIMEOUT: "Seconds a graceful stop (SIGTERM) may take to suspend running jobs; past it the process exits anyway and cleanup ends the jobs. Keep it below the container's stop grace period (compose: 30 s)",
  CONNECTORS_MAX_CONCURRENT_SYNCS: 'Sync jobs one process runs at once',
  CONNECTORS_MAX_CONSECUTIVE_DOCUMENT_ERRORS: "A sync ends in error once this many documents in a row failed to index (Elastic's limit); failures below the limits are reported in the job's `metadata.failed_documents` and the job completes without error",
  CONNECTORS_INCREMENTAL_MAX_DURATION: 'Seconds an incremental sync job streams changes before it completes (the next scheduled one continues)',
  CONNECTORS_INCREMENTAL_IDLE: 'Seconds without a change after which an incremental sync job completes early',
  CONNECTORS_INCREMENTAL_CHECK_INTERVAL: "Seconds between peeks at the change log of connectors with an incremental schedule; a change waiting creates a job at the schedule's next due slot",
  CONNECTORS_REPLICATION_WARN_MB: 'WAL (MiB) a change-capture slot may keep on PostgreSQL before the connector shows a warning',
  CONNECTORS_BULK_MAX_MB: 'A bulk request is sent once it holds this many MiB of documents (Elasticsearch does best with 5–15)',
  CONNECTORS_BULK_MAX_DOCS: '…or this many documents, whichever comes first',
  CONNECTORS_BULK_CONCURRENCY: 'Bulk requests of one sync in flight at once; memory holds one more request body than this',
  CONNECTORS_CONFIG_FILE: 'Optional YAML file with any of these keys',
  CONNECTORS_ENV_FILE: 'Optional extra env file (KEY=value lines), e.g. written by the setup job',
  HTTP_PORT: 'Port of the status page `/` and its `/api/…` JSON, `/health`, `/ready`, `/metrics` (Prometheus); 0 turns them off',
  HTTP_HOST: 'Address the HTTP endpoints bind to',
  STATUS_PAGE_ACTIONS: 'The status page may start syncs and cancel jobs; off, it only shows them and those endpoints answer 403',
  STATUS_PAGE_HOSTS: 'Host names, besides localhost, 127.0.0.1 and [::1], the status page and its `/api/…` answer to (the Host header: a name of this machine, or of a proxy in front); other names get 403, so a web page elsewhere cannot reach it through DNS rebinding',
  LOG_LEVEL: '`trace`, `debug`, `info`, `warn`, `error`, `fatal`, or `silent`',
  USE_DOTENV: '`false` skips `.env` (`.services.env` is still read); only from the environment, since `.env` is read before it is known',
  LOG_FORMAT: "`auto`: `pretty` when stdout is a terminal, `json` otherwise (a pipe, a container's log); `json` (ECS, for log shippers); `pretty` (one readable line per event; `make demo` and `compose/dev.yml` use it)",
} as const;

export type SettingKey = keyof typeof SETTINGS;

/** Bulk defaults, measured with `make bench` (docs/configuration.md, performance). */
export const BULK_DEFAULTS = { maxMb: 2, maxDocs: 10_000, concurrency: 2 } as const;

const seconds = (def: number, min = 0.05) =>
  z.coerce
    .number({ error: 'must be a number of seconds' })
    .refine((n) => Number.isFinite(n) && n >= min, { message: `must be a number of seconds ≥ ${min}` })
    .default(def);

const positiveInt = (def: number, max = 1_000) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(max, { message: `must be at most ${max}` })
    .default(def);

const flag = z
  .union([z.boolean(), z.string()])
  .transform((v, ctx) => {
    if (typeof v === 'boolean') return v;
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['', '0', 'false', 'no', 'off'].includes(s)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  })
  .default(false);

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
  .default([]);

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

export const connectorEntrySchema = z.object({
  connector_id: z.string().min(1, { message: 'must not be empty' }),
  service_type: z.string().min(1).optional(),
  api_key: z.string().min(1).optional(),
});

export const rawConfigSchema = z
  .object({
    ELASTICSEARCH_URL: z
      .string({ error: 'is required' })
      .trim()
      .refine(
        (s) => {
          try {
            const u = new URL(s);
            return u.protocol === 'http:' || u.protocol === 'https:';
          } catch {
            return false;
          }
        },
        { message: 'must be an http:// or https:// URL' },
      )
      .default('http://localhost:9200'),
    ELASTICSEARCH_API_KEY: optionalText,
    ELASTICSEARCH_USERNAME: optionalText,
    ELASTICSEARCH_PASSWORD: optionalText,
    ELASTICSEARCH_CA_CERT: optionalText,
    ELASTICSEARCH_REQUEST_TIMEOUT: seconds(120, 1),
    ELASTICSEARCH_MAX_RETRIES: z.coerce.number({ error: 'must be a whole number' }).int().min(0).max(20).default(5),
    ELASTICSEARCH_MAX_WAIT: seconds(240, 0),
    ALLOW_ES_VERSION_MISMATCH: flag,
    CONNECTORS_PROTOCOL: z
      .enum(['auto', 'api', 'index'], { error: 'must be one of auto, api, index' })
      .default('auto'),
    CONNECTOR_IDS: list,
    CONNECTORS_SERVICE_TYPES: list,
    CONNECTORS_POLL_INTERVAL: seconds(30),
    CONNECTORS_HEARTBEAT_INTERVAL: seconds(300),
    CONNECTORS_CLEANUP_INTERVAL: seconds(300),
    CONNECTORS_IDLE_JOB_THRESHOLD: seconds(300),
    CONNECTORS_SHUTDOWN_TIMEOUT: seconds(25, 1),
    CONNECTORS_MAX_CONCURRENT_SYNCS: positiveInt(1, 64),
    CONNECTORS_MAX_CONSECUTIVE_DOCUMENT_ERRORS: positiveInt(10, 1_000_000),
    CONNECTORS_INCREMENTAL_MAX_DURATION: seconds(120, 1),
    CONNECTORS_INCREMENTAL_IDLE: seconds(30, 0.5),
    CONNECTORS_INCREMENTAL_CHECK_INTERVAL: seconds(1, 0.1),
    CONNECTORS_REPLICATION_WARN_MB: positiveInt(1024, 1_048_576),
    CONNECTORS_BULK_MAX_MB: z.coerce
      .number({ error: 'must be a number of MiB' })
      .refine((n) => Number.isFinite(n) && n >= 0.01 && n <= 100, { message: 'must be a number of MiB between 0.01 and 100' })
      .default(BULK_DEFAULTS.maxMb),
    CONNECTORS_BULK_MAX_DOCS: positiveInt(BULK_DEFAULTS.maxDocs, 1_000_000),
    CONNECTORS_BULK_CONCURRENCY: positiveInt(BULK_DEFAULTS.concurrency, 16),
    HTTP_PORT: z.coerce
      .number({ error: 'must be a port number' })
      .int({ message: 'must be a port number' })
      .min(0, { message: 'must be between 0 and 65535' })
      .max(65535, { message: 'must be between 0 and 65535' })
      .default(8080),
    HTTP_HOST: z.string().default('0.0.0.0'),
    STATUS_PAGE_ACTIONS: flag,
    STATUS_PAGE_HOSTS: list,
    LOG_LEVEL: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
        error: 'must be one of trace, debug, info, warn, error, fatal, silent',
      })
      .default('info'),
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'must be auto, json or pretty' }).default('auto'),
    USE_DOTENV: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
    connectors: z.array(connectorEntrySchema).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.ELASTICSEARCH_USERNAME && !c.ELASTICSEARCH_PASSWORD) {
      ctx.addIssue({ code: 'custom', path: ['ELASTICSEARCH_PASSWORD'], message: 'is required when ELASTICSEARCH_USERNAME is set' });
    }
    if (c.ELASTICSEARCH_PASSWORD && !c.ELASTICSEARCH_USERNAME) {
      ctx.addIssue({ code: 'custom', path: ['ELASTICSEARCH_USERNAME'], message: 'is required when ELASTICSEARCH_PASSWORD is set' });
    }
    for (const id of [...c.CONNECTOR_IDS, ...c.connectors.map((e) => e.connector_id)]) {
      if (id === 'changeme') {
        ctx.addIssue({ code: 'custom', path: ['CONNECTOR_IDS'], message: 'still holds the placeholder "changeme"' });
      }
    }
  });

export type RawConfig = z.output<typeof rawConfigSchema>;
