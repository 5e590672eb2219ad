import { z } from 'zod';
import { DEFAULT_ROLE_FILE } from './role.js';

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default(fallback)
    .transform((v) => v === 'true');

/**
 * Compose switches a feature off by setting its variable to "" (the offline
 * overlay blanks ELASTIC_PASSWORD and KIBANA_URL), so an empty value counts as
 * unset: absent, or the default.
 */
function withoutEmptyValues(env: unknown): unknown {
  if (typeof env !== 'object' || env === null) return env;
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
}

/** Everything `connectors setup` reads, from the environment. */
export const setupSettingsSchema = z.preprocess(
  withoutEmptyValues,
  z.object({
    ELASTICSEARCH_URL: z.string().url({ message: 'must be a URL' }).default('http://localhost:9200'),
    /** The superuser password: only setup uses it, never the service. */
    ELASTIC_PASSWORD: z.string().optional(),
    ELASTIC_USERNAME: z.string().default('elastic'),
    KIBANA_URL: z.string().url({ message: 'must be a URL' }).optional(),
    KIBANA_PASSWORD: z.string().optional(),
    KIBANA_WAIT: z.coerce.number().positive().default(600),
    DATA_VIEW_ID: z.string().default('pg-es-connectors-demo'),
    CONNECTOR_ID: z.string().min(1).default('postgres-demo'),
    CONNECTOR_NAME: z.string().default('PostgreSQL demo'),
    CONNECTOR_INDEX_NAME: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be a valid index name (lower case, no spaces, not starting with - _ +)' })
      .default('postgres-demo'),
    CONNECTOR_SERVICE_TYPE: z.string().default('postgresql'),
    CONNECTOR_PG_HOST: z.string().default('127.0.0.1'),
    CONNECTOR_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
    CONNECTOR_PG_USERNAME: z.string().default('connector_reader'),
    CONNECTOR_PG_PASSWORD: z.string().default(''),
    CONNECTOR_PG_DATABASE: z.string().default('demo'),
    CONNECTOR_PG_SCHEMA: z.string().default('public'),
    CONNECTOR_PG_TABLES: z.string().default('*'),
    /** Publication incremental sync reads (the seed creates it). */
    CONNECTOR_PG_PUBLICATION: z.string().default('connectors_demo'),
    /** Quartz cron of the daily full sync. */
    CONNECTOR_FULL_SCHEDULE: z.string().default('0 0 3 * * ?'),
    /** Quartz cron of incremental syncs (a job only when changes wait); "off" disables them. */
    CONNECTOR_INCREMENTAL_SCHEDULE: z.string().default('0/5 * * * * ?'),
    SETUP_FIRST_SYNC: flag('true'),
    SETUP_OUTPUT_FILE: z.string().optional(),
    /** Replace the service's API key even when the one it has is still valid. */
    SETUP_ROTATE_API_KEY: flag('false'),
    /** Role descriptors of the service's API key, `${CONNECTOR_INDEX_NAME}` substituted. */
    SETUP_ROLE_FILE: z.string().default(DEFAULT_ROLE_FILE),
  }),
);
export type SetupSettings = z.output<typeof setupSettingsSchema>;

export interface SetupResult {
  backend: 'api' | 'index';
  connectorId: string;
  created: boolean;
  apiKeyId?: string;
  firstSyncJobId?: string;
  dataView?: 'created' | 'skipped';
  outputFile?: string;
}
