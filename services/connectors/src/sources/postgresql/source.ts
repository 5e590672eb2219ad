import type pg from 'pg';
import type { Logger } from '../../log/logger.js';
import { errorMessage, registerSecret } from '../../log/redact.js';
import {
  SourceError,
  type AdvancedRuleProblem,
  type ContentMappings,
  type DataSource,
  type ReadOptions,
  type SerializedPage,
  type SourceDocument,
} from '../types.js';
import { inaccessibleTables, parseAdvancedRules, tablesNotFoundMessage, type AdvancedRule } from './advanced-rules.js';
import { assertSchema, assertSchemaUsage, columns, findRelations } from './catalog.js';
import { connect, disconnect, errorContext } from './connection.js';
import { isTransient, noTablesConfigured, selectDenied, tablesNotFound, toSourceError } from './errors.js';
import { fieldNamer } from './fields.js';
import { addProperty, baseMappings, mappingFor } from './mappings.js';
import { TypeRegistry } from './pg-types.js';
import { readableTables, readRules, readTables, ruleSql, type ReaderContext } from './reader.js';
import { SnapshotSession, type SessionOptions } from './session.js';
import { assertUsable, parseSettings, type PgSettings } from './settings.js';
import { PostgresCapture, type StartedChain } from './cdc/capture.js';
import { dropSlot } from './cdc/chain.js';

const ADVANCED_ID = 'advanced_snippet';

export class PostgresqlSource implements DataSource {
  private readonly settings: PgSettings;
  private readonly sessions = new Set<SnapshotSession>();
  readonly capture: PostgresCapture;

  constructor(
    values: Record<string, unknown>,
    private readonly log: Logger,
  ) {
    this.settings = parseSettings(values);
    registerSecret(this.settings.password);
    this.capture = new PostgresCapture(this.settings, log);
  }

  private open(signal: AbortSignal, options: SessionOptions = {}, settings: PgSettings = this.settings): SnapshotSession {
    const session = new SnapshotSession(settings, this.log, signal, options);
    this.sessions.add(session);
    return session;
  }

  private async finish(session: SnapshotSession): Promise<void> {
    this.sessions.delete(session);
    await session.close();
  }

  private context(session: SnapshotSession, signal: AbortSignal, notice: ReaderContext['notice'] = () => undefined): ReaderContext {
    return {
      settings: this.settings,
      session,
      types: new TypeRegistry(),
      log: this.log,
      signal,
      notice,
      startedAt: new Date().toISOString(),
    };
  }

  async ping(): Promise<void> {
    assertUsable(this.settings);
    const client = await connect(this.settings, this.log);
    try {
      await client.query('SELECT 1');
    } catch (err) {
      throw toSourceError(err, errorContext(this.settings));
    } finally {
      await disconnect(client);
    }
  }

  /** Checks the schema and the configured tables; no retries, so a bad host fails fast. */
  async validate(): Promise<void> {
    assertUsable(this.settings);
    const session = this.open(new AbortController().signal, {}, { ...this.settings, retryCount: 0 });
    try {
      const { schema, database, tables } = this.settings;
      await assertSchema(session.rows, schema, database);
      await assertSchemaUsage(session.rows, schema, this.settings.username);
      if (tables.length === 0) throw noTablesConfigured();
      if (tables[0] === '*') return;
      const found = await findRelations(session.rows, schema, tables);
      const missing = tables.filter((t) => !found.has(t));
      if (missing.length > 0) throw tablesNotFound(missing, schema, database);
      const denied = tables.filter((t) => found.get(t)?.canSelect === false);
      if (denied.length > 0) throw selectDenied(denied, this.settings.username, schema);
    } finally {
      await this.finish(session);
    }
  }

  async validateAdvancedRules(value: unknown): Promise<AdvancedRuleProblem[]> {
    const { rules, problems } = parseAdvancedRules(value);
    if (problems.length > 0) return [{ ids: [ADVANCED_ID], messages: problems }];
    if (rules.length === 0) return [];
    assertUsable(this.settings);
    const session = this.open(new AbortController().signal, {}, { ...this.settings, retryCount: 0 });
    try {
      const missing = await inaccessibleTables(session.rows, this.settings.schema, rules);
      return missing.length > 0 ? [{ ids: [ADVANCED_ID], messages: [tablesNotFoundMessage(missing)] }] : [];
    } finally {
      await this.finish(session);
    }
  }

  async contentMappings(options: { advancedRules?: unknown }): Promise<ContentMappings | undefined> {
    assertUsable(this.settings);
    const { rules, problems } = parseAdvancedRules(options.advancedRules);
    if (problems.length > 0) return undefined;
    const signal = new AbortController().signal;
    const session = this.open(signal);
    try {
      const ctx = this.context(session, signal);
      await assertSchema(session.rows, this.settings.schema, this.settings.database);
      const mappings = baseMappings();
      if (rules.length > 0) {
        for (const rule of rules) await this.ruleMappings(ctx, rule, mappings);
        return mappings;
      }
      for (const { relation } of await readableTables(ctx, false)) {
        const cols = await columns(session.rows, relation.oid);
        await ctx.types.load(session.rows, cols.map((c) => c.typeOid));
        const name = fieldNamer(this.settings.fieldNaming, this.settings.schema, [relation.name]);
        for (const c of cols) addProperty(mappings.properties, name(c.name), mappingFor(ctx.types.get(c.typeOid)));
      }
      return mappings;
    } finally {
      await this.finish(session);
    }
  }

  /**
   * Result columns of a rule query without running it: LIMIT 0 around the
   * user's SQL. Statements that cannot be wrapped are left to dynamic mapping.
   */
  private async ruleMappings(ctx: ReaderContext, rule: AdvancedRule, mappings: ContentMappings): Promise<void> {
    const sql = ruleSql(rule.query);
    const fields = await ctx.session.run('an advanced rule query', async (client) => {
      await client.query('SAVEPOINT pg_es_describe');
      try {
        const res = await client.query({
          text: `SELECT * FROM (\n${sql}\n) AS pg_es_rule LIMIT 0`,
          rowMode: 'array',
          queryMode: 'extended',
        } as pg.QueryConfig);
        await client.query('RELEASE SAVEPOINT pg_es_describe');
        return res.fields;
      } catch (err) {
        if (isTransient(err)) throw err;
        await client.query('ROLLBACK TO SAVEPOINT pg_es_describe');
        this.log.warn({ tables: rule.tables, err: errorMessage(err) }, 'cannot derive mappings for an advanced rule query');
        return [];
      }
    });
    await ctx.types.load(ctx.session.rows, fields.map((f) => f.dataTypeID));
    const name = fieldNamer(this.settings.fieldNaming, this.settings.schema, rule.tables);
    for (const f of fields) addProperty(mappings.properties, name(f.name), mappingFor(ctx.types.get(f.dataTypeID)));
  }

  documents(options: ReadOptions & { serialize?: undefined }): AsyncGenerator<SourceDocument>;
  documents(options: ReadOptions): AsyncGenerator<SourceDocument | SerializedPage>;
  async *documents(options: ReadOptions): AsyncGenerator<SourceDocument | SerializedPage> {
    assertUsable(this.settings);
    const { rules, problems } = parseAdvancedRules(options.advancedRules);
    if (problems.length > 0) {
      throw new SourceError(`Invalid advanced sync rules: ${problems.join('; ')}`, 'advanced_rule_invalid');
    }
    const { host, port, database, schema, tables } = this.settings;
    this.log.info({ host, port, database, schema, tables: rules.length > 0 ? undefined : tables, advancedRules: rules.length }, 'PostgreSQL read starting');
    let chain: StartedChain | undefined;
    if (options.startChain) {
      if (rules.length > 0) throw new SourceError('Change capture cannot follow advanced sync rules', 'change_capture_unavailable');
      chain = await this.capture.start(options.startChain, options.signal, (n) => options.notice(n));
    }
    const session = this.open(options.signal, chain && 'snapshot' in chain ? { snapshot: chain.snapshot } : {});
    let complete = false;
    try {
      const ctx = {
        ...this.context(session, options.signal, (n) => options.notice(n)),
        ...(options.progress ? { progress: options.progress } : {}),
        ...(options.serialize ? { serialize: options.serialize } : {}),
      };
      await assertSchema(session.rows, schema, database);
      if (chain && 'prepare' in chain) await chain.prepare(session.rows);
      if (rules.length > 0) {
        const missing = await inaccessibleTables(session.rows, schema, rules);
        if (missing.length > 0) throw new SourceError(tablesNotFoundMessage(missing), 'table_not_found');
        yield* readRules(ctx, rules);
      } else {
        yield* readTables(ctx);
      }
      complete = true;
      if (chain) options.startChain?.onCursor(chain.cursor);
    } finally {
      // Runs on completion, error, and when the consumer stops iterating early.
      await this.finish(session);
      if (chain) await this.endChainStart(chain, complete);
    }
  }

  /** The exporting connection closes; a chain whose full sync failed loses its slot. */
  private async endChainStart(chain: StartedChain, complete: boolean): Promise<void> {
    if (!('repl' in chain)) return;
    await chain.repl.close();
    if (complete) return;
    const cleanup = this.open(new AbortController().signal, {}, { ...this.settings, retryCount: 0 });
    try {
      await dropSlot(cleanup.rows, chain.cursor.slot);
    } catch (err) {
      this.log.warn({ slot: chain.cursor.slot, err: errorMessage(err) }, 'could not drop the slot of an unfinished chain; the next full sync drops it');
    } finally {
      await this.finish(cleanup);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => this.finish(s)));
  }
}
