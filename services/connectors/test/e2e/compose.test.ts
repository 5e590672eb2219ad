import { spawn } from 'node:child_process';
import { Client } from '@elastic/elasticsearch';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '@pg-es-connectors/seed/dataset';
import { createLogger } from '../../src/log/logger.js';
import { createProtocolStore } from '../../src/protocol/detect.js';
import { JOBS_ALIAS } from '../../src/protocol/indices.js';
import type { SyncJobDoc } from '../../src/protocol/types.js';
import { ComposeProject, composeAvailable, composeFiles } from './compose.js';
import { startCompose } from './stack.js';
import { REPO_ROOT } from '../helpers/services.js';
import { eventually } from '../helpers/eventually.js';
import { FaultRun } from '../helpers/fault-run.js';
import { findSecrets } from '../helpers/hostile.js';

/**
 * The compose distribution itself, through the real Compose CLI: the overlays,
 * image figures, a restart mid-sync, three replicas and a clean `down -v`.
 * The quickstart assertions run against compose in quickstart.test.ts.
 */
const available = await composeAvailable();
const OFFLINE = 'compose/offline.yml';
const MB = 1024 * 1024;
/** The seed's least-privilege role the connector reads with (compose defaults). */
const READER = process.env.SEED_CONNECTOR_ROLE ?? 'connector_reader';
const READER_PASSWORD = process.env.SEED_CONNECTOR_PASSWORD ?? 'readerdemo';

type Json = Record<string, unknown>;

/** Every leaf path where two `docker compose config` outputs differ. */
function diffPaths(a: unknown, b: unknown, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return [at];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => diffPaths(a[k], b[k], `${at}/${k}`));
}

describe.skipIf(!available)('compose files, through the real Compose CLI', () => {
  const project = new ComposeProject(['docker-compose.yml']);
  const config = async (...overlays: string[]) => JSON.parse(await project.compose(['config', '--format', 'json'], overlays)) as Json;

  it.each([[], [OFFLINE], ['compose/dev.yml'], ['compose/replicas.yml'], [OFFLINE, 'compose/replicas.yml'], [OFFLINE, 'compose/dev.yml']].map((overlays) => ({ overlays })))(
    'docker-compose.yml + $overlays is a valid project',
    async ({ overlays }) => {
      const services = (await config(...overlays))['services'] as Json;
      expect(Object.keys(services)).toEqual(expect.arrayContaining(['elasticsearch', 'postgres', 'seed', 'setup', 'connectors']));
    },
  );

  it('compose/offline.yml swaps only what cannot exist without a registry (printed)', async () => {
    const changed = diffPaths(await config(), await config(OFFLINE));
    console.log(`compose/offline.yml changes:\n  ${changed.join('\n  ')}`);
    const allowed = [
      /^\/services\/(elasticsearch|postgres)\/image$/,
      /^\/services\/elasticsearch\/environment\/(ELASTIC_PASSWORD|xpack\.[a-z_.]+|bootstrap\.memory_lock)$/,
      /^\/services\/elasticsearch\/ulimits$/,
      // Kibana, and the volume only it used.
      /^\/services\/kibana$/,
      /^\/volumes\/kibana-data$/,
      /^\/x-offline-build$/,
      /^\/services\/setup\/environment\/(ELASTIC_PASSWORD|KIBANA_URL)$/,
      /^\/services\/(seed|setup|connectors)\/build\/(network|args)$/,
    ];
    expect(changed.filter((p) => !allowed.some((re) => re.test(p)))).toEqual([]);
    expect(changed.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!available)('the compose stack', () => {
  const offline = composeFiles().includes(OFFLINE);
  const project = new ComposeProject(undefined, { SEED_SCALE: '0.5', CONNECTORS_POLL_INTERVAL: '2' });
  const figures: Record<string, string> = {};
  let es: Client;
  let db: pg.Client;
  let databaseUrl: string;
  let connectorId: string;
  let indexName: string;

  beforeAll(async () => {
    const time = async (what: string, fn: () => Promise<unknown>) => {
      const started = Date.now();
      await fn();
      figures[what] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    };
    // The first build on a fresh machine is cold; the second shows the cache.
    await time('build (first on this engine)', () => project.compose(['build']));
    await time('build (again, warm)', () => project.compose(['build']));
    const upStarted = Date.now();
    const stack = await startCompose(project);
    figures['up --wait'] = `${((Date.now() - upStarted) / 1000).toFixed(1)} s`;
    connectorId = stack.connectorId;
    indexName = stack.indexName;
    es = new Client({ node: stack.elasticsearchUrl, ...(stack.auth ? { auth: stack.auth } : {}) });
    databaseUrl = stack.databaseUrl;
    db = await connect();
    const first = await until('first sync', async () => ((await latestJob())?.status === 'completed' ? latestJob() : undefined));
    figures['up to first sync completed'] = `${((Date.parse(first!.completed_at!) - upStarted) / 1000).toFixed(1)} s`;
  }, 1_800_000);

  afterAll(async () => {
    console.log(`compose figures (${offline ? 'offline images' : 'official images'}):\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
    await db?.end().catch(() => undefined);
    await es?.close();
    await project.down().catch(() => undefined);
  }, 300_000);

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: databaseUrl });
    // A restarted postgres container drops it: the next query fails instead of the process crashing.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 300_000) =>
    eventually(what, fn, { timeoutMs, context: () => project.logs() });

  async function jobs(): Promise<(SyncJobDoc & { id: string })[]> {
    await es.indices.refresh({ index: JOBS_ALIAS });
    const res = await es.search<SyncJobDoc>({ index: JOBS_ALIAS, query: { term: { 'connector.id': connectorId } }, sort: [{ created_at: 'desc' }], size: 200 });
    return res.hits.hits.map((h) => ({ ...h._source!, id: h._id! }));
  }
  const latestJob = async () => (await jobs())[0];
  const job = async (id: string) => (await jobs()).find((j) => j.id === id);

  async function sourceRows(): Promise<number> {
    let total = 0;
    for (const table of TABLES) total += Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM public.${pg.escapeIdentifier(table)}`)).rows[0]?.n);
    return total;
  }

  async function queueFullSync(): Promise<string> {
    const store = await createProtocolStore(es, 'auto', createLogger('silent'));
    return store.createJob(connectorId, 'full', 'on_demand');
  }

  it('a plain `up` rebuilds the images built from this checkout (pull_policy: build), so a git pull never runs stale code', async () => {
    // The images exist already; without pull_policy: build, compose would not build them again.
    // A dry run lists its steps, then waits on health checks that never come: read, then stop it.
    const wanted = ['seed', 'setup', 'connectors'].map((name) => `build service ${name}`);
    const dry = spawn('docker', project.argv(['--dry-run', 'up', '--detach']), { cwd: REPO_ROOT, env: project.env() });
    let plan = '';
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 60_000);
      const read = (chunk: Buffer) => {
        plan += chunk.toString();
        if (wanted.every((w) => plan.includes(w))) {
          clearTimeout(timer);
          resolve();
        }
      };
      dry.stdout.on('data', read);
      dry.stderr.on('data', read);
    });
    dry.kill();
    for (const w of wanted) expect(plan).toContain(w);
  });

  it('images: what our Dockerfiles add on top of their Node base (printed)', async () => {
    const resolved = JSON.parse(await project.compose(['config', '--format', 'json'])) as { services: Record<string, { image?: string; build?: { args?: Record<string, string> } }> };
    const sizeOf = async (image: string) => ((await project.docker.getImage(image).inspect()) as { Size: number }).Size;
    for (const name of ['connectors', 'seed']) {
      const svc = resolved.services[name]!;
      const base = svc.build?.args?.NODE_IMAGE ?? 'node:22-bookworm-slim';
      const [size, baseSize] = [await sizeOf(svc.image!), await sizeOf(base)];
      figures[`${name} image`] = `${(size / MB).toFixed(0)} MB (${((size - baseSize) / MB).toFixed(0)} MB on top of ${base})`;
      if (name === 'connectors') expect((size - baseSize) / MB).toBeLessThan(80);
    }
  });

  it('survives `docker compose restart connectors` mid-sync: the job resumes and nothing is lost', async () => {
    // Enough rows that the restart lands while the sync is reading.
    await db.query(`INSERT INTO public.reviews (id, product_id, customer_id, rating, title, body, verified_purchase, created_at)
      SELECT 10000000 + g, (SELECT id FROM public.products LIMIT 1), (SELECT min(id) FROM public.customers), 1 + g % 5,
             'restart test ' || g, repeat('padding ', 40), true, now()
      FROM generate_series(1, 150000) AS g`);
    const id = await queueFullSync();
    const running = await until('the sync under way', async () => {
      const j = await job(id);
      return j?.status === 'in_progress' && (j.indexed_document_count ?? 0) > 0 ? j : undefined;
    });
    await project.compose(['restart', 'connectors']);
    const done = await until('the resumed sync', async () => {
      const j = await job(id);
      return j && ['completed', 'error', 'canceled'].includes(j.status) ? j : undefined;
    });
    figures['restart mid-sync'] = `restarted at ${running.indexed_document_count} documents indexed`;
    // Resumed, not finished before the restart: the restarted service claimed the same job again.
    const logs = await project.compose(['logs', '--no-color', 'connectors']);
    expect(logs.split(`claimed full sync job ${id} `).length - 1, 'claims of the restarted job').toBe(2);
    expect(done.status).toBe('completed');
    expect(done.error).toBeNull();
    const expected = await sourceRows();
    await es.indices.refresh({ index: indexName });
    expect((await es.count({ index: indexName })).count).toBe(expected);
    expect(await es.exists({ index: indexName, id: `demo_public_reviews_10150000` })).toBe(true);
    await db.query('DELETE FROM public.reviews WHERE id > 10000000');
  });

  // The faults that differ in containers: stopped, paused, restarted and killed
  // containers. Blocks on indices act the same whatever runs Elasticsearch, so
  // they stay in the native suite (test/integration/faults.test.ts).
  describe('faults, as in the native suite, on the containers', () => {
    // Small bulk requests, one at a time, so a sync lasts long enough for a
    // fault to land inside it; short request timeouts and quick cleanup so the
    // scenarios take seconds. Set through .env variables, as a user would.
    const SLOW_SYNC = {
      CONNECTORS_BULK_MAX_DOCS: '200',
      CONNECTORS_BULK_CONCURRENCY: '1',
      ELASTICSEARCH_REQUEST_TIMEOUT: '5',
      ELASTICSEARCH_MAX_RETRIES: '8',
      CONNECTORS_IDLE_JOB_THRESHOLD: '8',
      CONNECTORS_CLEANUP_INTERVAL: '2',
    };
    const report: string[] = [];
    let faults: FaultRun;
    const sourceValues = () => {
      const url = new URL(databaseUrl);
      return {
        host: url.hostname, port: Number(url.port), username: decodeURIComponent(url.username), password: decodeURIComponent(url.password),
        database: url.pathname.slice(1), schema: 'public', tables: TABLES.join(','), fetch_size: 1000, retry_count: 3, ssl_enabled: false, ssl_ca: '',
      };
    };
    /** Rows edited, deleted and added: only a sync can make the index equal the source again. */
    const editSource = (round: number) =>
      db.query(`UPDATE public.reviews SET title = 'edited in round ${round} ' || id WHERE id % 97 = ${round};
        DELETE FROM public.reviews WHERE id % 997 = ${round};
        INSERT INTO public.reviews (id, product_id, customer_id, rating, title, body, verified_purchase, created_at)
          SELECT 20000000 + ${round} * 100 + g, (SELECT id FROM public.products LIMIT 1), (SELECT min(id) FROM public.customers), 1, 'added in round ${round}', 'fault', true, now()
          FROM generate_series(1, 20) AS g`);
    const incremental = async (enabled: boolean) => {
      const store = await createProtocolStore(es, 'auto', createLogger('silent'));
      const doc = (await store.getConnector(connectorId))!.doc;
      await store.updateConnector(connectorId, { scheduling: { ...doc.scheduling, incremental: { ...doc.scheduling.incremental, enabled } } });
    };
    /** A sync under way (2 000 documents indexed), ready for a fault. */
    async function underWay(round: number): Promise<string> {
      await editSource(round);
      const id = await faults.startSync();
      await faults.whenIndexed(id, 2_000);
      return id;
    }

    beforeAll(async () => {
      // Enough rows that a sync of small bulk requests lasts several seconds, so a fault lands inside it.
      await db.query(`INSERT INTO public.reviews (id, product_id, customer_id, rating, title, body, verified_purchase, created_at)
        SELECT 30000000 + g, (SELECT id FROM public.products LIMIT 1), (SELECT min(id) FROM public.customers), 1 + g % 5,
               'fault test ' || g, repeat('padding ', 20), true, now()
        FROM generate_series(1, 30000) AS g`);
      // Incremental jobs would carry the edits over too, and hide a full sync that lost them.
      await incremental(false);
      Object.assign(project.vars, SLOW_SYNC);
      await project.compose(['up', '--detach', '--no-build', '--no-deps', '--wait', '--wait-timeout', '300', 'connectors']);
      faults = new FaultRun({
        client: es, store: await createProtocolStore(es, 'auto', createLogger('silent')), connectorId, index: indexName,
        values: sourceValues, report, context: () => project.logs(),
      });
    }, 600_000);

    afterAll(async () => {
      console.log(`compose faults:\n${report.join('\n')}`);
      for (const key of Object.keys(SLOW_SYNC)) delete project.vars[key];
      await project.compose(['up', '--detach', '--no-build', '--no-deps', '--wait', '--wait-timeout', '300', 'connectors']).catch(() => undefined);
      await incremental(true).catch(() => undefined);
      await db.query('DELETE FROM public.reviews WHERE id > 20000000');
    }, 600_000);

    it('`docker compose restart postgres` mid-sync: the read reconnects and completes', async () => {
      const id = await underWay(1);
      await db.end();
      await project.compose(['restart', 'postgres']);
      // The published port accepts before the server inside does.
      db = await until('postgres to accept connections again', () => connect(), 60_000);
      await faults.settle('postgres restarted', id, [{ status: 'completed' }]);
    });

    it('the reading backend killed (pg_terminate_backend) mid-read: reconnected, completed', async () => {
      const id = await underWay(2);
      const killed = await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND backend_type = 'client backend'`, [READER]);
      expect(killed.rowCount).toBeGreaterThan(0);
      await faults.settle('backend terminated', id, [{ status: 'completed' }]);
    });

    it('`docker compose pause elasticsearch` for 30 s mid-sync: timed out and retried, or a truthful error and a repair', async () => {
      const id = await underWay(3);
      await project.compose(['pause', 'elasticsearch']);
      await new Promise((r) => setTimeout(r, 30_000));
      await project.compose(['unpause', 'elasticsearch']);
      await faults.settle('elasticsearch paused 30 s', id, [{ status: 'completed' }, { status: 'error', error: /^Elasticsearch (did not answer in time|unreachable): / }]);
    });

    it('`docker compose stop elasticsearch` for 20 s mid-sync, then start: carries on or says why it stopped', async () => {
      const id = await underWay(4);
      await project.compose(['stop', 'elasticsearch']);
      await new Promise((r) => setTimeout(r, 20_000));
      await project.compose(['start', 'elasticsearch']);
      // A stopped container's name no longer resolves or answers: refused or timed out, either is the truth.
      await faults.settle('elasticsearch stopped 20 s', id, [{ status: 'completed' }, { status: 'error', error: /^Elasticsearch (unreachable|did not answer in time): / }]);
    });

    it('`docker compose kill connectors` (SIGKILL) mid-sync: cleanup ends the job in error after restart; the next sync repairs', async () => {
      const id = await underWay(7);
      await project.compose(['kill', '--signal', 'SIGKILL', 'connectors']);
      // Not `start`: it would run the one-shot seed and setup again too.
      await project.compose(['up', '--detach', '--no-build', '--no-deps', 'connectors']);
      await faults.settle('connectors SIGKILLed', id, [{ status: 'error', error: /^The job has not seen any update for some time\.$/ }]);
    });

    it('no secret in any container log or document', async () => {
      const logs = (await project.compose(['logs', '--no-color'])).split('\n');
      const secrets = [READER_PASSWORD, process.env.POSTGRES_PASSWORD ?? 'postgresdemo', process.env.ELASTIC_PASSWORD ?? 'elasticdemo'];
      const apiKey = /^ELASTICSEARCH_API_KEY=(.+)$/m.exec(await project.compose(['exec', '-T', 'connectors', 'cat', '/run/connectors/connector.env']))?.[1];
      if (apiKey) secrets.push(apiKey);
      const hits = await findSecrets(es, secrets, logs, [connectorId]);
      report.push(`secrets found: ${hits.length} in ${logs.length} log lines (${secrets.length} secrets${apiKey ? ', the API key among them' : ''})`);
      expect(hits).toEqual([]);
    });
  });

  it('with compose/replicas.yml, three replicas run each of 12 queued jobs exactly once', async () => {
    await project.compose(['up', '--wait', '--wait-timeout', '300'], ['compose/replicas.yml']);
    const replicas = (await project.containers(false)).filter((c) => c.Labels['com.docker.compose.service'] === 'connectors');
    expect(replicas).toHaveLength(3);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await queueFullSync());
    const finished = await until('12 jobs', async () => {
      const all = (await jobs()).filter((j) => ids.includes(j.id));
      return all.length === ids.length && all.every((j) => ['completed', 'error', 'canceled'].includes(j.status)) ? all : undefined;
    }, 600_000);
    expect(finished.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
    // Each job claimed once across every replica's log.
    const logs = await project.compose(['logs', '--no-color', 'connectors']);
    for (const id of ids) expect(logs.split(`claimed full sync job ${id} `).length - 1, `claims of job ${id}`).toBe(1);
    const workers = new Set(finished.map((j) => j.worker_hostname));
    figures['replicas'] = `12 jobs on ${workers.size} of 3 replicas, each claimed once`;
    expect((await es.count({ index: indexName })).count).toBe(await sourceRows());
  });

  it('`down -v` leaves no container, network or volume behind', async () => {
    await db.end();
    await project.down();
    expect(await project.leftovers()).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});
