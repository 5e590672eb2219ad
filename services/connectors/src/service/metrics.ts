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

export const documentsIndexed = new Counter({
  name: 'connectors_documents_indexed_total',
  help: 'Documents indexed by this process',
  registers: [metricsRegistry],
});

export const documentsDeleted = new Counter({
  name: 'connectors_documents_deleted_total',
  help: 'Stale documents deleted by this process',
  registers: [metricsRegistry],
});

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
