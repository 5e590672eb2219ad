import type pg from 'pg';
import { both, type CopyBothQueryStream } from 'pg-copy-streams';
import type { Logger } from '../../../log/logger.js';
import { CLIENT_TIMEOUT_GRACE_MS, connect, disconnect, timedQuery } from '../connection.js';
import type { PgSettings } from '../settings.js';
import { formatLsn, parseLsn, type Lsn } from './lsn.js';
import { decodePgOutput, PG_EPOCH_MICROS, type PgOutputMessage } from './pgoutput.js';

/** What the server sends on a replication stream, decoded. */
export type StreamItem =
  | { kind: 'data'; message: PgOutputMessage }
  /** The server's position: every change up to it has been sent. */
  | { kind: 'keepalive'; walEnd: Lsn }
  /** Nothing arrived for a tick: lets the consumer flush, check time limits and stop. */
  | { kind: 'tick' };

export interface CreatedSlot {
  slot: string;
  consistentPoint: Lsn;
  /** Importable with SET TRANSACTION SNAPSHOT until this connection runs another command. */
  snapshot: string;
}

/** Slot creation waits for running transactions; past this it fails (55P03) instead of hanging. */
const SLOT_LOCK_TIMEOUT_MS = 30_000;
/** The client's own bound on the connection's SQL, for a server that stopped answering. */
const SQL_TIMEOUT_MS = SLOT_LOCK_TIMEOUT_MS + CLIENT_TIMEOUT_GRACE_MS;
/**
 * Status updates are sent at least this often, so the server never drops us
 * as silent; each asks for a keepalive back, so the server is never silent either.
 */
const STATUS_INTERVAL_MS = 10_000;
/** Waiting this long for a frame when a keepalive was asked for every 10 s: the server or the network hangs. */
export const STREAM_SILENCE_LIMIT_MS = 60_000;

/** The stream went silent: transient (ETIMEDOUT), so the caller reconnects as after a dropped connection. */
export class StreamSilentError extends Error {
  override name = 'StreamSilentError';
  readonly code = 'ETIMEDOUT';
  constructor(silentMs: number) {
    super(`the replication stream sent nothing for ${Math.round(silentMs / 1000)} s, keepalives included: the server or the network is not answering`);
  }
}

/**
 * A `replication=database` connection: creates slots with an exported
 * snapshot and streams pgoutput through CopyBoth. It runs the same session
 * settings as every reading connection, because they decide the text form of
 * the values pgoutput sends.
 */
export class ReplicationConnection {
  private stream: CopyBothQueryStream | undefined;
  private confirmed: Lsn = 0n;
  private statusTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly client: pg.Client) {}

  static async open(settings: PgSettings, log: Logger, signal?: AbortSignal): Promise<ReplicationConnection> {
    const client = await connect(settings, log, signal, { replication: true });
    try {
      await client.query(timedQuery(`SELECT pg_catalog.set_config('lock_timeout', '${SLOT_LOCK_TIMEOUT_MS}', false)`, SQL_TIMEOUT_MS));
    } catch (err) {
      await disconnect(client);
      throw err;
    }
    return new ReplicationConnection(client);
  }

  /** Slot names are checked by the caller (`[a-z0-9_]`), so they need no quoting. */
  async createSlot(slot: string): Promise<CreatedSlot> {
    const res = await this.client.query<{ consistent_point: string; snapshot_name: string }>(
      timedQuery(`CREATE_REPLICATION_SLOT ${slot} LOGICAL pgoutput (SNAPSHOT 'export')`, SQL_TIMEOUT_MS),
    );
    const row = res.rows[0];
    if (!row?.snapshot_name) throw new Error(`creating replication slot ${slot} returned no snapshot`);
    return { slot, consistentPoint: parseLsn(row.consistent_point), snapshot: row.snapshot_name };
  }

  /**
   * Streams changes after `from` (the server resumes at the slot's confirmed
   * position if that is later). Iterating yields frames, or a tick every
   * `tickMs` of silence; errors (slot in use, missing publication, a killed
   * backend, `StreamSilentError` after `silenceLimitMs` without a frame)
   * surface while iterating.
   */
  async *start(slot: string, publication: string, from: Lsn, tickMs: number, silenceLimitMs = STREAM_SILENCE_LIMIT_MS): AsyncGenerator<StreamItem> {
    const pub = publication.replace(/'/g, "''");
    const stream = this.client.query(
      both(`START_REPLICATION SLOT ${slot} LOGICAL ${formatLsn(from)} (proto_version '1', publication_names '${pub}')`, {
        alignOnCopyDataFrame: true,
        readableObjectMode: true,
        // Bounded read-ahead: a slow Elasticsearch pauses the socket, memory stays flat.
        readableHighWaterMark: 64,
      }),
    );
    this.stream = stream;
    this.confirmed = from;
    this.statusTimer = setInterval(() => this.sendStatus(true), Math.min(STATUS_INTERVAL_MS, silenceLimitMs / 3));
    const frames = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<Buffer>> | undefined;
    // Only time spent waiting on the server counts: a consumer that is slow to ask (back-pressure) is not silence.
    let waitingSince = 0;
    try {
      for (;;) {
        if (!pending) {
          pending = frames.next();
          waitingSince = Date.now();
        }
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<'tick'>((resolve) => {
          timer = setTimeout(() => resolve('tick'), tickMs);
        });
        const next = await Promise.race([pending, tick]).finally(() => clearTimeout(timer));
        if (next === 'tick') {
          const silentMs = Date.now() - waitingSince;
          if (silentMs >= silenceLimitMs) throw new StreamSilentError(silentMs);
          yield { kind: 'tick' };
          continue;
        }
        pending = undefined;
        if (next.done) return;
        const frame = next.value;
        if (frame[0] === 0x77 /* w: XLogData */) {
          yield { kind: 'data', message: decodePgOutput(frame.subarray(25)) };
        } else if (frame[0] === 0x6b /* k: keepalive */) {
          if (frame[17] === 1) this.sendStatus(false);
          yield { kind: 'keepalive', walEnd: frame.readBigUInt64BE(1) };
        }
      }
    } finally {
      clearInterval(this.statusTimer);
      // A pending read would reject once the connection closes: nobody awaits it any more.
      pending?.catch(() => undefined);
    }
  }

  /** Whether frames are already buffered: a consumer may wait for them before flushing. */
  hasBuffered(): boolean {
    return (this.stream?.readableLength ?? 0) > 0;
  }

  /**
   * Reports `lsn` as flushed: the slot may then discard everything before it.
   * Call only once Elasticsearch has acknowledged every change up to `lsn`.
   */
  confirm(lsn: Lsn): void {
    if (lsn <= this.confirmed) return;
    this.confirmed = lsn;
    this.sendStatus(false);
  }

  /** Standby status update: written, flushed and applied positions, then the client's clock. */
  private sendStatus(replyRequested: boolean): void {
    const stream = this.stream;
    if (!stream || stream.destroyed || !stream.writable) return;
    const b = Buffer.alloc(34);
    b[0] = 0x72; // 'r'
    b.writeBigUInt64BE(this.confirmed, 1);
    b.writeBigUInt64BE(this.confirmed, 9);
    b.writeBigUInt64BE(this.confirmed, 17);
    b.writeBigInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_MICROS, 25);
    b[33] = replyRequested ? 1 : 0;
    stream.write(b);
  }

  async close(): Promise<void> {
    clearInterval(this.statusTimer);
    this.stream?.destroy();
    await disconnect(this.client);
  }
}
