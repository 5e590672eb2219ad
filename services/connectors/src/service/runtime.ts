import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../config/load.js';
import { createEsClient } from '../es/client.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../log/redact.js';
import type { ConnectorSelector, ProtocolStore } from '../protocol/store.js';
import type { ConnectorRecord, JobType } from '../protocol/types.js';
import type { SourceRegistry } from '../sources/registry.js';
import { Cleanup } from './cleanup.js';
import { checkConnector, publishSchema } from './connector-check.js';
import { dropChainsOfDeleted, incrementalHasWork, tendChain } from './change-capture.js';
import { JobRunner } from './job-runner.js';
import { IdleCollector } from './memory.js';
import { schedulableTypes, trySchedule } from './scheduler.js';
import { sleep } from '../util/sleep.js';
import { loopErrors } from './metrics.js';

export type RuntimeSettings = Pick<
  Config,
  'connectors' | 'serviceTypes' | 'pollIntervalMs' | 'incremental' | 'replicationWarnBytes' | 'maxConsecutiveDocumentErrors' | 'bulk' | 'heartbeatIntervalMs' | 'cleanupIntervalMs' | 'idleJobThresholdMs' | 'maxConcurrentSyncs'
> & {
  elasticsearch: Config['elasticsearch'];
  /** Test knobs; production uses the protocol's 10 s and 1 s. */
  jobReportIntervalMs?: number;
  jobCheckIntervalMs?: number;
};

export interface RuntimeStatus {
  startedAt: string;
  lastPollAt: string | null;
  lastPollError: string | null;
  runningJobs: string[];
  connectors: number;
  /** Loops that failed this many passes in a row, with the last error. */
  failingLoops: Record<string, { passes: number; error: string }>;
}

/** Consecutive failed passes after which a loop's failure counts as persistent. */
export const PERSISTENT_FAILURES = 3;
const LOOP_PURPOSE: Record<string, string> = { jobs: 'pick up sync jobs', cleanup: 'clean up stalled sync jobs' };

const CONTENT_JOB_TYPES: JobType[] = ['full', 'incremental'];

/**
 * The service's loops: per-connector checks and schedules, pending-job pickup,
 * cleanup. Decides *when*; the job runner and the sync stage do the work.
 */
export class ConnectorRuntime {
  private readonly running = new Map<string, JobRunner>();
  private readonly stopping = new AbortController();
  private readonly startedAt = new Date();
  private readonly lastCheckIn = new Map<string, number>();
  private readonly contentClients = new Map<string, Client>();
  private readonly cleanup: Cleanup;
  private readonly collector: IdleCollector;
  private served: ConnectorRecord[] = [];
  private loops: Promise<void>[] = [];
  /** Cuts the job loop's wait short (see `wakeJobs`). */
  private jobsWake = new AbortController();
  readonly status: RuntimeStatus;

  constructor(
    private readonly store: ProtocolStore,
    private readonly client: Client,
    private readonly sources: SourceRegistry,
    private readonly settings: RuntimeSettings,
    private readonly log: Logger,
  ) {
    this.collector = new IdleCollector(() => this.running.size > 0, log);
    this.cleanup = new Cleanup(store, log, settings.idleJobThresholdMs, () => new Set(this.running.keys()));
    this.status = { startedAt: this.startedAt.toISOString(), lastPollAt: null, lastPollError: null, runningJobs: [], connectors: 0, failingLoops: {} };
  }

  start(): void {
    const selection = this.settings.connectors.length
      ? `connectors ${this.settings.connectors.map((c) => c.id).join(', ')}`
      : `every self-managed connector of type ${this.settings.serviceTypes.join(', ')}`;
    this.log.info(`serving ${selection}`);
    this.loops = [
      this.loop('poll', this.settings.pollIntervalMs, () => this.pollConnectors()),
      this.loop('jobs', this.settings.pollIntervalMs, () => this.pickUpJobs(), () => this.jobsWake.signal),
      this.loop('cleanup', this.settings.cleanupIntervalMs, () => this.runCleanup()),
      this.loop('changes', this.settings.incremental.checkIntervalMs, () => this.watchChanges()),
    ];
  }

  /** Graceful stop: loops end, running jobs are suspended and their documents written. */
  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    // No runner is created once `stopping` is aborted, so this suspends them all,
    // including one still claiming its job.
    this.stopping.abort();
    for (const runner of this.running.values()) runner.suspend();
    // A claim in progress settles first: only then is `done` the run to wait for.
    const [, jobs] = this.loops;
    await jobs?.catch(() => undefined);
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await Promise.allSettled(this.loops);
    for (const c of this.contentClients.values()) await c.close().catch(() => undefined);
    this.collector.stop();
  }

  /** Runs the job pickup pass now instead of after its interval. */
  wakeJobs(): void {
    this.jobsWake.abort();
  }

  private async loop(name: string, intervalMs: number, pass: () => Promise<void>, wake?: () => AbortSignal): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        await pass();
        if (name === 'poll') {
          this.status.lastPollAt = new Date().toISOString();
          this.status.lastPollError = null;
        }
        if (this.status.failingLoops[name]) {
          this.log.info({ loop: name }, `${name} loop recovered`);
          delete this.status.failingLoops[name];
        }
      } catch (err) {
        // Transient failures (Elasticsearch restarting, 5xx) must not end the loop.
        const message = errorMessage(err);
        const passes = (this.status.failingLoops[name]?.passes ?? 0) + 1;
        this.status.failingLoops[name] = { passes, error: message };
        loopErrors.inc({ loop: name });
        this.log.error({ err, loop: name, failedPasses: passes }, `${name} pass failed${passes > 1 ? ` (${passes} in a row)` : ''}: ${message}`);
        if (name === 'poll') this.status.lastPollError = message;
      }
      const early = wake?.();
      await sleep(intervalMs, early ? AbortSignal.any([signal, early]) : signal);
      if (early?.aborted) this.jobsWake = new AbortController();
    }
  }

  /** What users must see on their connectors when a loop keeps failing. */
  serviceProblem(): string | null {
    for (const [name, f] of Object.entries(this.status.failingLoops)) {
      const purpose = LOOP_PURPOSE[name];
      if (purpose && f.passes >= PERSISTENT_FAILURES) return `The connector service cannot ${purpose}: ${f.error}`;
    }
    return null;
  }

  /** Which connectors this process serves: the ids it was given, or in worker mode its service types. */
  private selector(): ConnectorSelector {
    return { ids: this.settings.connectors.map((c) => c.id), serviceTypes: this.settings.serviceTypes };
  }

  /** The connectors this process serves, as their documents are now (the status page reads them). */
  listServed(): Promise<ConnectorRecord[]> {
    return this.store.listConnectors(this.selector());
  }

  private async refreshServed(): Promise<ConnectorRecord[]> {
    this.served = await this.listServed();
    this.status.connectors = this.served.length;
    return this.served;
  }

  private async pollConnectors(): Promise<void> {
    const connectors = await this.refreshServed();
    // A few connectors at a time: each check may wait on a slow source.
    const queue = [...connectors];
    const workers = Array.from({ length: Math.min(4, queue.length) }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        if (this.stopping.signal.aborted) return;
        try {
          await this.pollOne(c);
        } catch (err) {
          this.log.error({ err, connector: { id: c.id } }, `connector ${c.id}: ${errorMessage(err)}`);
        }
      }
    });
    await Promise.all(workers);
  }

  private async pollOne(listed: ConnectorRecord): Promise<void> {
    const configured = this.settings.connectors.find((c) => c.id === listed.id);
    const connector = await publishSchema(this.store, listed.id, configured?.serviceType, this.sources, this.log);
    if (!connector) return;

    const last = this.lastCheckIn.get(connector.id) ?? (connector.doc.last_seen ? Date.parse(connector.doc.last_seen) : 0);
    if (!this.lastCheckIn.has(connector.id) || Date.now() - last >= this.settings.heartbeatIntervalMs) {
      await this.store.checkIn(connector.id);
      this.lastCheckIn.set(connector.id, Date.now());
    }

    const retention = await tendChain(this.store, connector, this.sources, this.log, this.settings.replicationWarnBytes).catch((err: unknown) => {
      this.log.warn({ err, connector: { id: connector.id } }, `could not check the change-capture slot: ${errorMessage(err)}`);
      return null;
    });
    const outcome = await checkConnector(this.store, connector, this.sources, this.log, () => this.serviceProblem() ?? retention);
    if (outcome !== 'connected') return;

    // Expressions were validated by the check above.
    for (const type of schedulableTypes(connector.doc)) {
      const hasWork = type === 'incremental' ? (c: ConnectorRecord) => incrementalHasWork(this.store, c, this.sources, this.log, true) : undefined;
      const scheduled = await trySchedule(this.store, connector.id, type, this.startedAt, this.log, undefined, hasWork);
      // The job starts now, not at the next pickup pass: incremental latency depends on it.
      if (scheduled.kind === 'created') this.wakeJobs();
    }
  }

  /**
   * Between polls, connectors with an incremental schedule get a light look
   * at their change log (one peek): a change waiting becomes a job at the next
   * due slot of the schedule, within seconds rather than a poll interval.
   */
  private async watchChanges(): Promise<void> {
    const busy = new Set([...this.running.values()].map((r) => r.job.doc.connector.id));
    for (const c of this.served) {
      if (this.stopping.signal.aborted) return;
      const doc = c.doc;
      if (busy.has(c.id) || !doc.scheduling?.incremental?.enabled || !doc.features?.incremental_sync?.enabled) continue;
      try {
        const hasWork = (fresh: ConnectorRecord) => incrementalHasWork(this.store, fresh, this.sources, this.log, false);
        const scheduled = await trySchedule(this.store, c.id, 'incremental', this.startedAt, this.log, undefined, hasWork);
        if (scheduled.kind === 'created') this.wakeJobs();
      } catch (err) {
        this.log.debug({ err, connector: { id: c.id } }, `change check failed: ${errorMessage(err)}`);
      }
    }
  }

  private async pickUpJobs(): Promise<void> {
    if (this.running.size >= this.settings.maxConcurrentSyncs) return;
    const ids = this.served.length ? this.served.map((c) => c.id) : (await this.refreshServed()).map((c) => c.id);
    const jobs = await this.store.listRunnableJobs(ids, CONTENT_JOB_TYPES);
    const busyConnectors = new Set([...this.running.values()].map((r) => r.job.doc.connector.id));
    for (const job of jobs) {
      if (this.stopping.signal.aborted || this.running.size >= this.settings.maxConcurrentSyncs) return;
      if (this.running.has(job.id) || busyConnectors.has(job.doc.connector.id)) continue;
      const runner = new JobRunner(job, {
        store: this.store,
        contentClient: this.contentClientFor(job.doc.connector.id),
        sources: this.sources,
        log: this.log,
        ...(this.settings.jobReportIntervalMs ? { reportIntervalMs: this.settings.jobReportIntervalMs } : {}),
        ...(this.settings.jobCheckIntervalMs ? { checkIntervalMs: this.settings.jobCheckIntervalMs } : {}),
        incremental: this.settings.incremental,
        maxConsecutiveItemErrors: this.settings.maxConsecutiveDocumentErrors,
        bulk: this.settings.bulk,
      });
      this.running.set(job.id, runner);
      let outcome;
      try {
        outcome = await runner.start();
      } catch (err) {
        this.running.delete(job.id);
        throw err;
      }
      if (outcome !== 'started') {
        this.running.delete(job.id);
        continue;
      }
      busyConnectors.add(job.doc.connector.id);
      this.status.runningJobs = [...this.running.keys()];
      void runner.done
        .catch((err: unknown) => runner.log.error({ err }, `job ended abnormally: ${errorMessage(err)}`))
        .finally(() => {
          this.running.delete(job.id);
          this.status.runningJobs = [...this.running.keys()];
          this.collector.jobEnded();
        });
    }
  }

  private async runCleanup(): Promise<void> {
    await dropChainsOfDeleted(this.store, this.selector(), this.sources, this.log);
    const result = await this.cleanup.run(this.served.length ? this.served : await this.refreshServed());
    if (result.idle || result.orphaned || result.unlocked || result.malformed) this.log.info({ cleanup: result }, 'cleanup pass finished');
  }

  /** A connector with its own API key writes its content with that key (D.2). */
  private contentClientFor(connectorId: string): Client {
    const apiKey = this.settings.connectors.find((c) => c.id === connectorId)?.apiKey;
    if (!apiKey) return this.client;
    let client = this.contentClients.get(connectorId);
    if (!client) {
      client = createEsClient(this.settings.elasticsearch, { apiKey });
      this.contentClients.set(connectorId, client);
    }
    return client;
  }
}
