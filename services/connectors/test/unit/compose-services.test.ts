import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SETTINGS } from '../../src/config/schema.js';
import {
  FILES,
  dependenciesOf,
  environmentOf,
  isMap,
  isOneShot,
  loadComposeDocument,
  mountsOf,
  readRepoFile,
  servicesOf,
  type ComposeService,
} from '../helpers/compose-files.js';
import { interpolateDocument } from '../helpers/compose-parse.js';

// Structure is checked on the file as written; values that carry variables
// are checked after interpolation with no .env, i.e. on a first run.
const raw = loadComposeDocument();
const services = servicesOf(raw);
const resolved = servicesOf(interpolateDocument(raw, {}));
const names = Object.keys(services);
const oneShots = names.filter((n) => isOneShot(services[n] as ComposeService));
const longRunning = names.filter((n) => !oneShots.includes(n));

function service(name: string): ComposeService {
  const s = resolved[name];
  if (!s) throw new Error(`${FILES.compose} has no "${name}" service`);
  return s;
}

/** Everything `name` waits for, directly or through other services. */
function prerequisites(name: string, seen = new Set<string>()): Set<string> {
  for (const dep of Object.keys(dependenciesOf(services[name] ?? {}))) {
    if (!seen.has(dep)) {
      seen.add(dep);
      prerequisites(dep, seen);
    }
  }
  return seen;
}

/** compose/<service>/<file>, mounted read-only where the service reads its configuration. */
function configFile(name: string, file: string, target: string): string {
  const mount = mountsOf(service(name)).find((m) => m.target === target);
  expect(mount, `${name} does not mount ${file} at ${target}`).toMatchObject({ source: `./${file}`, readOnly: true });
  return readRepoFile(file);
}

const healthTest = (s: ComposeService): string => {
  const t = s.healthcheck?.test;
  return Array.isArray(t) ? t.join(' ') : (t ?? '');
};

describe('services and start-up order', () => {
  it('has the quickstart services', () => {
    expect(names.sort()).toEqual(['changes', 'connectors', 'elasticsearch', 'kibana', 'postgres', 'seed', 'setup']);
    // Live changes only on request.
    expect(services.changes?.profiles).toEqual(['live']);
  });

  it('declares a restart policy everywhere; "no" marks exactly the one-shot jobs', () => {
    const missing = names.filter((n) => services[n]?.restart === undefined);
    expect(missing, 'services without an explicit restart policy').toEqual([]);
    expect(oneShots.sort()).toEqual(['seed', 'setup']);
  });

  it('gives every long-running service a healthcheck, so `up --wait` means ready', () => {
    for (const name of longRunning) {
      const hc = services[name]?.healthcheck;
      expect(hc?.disable, `${name} disables its healthcheck`).not.toBe(true);
      expect(healthTest(service(name)), `${name} has no healthcheck test`).not.toBe('');
    }
  });

  it('has every one-shot adopted by a long-running service (else `up --wait` exits 1)', () => {
    for (const job of oneShots) {
      const adopters = longRunning.filter((n) => dependenciesOf(services[n] ?? {})[job] === 'service_completed_successfully');
      expect(adopters, `no long-running service waits for ${job} with service_completed_successfully`).not.toEqual([]);
    }
  });

  it('orders the chain postgres → seed → setup → connectors, with Elasticsearch healthy first', () => {
    expect(dependenciesOf(service('seed'))).toMatchObject({ postgres: 'service_healthy' });
    expect(dependenciesOf(service('setup'))).toMatchObject({
      elasticsearch: 'service_healthy',
      seed: 'service_completed_successfully',
    });
    expect(dependenciesOf(service('connectors'))).toMatchObject({
      elasticsearch: 'service_healthy',
      postgres: 'service_healthy',
      setup: 'service_completed_successfully',
    });
    expect(dependenciesOf(service('kibana'))).toMatchObject({ elasticsearch: 'service_healthy' });
  });

  it('only depends on services that exist, without cycles', () => {
    for (const name of names) {
      for (const dep of Object.keys(dependenciesOf(services[name] ?? {}))) {
        expect(names, `${name} depends on unknown service ${dep}`).toContain(dep);
      }
      expect(prerequisites(name).has(name), `${name} depends on itself`).toBe(false);
    }
  });

  it('never makes a one-shot wait at run time for a service that waits for that one-shot', () => {
    // setup calls Kibana's API (data view), so Kibana must not wait for setup:
    // compose would hold Kibana back while setup polls it, until setup times out.
    for (const job of oneShots) {
      const env = environmentOf(service(job));
      const called = Object.values(env).flatMap((v) => [...v.matchAll(/^https?:\/\/([a-z0-9_.-]+):/gi)].map((m) => m[1] ?? ''));
      for (const target of called.filter((t) => names.includes(t))) {
        expect(Object.keys(dependenciesOf(service(job))), `${job} calls ${target} but does not start after it`).toContain(target);
        expect(prerequisites(target).has(job), `${target} waits for ${job}, which calls it`).toBe(false);
      }
    }
  });

  it('uses no fixed container names, so several projects (e2e runs) can coexist', () => {
    expect(names.filter((n) => services[n]?.['container_name'] !== undefined)).toEqual([]);
  });
});

describe('ports and volumes', () => {
  const expected: Record<string, [string, number, number]> = {
    elasticsearch: ['ES_PORT', 9200, 9200],
    kibana: ['KIBANA_PORT', 5601, 5601],
    postgres: ['POSTGRES_PORT', 5432, 5432],
    connectors: ['CONNECTORS_HTTP_PORT', 8080, 8080],
  };

  it('publishes only on 127.0.0.1, on host ports configurable from .env', () => {
    for (const name of names) {
      const ports = services[name]?.ports ?? [];
      const spec = expected[name];
      if (!spec) {
        expect(ports, `${name} should not publish ports`).toEqual([]);
        continue;
      }
      const [variable, hostDefault, container] = spec;
      expect(ports).toEqual([`127.0.0.1:\${${variable}:-${hostDefault}}:${container}`]);
    }
  });

  it('keeps state in named volumes (no bind mounts outside compose/, which must be read-only)', () => {
    const declared = Object.keys(isMap(raw['volumes']) ? raw['volumes'] : {});
    for (const name of names) {
      for (const m of mountsOf(service(name))) {
        if (m.source.startsWith('.') || m.source.startsWith('/')) {
          expect(m.source, `${name} bind-mounts ${m.source}`).toMatch(/^\.\/compose\//);
          expect(m.readOnly, `${name} must mount ${m.source} read-only`).toBe(true);
        } else {
          expect(declared, `${name} uses undeclared volume ${m.source}`).toContain(m.source);
        }
      }
    }
  });
});

describe('elasticsearch', () => {
  const s = service('elasticsearch');
  const env = environmentOf(s);
  const settings = parseYaml(configFile('elasticsearch', 'compose/elasticsearch/elasticsearch.yml', '/usr/share/elasticsearch/config/elasticsearch.yml')) as Record<string, string>;

  it('pins the stack version and runs one node with security on and plain HTTP', () => {
    expect(services['elasticsearch']?.image).toBe('docker.elastic.co/elasticsearch/elasticsearch:${STACK_VERSION:-9.5.4}');
    expect(settings['discovery.type']).toBe('single-node');
    expect(env).toMatchObject({
      'xpack.security.enabled': 'true',
      'xpack.security.http.ssl.enabled': 'false',
      'xpack.security.transport.ssl.enabled': 'false',
      'xpack.license.self_generated.type': 'basic',
    });
    expect(env['ELASTIC_PASSWORD']).not.toBe('');
  });

  it('sizes the heap and the container from .env', () => {
    expect(environmentOf(services['elasticsearch'] ?? {})['ES_JAVA_OPTS']).toContain('-Xms${ES_HEAP:-1g} -Xmx${ES_HEAP:-1g}');
    expect(services['elasticsearch']?.['mem_limit']).toBe('${ES_MEM_LIMIT:-2g}');
    expect(s['ulimits']).toEqual({ memlock: { soft: -1, hard: -1 }, nofile: { soft: 65536, hard: 65536 } });
  });

  it('uses absolute disk watermarks, ordered low ≥ high ≥ flood stage in free space', () => {
    const bytes = (v: string | undefined): number => {
      const m = /^(\d+)(b|kb|mb|gb|tb)$/.exec(v ?? '');
      if (!m) throw new Error(`watermark ${String(v)} is not an absolute size`);
      return Number(m[1]) * 1024 ** ['b', 'kb', 'mb', 'gb', 'tb'].indexOf(m[2] ?? '');
    };
    const key = 'cluster.routing.allocation.disk.watermark.';
    const [low, high, flood] = ['low', 'high', 'flood_stage'].map((k) => bytes(settings[key + k]));
    expect(low).toBeGreaterThanOrEqual(high ?? Infinity);
    expect(high).toBeGreaterThanOrEqual(flood ?? Infinity);
  });

  it('reports healthy only once the cluster is yellow, reading the password inside the container', () => {
    const test = healthTest(s);
    expect(test).toContain('http://localhost:9200/_cluster/health?wait_for_status=yellow');
    // After Compose's own interpolation `$$` has become `$`, left for the shell.
    expect(test).toContain('-u "elastic:${ELASTIC_PASSWORD}"');
  });
});

describe('kibana', () => {
  const env = environmentOf(service('kibana'));
  const text = configFile('kibana', 'compose/kibana/kibana.yml', '/usr/share/kibana/config/kibana.yml');
  // Kibana replaces ${NAME} in its yml with the container's environment.
  const settings = parseYaml(text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => env[name] ?? `<unset ${name}>`)) as Record<string, unknown>;

  it('gets every variable its kibana.yml uses from the compose environment', () => {
    const used = [...text.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1] ?? '');
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !env[name])).toEqual([]);
  });

  it('logs in as kibana_system with KIBANA_PASSWORD', () => {
    expect(settings['elasticsearch.username']).toBe('kibana_system');
    expect(text).toContain('elasticsearch.password: ${KIBANA_PASSWORD}');
    expect(environmentOf(services['kibana'] ?? {})['KIBANA_PASSWORD']).toMatch(/^\$\{KIBANA_PASSWORD:-.+\}$/);
  });

  it('has the three encryption keys, each at least 32 characters', () => {
    for (const k of ['xpack.encryptedSavedObjects.encryptionKey', 'xpack.security.encryptionKey', 'xpack.reporting.encryptionKey']) {
      expect(String(settings[k] ?? '').length, k).toBeGreaterThanOrEqual(32);
    }
  });

  it('opens in the Elasticsearch solution and is checked on /api/status', () => {
    expect(settings['xpack.spaces.defaultSolution']).toBe('es');
    expect(healthTest(service('kibana'))).toContain('http://localhost:5601/api/status');
  });
});

describe('postgres', () => {
  it('enables logical WAL, commit timestamps and replication slots, from compose/postgres/postgresql.conf', () => {
    expect(service('postgres').command).toEqual(['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf']);
    const conf = configFile('postgres', 'compose/postgres/postgresql.conf', '/etc/postgresql/postgresql.conf');
    for (const line of ["listen_addresses = '*'", 'wal_level = logical', 'track_commit_timestamp = on', 'max_replication_slots = 10', 'max_wal_senders = 10']) {
      expect(conf.split('\n')).toContain(line);
    }
  });

  it('is healthy only when reachable over TCP, not just the init-time socket server', () => {
    expect(healthTest(service('postgres'))).toMatch(/pg_isready -h 127\.0\.0\.1 -U .+ -d /);
  });
});

describe('setup and the connector service', () => {
  const setupEnv = environmentOf(service('setup'));
  const connectorsEnv = environmentOf(service('connectors'));

  it('run from one image built from services/connectors/Dockerfile at the repository root, rebuilt on every up', () => {
    const build = { context: '.', dockerfile: FILES.serviceDockerfile, secrets: ['extra_ca'] };
    expect(service('setup').build).toEqual(build);
    expect(service('connectors').build).toEqual(build);
    expect(service('setup').image).toBe(service('connectors').image);
    expect(service('seed').build).toEqual({ ...build, dockerfile: FILES.seedDockerfile });
    for (const name of ['seed', 'setup', 'connectors']) expect(service(name)['pull_policy'], name).toBe('build');
  });

  it('hand over the connector id and API key through a shared volume, read-only for the service', () => {
    const file = setupEnv['SETUP_OUTPUT_FILE'] ?? '';
    expect(connectorsEnv['CONNECTORS_ENV_FILE']).toBe(file);
    const dir = path.posix.dirname(file);
    const writer = mountsOf(service('setup')).find((m) => m.target === dir);
    const reader = mountsOf(service('connectors')).find((m) => m.target === dir);
    expect(writer, `setup mounts nothing at ${dir}`).toMatchObject({ readOnly: false });
    expect(reader, `connectors mounts nothing at ${dir}`).toMatchObject({ readOnly: true, source: writer?.source });
  });

  it('reach the other services by their compose names', () => {
    expect(setupEnv).toMatchObject({
      ELASTICSEARCH_URL: 'http://elasticsearch:9200',
      KIBANA_URL: 'http://kibana:5601',
      CONNECTOR_PG_HOST: 'postgres',
      CONNECTOR_PG_PORT: '5432',
    });
    expect(connectorsEnv['ELASTICSEARCH_URL']).toBe('http://elasticsearch:9200');
  });

  it('give setup what it registers: connector, index and the seed’s read-only PostgreSQL role', () => {
    for (const k of ['ELASTIC_PASSWORD', 'KIBANA_PASSWORD', 'CONNECTOR_ID', 'CONNECTOR_NAME', 'CONNECTOR_INDEX_NAME']) {
      expect(setupEnv[k], k).toBeTruthy();
    }
    const seedEnv = environmentOf(service('seed'));
    expect(setupEnv['CONNECTOR_PG_USERNAME']).toBe(seedEnv['SEED_CONNECTOR_ROLE']);
    expect(setupEnv['CONNECTOR_PG_PASSWORD']).toBe(seedEnv['SEED_CONNECTOR_PASSWORD']);
    expect(setupEnv['CONNECTOR_PG_SCHEMA']).toBe(seedEnv['SEED_SCHEMA']);
    expect(seedEnv['DATABASE_URL']).toBe(
      `postgresql://${String(environmentOf(service('postgres'))['POSTGRES_USER'])}:` +
        `${String(environmentOf(service('postgres'))['POSTGRES_PASSWORD'])}@postgres:5432/${String(setupEnv['CONNECTOR_PG_DATABASE'])}`,
    );
  });

  it('pass the service only settings it knows', () => {
    const known = new Set<string>([...Object.keys(SETTINGS), 'CONNECTORS_ENV_FILE']);
    expect(Object.keys(connectorsEnv).filter((k) => !known.has(k))).toEqual([]);
  });

  it('probe the service on its own /ready port with node (the slim image has no curl)', () => {
    const test = service('connectors').healthcheck?.test;
    expect(Array.isArray(test) ? test.slice(0, 3) : test).toEqual(['CMD', 'node', '-e']);
    expect(healthTest(service('connectors'))).toContain(`http://127.0.0.1:${String(connectorsEnv['HTTP_PORT'])}/ready`);
    expect(service('connectors').restart).toBe('unless-stopped');
  });

  it('turn off the image healthcheck for the setup one-shot, which opens no port', () => {
    expect(service('setup').healthcheck).toEqual({ disable: true });
  });

  it('leave healthcheck variables to the container shell (`$$`), not to Compose at parse time', () => {
    for (const name of names) {
      const t = services[name]?.healthcheck?.test;
      const text = Array.isArray(t) ? t.join(' ') : (t ?? '');
      expect(text.replace(/\$\$/g, ''), `${name} healthcheck uses a Compose variable`).not.toContain('$');
    }
  });
});
