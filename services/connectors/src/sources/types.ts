import type { Logger } from '../log/logger.js';
import type { BasicRule, Configuration, Features } from '../protocol/types.js';

/**
 * The contract between a data source and the rest of the service. A source knows
 * nothing about Elasticsearch or the connector protocol: it reads its system and
 * yields plain documents.
 */

/**
 * What a field's values are, so sync rules compare them as Elastic does by
 * the value's type: `text` as text, `number` numerically (also when the
 * value arrives as exact text), `boolean`, `instant` (dates and timestamps
 * as points in time), `structured` (arrays, objects: text operators only).
 * `dynamic` (JSON columns, or a source that does not say) decides by the
 * value itself.
 */
export type FieldKind = 'text' | 'number' | 'boolean' | 'instant' | 'structured' | 'dynamic';
export type FieldKinds = Readonly<Record<string, FieldKind>>;

/** Where a document carries its fields' kinds: a non-enumerable symbol property, so it is never indexed. */
export const FIELD_KINDS: unique symbol = Symbol('fieldKinds');

/** A document ready for the content index: `_id` plus fields (including `id`). */
export interface SourceDocument {
  _id: string;
  /** Shared by every document of a table or query. */
  [FIELD_KINDS]?: FieldKinds;
  [field: string]: unknown;
}

/**
 * A page of documents whose indexed bodies the source serializes itself, as
 * asked by `ReadOptions.serialize`: what a sync that needs no field values
 * indexes as is. `body(i, id(i))` is byte for byte what the sync would make of
 * the document (`documentBody` in the sync room, then JSON), and `id(i)` its
 * final `_id`. A page, not a document: one hand-over per page instead of one
 * per row through every generator of the chain. Bodies are made on demand,
 * one at a time, so each is garbage as soon as it is written.
 */
export abstract class SerializedPage {
  abstract readonly length: number;
  abstract id(i: number): string;
  abstract body(i: number, id: string): string;
}

/** What the sync adds to each body, for a source that serializes bodies itself. */
export interface BodyShape {
  /** `_timestamp` when the document has none. */
  fallbackTimestamp: string;
  /** Fields the sync sets on every body (an ingest pipeline's hints), in order. */
  trailer: Readonly<Record<string, unknown>>;
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

/** Asks a full sync to start a change-capture chain (see `ChangeCapture`). */
export interface ChainStart {
  connectorId: string;
  /** The connector's current cursor: its chain stays usable until the new one completes. */
  previous: unknown;
  /** Called once the read's starting point is fixed, with the cursor of the new chain. */
  onCursor(cursor: unknown): void;
}

/** Where a full read stands, reported as each table (or query) starts: for progress displays. */
export interface ReadProgress {
  /** The table (or `rule <id>` for an advanced-rule query) being read. */
  table: string;
  tablesDone: number;
  tablesTotal: number;
  /** The source's own estimate of the rows to read (PostgreSQL: pg_class.reltuples), when it has one. */
  estimatedRows?: number;
}

export interface ReadOptions {
  /** Read from the starting point of a new change-capture chain. */
  startChain?: ChainStart;
  /** Advanced rules (the `advanced_snippet.value`), when set and enabled. */
  advancedRules?: unknown;
  /** Basic rules the source may push down to its query; the sync stage still applies them. */
  basicRules?: BasicRule[];
  signal: AbortSignal;
  /** Called for every condition worth showing on the job, besides logging it. */
  notice(n: SyncNotice): void;
  progress?(p: ReadProgress): void;
  /**
   * Set when nothing downstream reads field values (no basic rules): the
   * source may then yield `SerializedPage`s of this shape instead of
   * documents, skipping an object per row and its serialization.
   */
  serialize?: BodyShape;
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
  documents(options: ReadOptions & { serialize?: undefined }): AsyncIterable<SourceDocument>;
  documents(options: ReadOptions): AsyncIterable<SourceDocument | SerializedPage>;
  /** Present when the source can follow changes (incremental sync). */
  readonly capture?: ChangeCapture;
  close(): Promise<void>;
}

/** One change, in commit order. Positions are opaque to everything but the source. */
export type ChangeEvent =
  | { kind: 'upsert'; doc: SourceDocument }
  | { kind: 'delete'; id: string }
  /** Every document of these tables is gone. */
  | { kind: 'truncate'; tables: string[] }
  /** The end of a transaction; `more` when further changes are already buffered. */
  | { kind: 'commit'; position: string; more: boolean; committedAt: Date }
  /** Nothing pending. With a position, everything up to it has been delivered. */
  | { kind: 'idle'; position?: string };

export interface ChangeOptions {
  signal: AbortSignal;
  notice(n: SyncNotice): void;
  /** How often `idle` is emitted while nothing arrives. */
  tickMs?: number;
}

/** A chain that cannot continue: a full sync must start a new one. */
export class ChainBroken extends Error {
  override name = 'ChainBroken';
}

/**
 * Incremental sync from the source's own change log: a full sync starts a
 * chain (`ReadOptions.startChain`), incremental syncs continue it.
 */
export interface ChangeCapture {
  /** Why change capture cannot work as configured (database settings, privileges, rules), or null. */
  blocker(options: { advancedRules?: unknown; connectorId: string }): Promise<string | null>;
  /** Changes after the cursor's position; throws `ChainBroken` when the chain is gone or stale. */
  changes(cursor: unknown, options: ChangeOptions): AsyncIterable<ChangeEvent>;
  /** Everything up to `position` is safely in the index: the source may forget it. */
  confirm(position: string): void;
  /** The cursor as of the last confirmed position. */
  cursorAt(cursor: unknown, position: string | undefined): unknown;
  /**
   * Whether changes wait to be read (without reading them). `thorough` also
   * checks that the chain can continue (true when it cannot: the job repairs it).
   */
  hasChanges(cursor: unknown, options?: { thorough?: boolean }): Promise<boolean>;
  /** Removes what the chain holds in the source (slot, publication it created), except what `keep` still uses. */
  dropChain(cursor: unknown, keep?: unknown): Promise<void>;
  /** Bytes and state the chain retains, for monitoring; null when it has none. */
  retention(cursor: unknown): Promise<{ bytes: number | null; state: string | null } | null>;
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
