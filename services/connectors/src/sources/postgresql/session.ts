import type pg from 'pg';
import type { Logger } from '../../log/logger.js';
import { errorMessage } from '../../log/redact.js';
import { connect, disconnect, errorContext } from './connection.js';
import { isTransient, toSourceError } from './errors.js';
import type { PgSettings } from './settings.js';
import { sleep } from '../../util/sleep.js';

export interface QueryResultRows {
  fields: { name: string; dataTypeID: number }[];
  rows: (string | null)[][];
}

/** Exponential backoff between reconnects: 1 s, 2 s, 4 s… capped at 30 s. */
const BACKOFF_BASE_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

export interface SessionOptions {
  /**
   * An exported snapshot (`CREATE_REPLICATION_SLOT … SNAPSHOT 'export'`) every
   * transaction imports, so the read sees exactly the slot's starting point.
   * Valid while the exporting connection stays open and idle.
   */
  snapshot?: string;
}

/**
 * One connection holding one `REPEATABLE READ READ ONLY` transaction, so
 * every table of a sync is read from the same snapshot. When the connection
 * drops, `run` reconnects with exponential backoff (up to `retry_count`
 * times per request) and opens a new transaction: the new snapshot is
 * unavoidable, which is why callers resume by key rather than by offset.
 */
export class SnapshotSession {
  private client: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly settings: PgSettings,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly options: SessionOptions = {},
  ) {
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  // Ending the socket is the only way to interrupt a running query promptly.
  private readonly onAbort = (): void => {
    void disconnect(this.client);
  };

  /** The connected client inside its transaction, opening it if needed. */
  async acquire(): Promise<pg.Client> {
    this.signal.throwIfAborted();
    if (this.closed) throw new Error('PostgreSQL session is closed');
    if (this.client) return this.client;
    const client = await connect(this.settings, this.log, this.signal);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // SET cannot take parameters; the name comes from the server and is checked.
      if (this.options.snapshot !== undefined) {
        if (!/^[0-9A-F-]+$/i.test(this.options.snapshot)) throw new Error(`unexpected snapshot name ${JSON.stringify(this.options.snapshot)}`);
        await client.query(`SET TRANSACTION SNAPSHOT '${this.options.snapshot}'`);
      }
    } catch (err) {
      await disconnect(client);
      this.signal.throwIfAborted();
      throw err;
    }
    this.client = client;
    return client;
  }

  /**
   * Runs `fn` on the session's client. A lost connection is retried on a new
   * one; any other failure is returned as a `SourceError` naming `target`.
   */
  async run<T>(target: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(await this.acquire());
      } catch (err) {
        await this.recover(err, attempt, target);
      }
    }
  }

  /**
   * Decides what to do after `err` on attempt `attempt` (0-based): throws when
   * it must not be retried, otherwise drops the connection and waits the backoff.
   */
  async recover(err: unknown, attempt: number, target: string): Promise<void> {
    this.signal.throwIfAborted();
    if (this.closed) throw new Error('PostgreSQL session is closed', { cause: err });
    const transient = isTransient(err);
    if (!transient || attempt >= this.settings.retryCount) {
      await this.reset();
      throw toSourceError(err, errorContext(this.settings, { target }));
    }
    const delay = Math.min(BACKOFF_BASE_MS * 2 ** attempt, MAX_BACKOFF_MS);
    this.log.warn(
      { target, attempt: attempt + 1, retries: this.settings.retryCount, delayMs: delay, err: errorMessage(err) },
      'PostgreSQL connection lost; reconnecting',
    );
    await this.reset();
    await sleep(delay, this.signal, { rejectOnAbort: true });
  }

  async query(target: string, text: string, values: unknown[] = []): Promise<QueryResultRows> {
    return this.run(target, async (client) => {
      const res = await client.query({ text, values, rowMode: 'array' });
      return { fields: res.fields, rows: res.rows as (string | null)[][] };
    });
  }

  /** Raw rows, for catalog lookups. */
  rows = async (text: string, values: unknown[] = []): Promise<(string | null)[][]> =>
    (await this.query('the catalog', text, values)).rows;

  /**
   * Ends the transaction but keeps the connection: the next `acquire` starts a
   * new one. For long-lived lookups that must not hold back vacuum.
   */
  async endTransaction(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await client.query('COMMIT');
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    } catch {
      await this.reset();
    }
  }

  /** Drops the current connection; the next `acquire` opens a new one. */
  async reset(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await disconnect(client);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.signal.removeEventListener('abort', this.onAbort);
    await this.reset();
  }
}
