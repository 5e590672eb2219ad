import type { Configuration, ConnectorDoc } from '../../protocol/types.js';
import { mergeSchema } from '../../sources/configuration.js';
import type { DataSourceFactory } from '../../sources/types.js';
import type { SetupContext } from './context.js';

/**
 * The source's configuration schema with our values, its features and the
 * daily full sync. Written here rather than left to the service, which starts
 * only after setup. Returns the connector as read before these writes.
 */
export async function configureConnector(ctx: SetupContext, source: DataSourceFactory): Promise<ConnectorDoc> {
  const { settings, store, admin, log } = ctx;
  const id = settings.CONNECTOR_ID;
  const current = (await store.getConnector(id))!.doc;
  const configuration = configurationFor(ctx, current, source);
  const scheduling = {
    ...current.scheduling,
    full: { enabled: true, interval: settings.CONNECTOR_FULL_SCHEDULE },
    incremental: incrementalSchedule(settings.CONNECTOR_INCREMENTAL_SCHEDULE, current),
  };
  await admin.setConfiguration(id, configuration);
  await admin.setScheduling(id, current.scheduling, { full: scheduling.full, incremental: scheduling.incremental });
  await admin.setFeatures(id, source.features());
  const incremental = scheduling.incremental.enabled ? `, incremental ${scheduling.incremental.interval}` : ', incremental off';
  log.info(`setup: configuration, features and schedules (full ${settings.CONNECTOR_FULL_SCHEDULE}${incremental}) set`);
  return current;
}

/** "off" keeps the connector's interval and disables the schedule. */
function incrementalSchedule(value: string, current: ConnectorDoc): { enabled: boolean; interval: string } {
  if (value.trim().toLowerCase() === 'off') return { enabled: false, interval: current.scheduling?.incremental?.interval ?? '0 0 0 * * ?' };
  return { enabled: true, interval: value };
}

/** Fields the schema lacks are skipped, not invented. */
function configurationFor({ settings }: SetupContext, current: ConnectorDoc, source: DataSourceFactory): Configuration {
  const { configuration } = mergeSchema(current.configuration ?? {}, source.configurationSchema());
  const values: Record<string, unknown> = {
    host: settings.CONNECTOR_PG_HOST,
    port: settings.CONNECTOR_PG_PORT,
    username: settings.CONNECTOR_PG_USERNAME,
    password: settings.CONNECTOR_PG_PASSWORD,
    database: settings.CONNECTOR_PG_DATABASE,
    schema: settings.CONNECTOR_PG_SCHEMA,
    tables: settings.CONNECTOR_PG_TABLES,
    publication: settings.CONNECTOR_PG_PUBLICATION,
  };
  for (const [key, value] of Object.entries(values)) if (configuration[key]) configuration[key].value = value;
  return configuration;
}
