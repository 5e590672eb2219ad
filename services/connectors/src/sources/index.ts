import { postgresqlSource } from './postgresql/index.js';
import { SourceRegistry } from './registry.js';

/** The sources this build ships. */
export function defaultSources(): SourceRegistry {
  return new SourceRegistry([postgresqlSource]);
}
