import { ConfigError, withEnvFiles } from '../config/load.js';
import { rawConfigSchema } from '../config/schema.js';
import { createEsClient } from '../es/client.js';
import { createLogger } from '../log/logger.js';
import { registerSecret } from '../log/redact.js';
import { postgresqlSource } from '../sources/postgresql/index.js';
import { waitForElasticsearch } from '../es/preflight.js';
import { asCliError } from './cluster.js';
import { runSetup, setupSettingsSchema, type SetupSettings } from './setup/index.js';

/** The environment over .env over .services.env, as for the service itself. */
function settingsFromEnv(env: NodeJS.ProcessEnv): SetupSettings {
  const parsed = setupSettingsSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}

/** The service's own ELASTICSEARCH_MAX_WAIT: same name, default and checks. */
const maxWaitSchema = rawConfigSchema.shape.ELASTICSEARCH_MAX_WAIT;
export const DEFAULT_MAX_WAIT_S = maxWaitSchema.parse(undefined);

/** In ms; an empty value means unset, as for setup's other settings. */
function maxWaitMsFromEnv(env: NodeJS.ProcessEnv): number {
  const parsed = maxWaitSchema.safeParse(env.ELASTICSEARCH_MAX_WAIT || undefined);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `ELASTICSEARCH_MAX_WAIT: ${i.message}`));
  return parsed.data * 1000;
}

/**
 * `connectors setup`: waits up to ELASTICSEARCH_MAX_WAIT for the cluster (in
 * compose it starts alongside), then registers the connector.
 */
export async function setupCommand(): Promise<void> {
  const env = withEnvFiles();
  const settings = settingsFromEnv(env);
  registerSecret(settings.ELASTIC_PASSWORD);
  const log = createLogger(env.LOG_LEVEL ?? 'info');
  const maxWaitMs = maxWaitMsFromEnv(env);
  const client = createEsClient({
    url: settings.ELASTICSEARCH_URL,
    ...(settings.ELASTIC_PASSWORD ? { username: settings.ELASTIC_USERNAME, password: settings.ELASTIC_PASSWORD } : {}),
    requestTimeoutMs: 60_000,
    maxRetries: 5,
    maxWaitMs,
    allowVersionMismatch: false,
  });
  try {
    await waitForElasticsearch(client, log, maxWaitMs);
    const result = await runSetup(client, settings, postgresqlSource, log);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    throw asCliError(err, settings.ELASTICSEARCH_URL);
  } finally {
    await client.close();
  }
}
