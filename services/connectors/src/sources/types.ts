import type { Logger } from '../log/logger.js';
import type { BasicRule, Configuration, Features } from '../protocol/types.js';

/**
 * The contract between a data source and the rest of the service. A source knows
 * nothing about Elasticsearch or the connector protocol: it reads its system and
 * yields plain documents.
 */

/** A document ready for the content index: `_id` plus fields (including `id`). */
export interface SourceDocument {
  _id: string;
  [field: string]: unknown;
}

/** Mappings a source can derive from its own schema for a new content index. */
export interface ContentMappings {
  properties: Record<string, Record<string, unknown>>;
  dynamic_templates?: Record<string, unknown>[];
}

/** Something the user should see on the job: a skipped table, a lossy value. */
export interface SyncNotice {
  kind: string;
  message: string;
  /** e.g. `{ table: 'orders' }` */
  detail?: Record<string, unknown>;
}

export interface ReadOptions {
  /** Advanced rules (the `advanced_snippet.value`), when set and enabled. */
  advancedRules?: unknown;
  /** Basic rules the source may push down to its query; the sync stage still applies them. */
  basicRules?: BasicRule[];
  signal: AbortSignal;
  /** Called for every condition worth showing on the job, besides logging it. */
  notice(n: SyncNotice): void;
}

/** Thrown for anything the user must fix (bad host, credentials, missing table…). */
export class SourceError extends Error {
  override name = 'SourceError';
  constructor(
    message: string,
    /** Stable machine-readable reason, e.g. `auth_failed`, `table_not_found`. */
    readonly code: string = 'source_error',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface AdvancedRuleProblem {
  /** Rule ids, or `advanced_snippet`. */
  ids: string[];
  messages: string[];
}

export interface DataSource {
  /** Cheap connectivity check; throws a `SourceError` with an actionable message. */
  ping(): Promise<void>;
  /** Source-specific checks beyond field validation (schema exists, tables exist…). */
  validate(): Promise<void>;
  /** Validates advanced rules (the draft's `advanced_snippet.value`). Empty ⇒ valid. */
  validateAdvancedRules(value: unknown): Promise<AdvancedRuleProblem[]>;
  /** Explicit mappings for a content index created by the service, if the source can derive them. */
  contentMappings(options: { advancedRules?: unknown }): Promise<ContentMappings | undefined>;
  /** Every document of a full sync, streamed with bounded memory. */
  documents(options: ReadOptions): AsyncIterable<SourceDocument>;
  close(): Promise<void>;
}

export interface DataSourceFactory {
  serviceType: string;
  displayName: string;
  /** Published into an empty `configuration` (reference D.8, G.1). */
  configurationSchema(): Configuration;
  features(): Features;
  /** Builds a source from configuration *values* (`{host: 'db', port: 5432, …}`). */
  create(values: Record<string, unknown>, log: Logger): DataSource;
}
