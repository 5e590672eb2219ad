import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the service, served on /metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const jobsFinished = new Counter({
  name: 'connectors_sync_jobs_finished_total',
  help: 'Sync jobs this process finished, by job type and final status',
  labelNames: ['job_type', 'status'] as const,
  registers: [metricsRegistry],
});

// Counted as each bulk request is answered, so they move during a sync.
export const documentsIndexed = new Counter({
  name: 'connectors_documents_indexed_total',
  help: 'Documents indexed by this process',
  registers: [metricsRegistry],
});

export const documentsDeleted = new Counter({
  name: 'connectors_documents_deleted_total',
  help: 'Documents deleted by this process (stale after a full sync, or deleted in the source)',
  registers: [metricsRegistry],
});

export const bytesIndexed = new Counter({
  name: 'connectors_indexed_bytes_total',
  help: 'Bytes of the JSON of the documents this process indexed',
  registers: [metricsRegistry],
});

export const bulkRequestSeconds = new Histogram({
  name: 'connectors_bulk_request_duration_seconds',
  help: 'Bulk requests to Elasticsearch, from sending to the answer, by outcome (ok, or failed: no answer or the whole request refused)',
  labelNames: ['outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
  registers: [metricsRegistry],
});

export const loopErrors = new Counter({
  name: 'connectors_loop_errors_total',
  help: "Failed passes of the service's loops (poll, jobs, heartbeat, cleanup, changes), by loop",
  labelNames: ['loop'] as const,
  registers: [metricsRegistry],
});

/** What one bulk request did, counted. */
export function observeBulkRequest(r: { seconds: number; failed: boolean; indexed: number; deleted: number; indexedBytes: number }): void {
  bulkRequestSeconds.observe({ outcome: r.failed ? 'failed' : 'ok' }, r.seconds);
  documentsIndexed.inc(r.indexed);
  documentsDeleted.inc(r.deleted);
  bytesIndexed.inc(r.indexedBytes);
}

export const jobDuration = new Histogram({
  name: 'connectors_sync_job_duration_seconds',
  help: 'Wall time of finished sync jobs',
  labelNames: ['job_type', 'status'] as const,
  buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
  registers: [metricsRegistry],
});

export const jobsRunning = new Gauge({
  name: 'connectors_sync_jobs_running',
  help: 'Sync jobs running in this process',
  registers: [metricsRegistry],
});

export const replicationRetainedBytes = new Gauge({
  name: 'connectors_replication_retained_bytes',
  help: "WAL a connector's change-capture slot keeps on the PostgreSQL server",
  labelNames: ['connector'] as const,
  registers: [metricsRegistry],
});

export const replicationLagSeconds = new Gauge({
  name: 'connectors_replication_lag_seconds',
  help: 'Seconds from commit in the source to the write into Elasticsearch, for the last change an incremental sync applied',
  labelNames: ['connector'] as const,
  registers: [metricsRegistry],
});
