import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** Static views of the quickstart's files (compose file, Dockerfiles, .env.example, package.json scripts). */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export const FILES = {
  compose: 'docker-compose.yml',
  envExample: '.env.example',
  dockerignore: '.dockerignore',
  serviceDockerfile: 'services/connectors/Dockerfile',
  seedDockerfile: 'seed/Dockerfile',
  servicePackage: 'services/connectors/package.json',
  seedPackage: 'seed/package.json',
} as const;

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}

export type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };
export type YamlMap = { [key: string]: Yaml };

export function isMap(v: Yaml | undefined): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The compose file as parsed YAML, before any `${VAR}` interpolation. */
export function loadComposeDocument(): YamlMap {
  // merge: the file shares its build settings through a YAML anchor and `<<`.
  const doc = parseYaml(readRepoFile(FILES.compose), { merge: true }) as Yaml;
  if (!isMap(doc)) throw new Error(`${FILES.compose} is not a YAML mapping`);
  return doc;
}

/** Only the fields the tests read; everything else stays `Yaml`. */
export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  restart?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean; interval?: string; start_period?: string };
  ports?: (string | number | YamlMap)[];
  volumes?: (string | YamlMap)[];
  [key: string]: Yaml | undefined;
}

export function servicesOf(doc: YamlMap): Record<string, ComposeService> {
  const services = doc['services'];
  if (!isMap(services)) throw new Error(`${FILES.compose} has no services mapping`);
  return services as unknown as Record<string, ComposeService>;
}

/** `environment` in either the map or the `KEY=value` list form. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** `depends_on` as name → condition (the short list form means service_started). */
export function dependenciesOf(service: ComposeService): Record<string, string> {
  const deps = service.depends_on;
  if (deps === undefined) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, d.condition]));
}

/** One-shot jobs say so with `restart: "no"`; everything else must keep running. */
export function isOneShot(service: ComposeService): boolean {
  return service.restart === 'no';
}

/** `command` as argv; the string form would go through a shell-like split, which we do not allow. */
export function commandOf(service: ComposeService): string[] | undefined {
  if (service.command === undefined) return undefined;
  if (!Array.isArray(service.command)) throw new Error('use the list form of `command` so no shell splitting is involved');
  return service.command;
}

export interface VolumeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Short-syntax mounts `source:target[:mode]` and the long syntax. */
export function mountsOf(service: ComposeService): VolumeMount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [source = '', target = '', mode = ''] = v.split(':');
      return { source, target, readOnly: mode.split(',').includes('ro') };
    }
    return { source: String(v['source'] ?? ''), target: String(v['target'] ?? ''), readOnly: v['read_only'] === true };
  });
}

/**
 * A package.json script as argv. Only plain `word word word` scripts qualify:
 * anything a shell would interpret means the image cannot exec it directly.
 */
export function scriptArgv(packageFile: string, script: string): string[] {
  const pkg = JSON.parse(readRepoFile(packageFile)) as { scripts?: Record<string, string> };
  const line = pkg.scripts?.[script];
  if (line === undefined) {
    throw new Error(
      `${packageFile} has no "${script}" script yet; the image and compose file run it directly, ` +
        `so add it (expected a plain command such as "node dist/...")`,
    );
  }
  if (/[|&;<>()$`"'\\*?[\]{}~]/.test(line)) {
    throw new Error(`${packageFile} script "${script}" (${line}) uses shell syntax; an exec-form CMD cannot mirror it`);
  }
  return line.trim().split(/\s+/);
}
