import type { DataSourceFactory } from '../types.js';
import { configurationSchema, features } from './schema.js';
import { PostgresqlSource } from './source.js';

/** Elastic's `postgresql` service type, read from one schema of one database. */
export const postgresqlSource: DataSourceFactory = {
  serviceType: 'postgresql',
  displayName: 'PostgreSQL',
  configurationSchema,
  features,
  create: (values, log) => new PostgresqlSource(values, log),
};
