import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface ServiceSettings {
  elasticsearchUrl: string;
  databaseUrl: string;
  pg: { host: string; port: number; user: string; password: string; database: string };
}

/** Connection settings of the running native (or compose) services, from .services.env. */
export function serviceSettings(): ServiceSettings {
  const file = path.join(REPO_ROOT, '.services.env');
  const fromFile = existsSync(file) ? parse(readFileSync(file)) : {};
  const get = (k: string): string => {
    const v = process.env[k] ?? fromFile[k];
    if (!v) throw new Error(`${k} is not set: start the services with "make services-up" (writes .services.env)`);
    return v;
  };
  return {
    elasticsearchUrl: get('ELASTICSEARCH_URL'),
    databaseUrl: get('DATABASE_URL'),
    pg: {
      host: get('PGHOST'),
      port: Number(get('PGPORT')),
      user: get('PGUSER'),
      password: get('PGPASSWORD'),
      database: get('PGDATABASE'),
    },
  };
}
