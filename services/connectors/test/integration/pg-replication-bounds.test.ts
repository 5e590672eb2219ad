import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { isTransient } from '../../src/sources/postgresql/errors.js';
import { ReplicationConnection, StreamSilentError, type StreamItem } from '../../src/sources/postgresql/cdc/replication.js';
import { parseSettings } from '../../src/sources/postgresql/settings.js';
import { sleep } from '../../src/util/sleep.js';
import { backendPid, createDatabase, dropDatabase, slotHolder, sourceValues, withAdmin } from '../helpers/pg-fixtures.js';
import { waitFor } from '../helpers/runtime-harness.js';

// A replication stream must not wait forever on a server that stopped
// answering: the connection asks for a keepalive every few seconds, and a
// stream silent past the limit fails (transient) instead of hanging the job.

const R = randomBytes(4).toString('hex');
const DB = `it_repl_bounds_${R}`;
const PUBLICATION = `it_repl_bounds_${R}`;
const SILENCE_MS = 2_000;

describe('replication stream bounds', { timeout: 60_000 }, () => {
  const settings = () => parseSettings(sourceValues(DB));
  const slots: string[] = [];

  beforeAll(async () => {
    await createDatabase(DB, `CREATE TABLE t (id integer PRIMARY KEY); CREATE PUBLICATION ${PUBLICATION} FOR TABLE t;`);
  });

  afterAll(async () => {
    await withAdmin(DB, async (c) => {
      for (const slot of slots) await c.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    });
    await dropDatabase(DB);
  });

  /** A stream on a new slot of its own, and the pid of the walsender that serves it. */
  async function openStream(): Promise<{ repl: ReplicationConnection; items: AsyncGenerator<StreamItem>; pid: number; slot: string; from: bigint }> {
    const repl = await ReplicationConnection.open(settings(), createLogger('silent'));
    const slot = `it_repl_bounds_${randomBytes(4).toString('hex')}`;
    slots.push(slot);
    const created = await repl.createSlot(slot);
    const items = repl.start(slot, PUBLICATION, created.consistentPoint, 100, SILENCE_MS);
    const first = items.next();
    const pid = await waitFor('the walsender to hold the slot', () => slotHolder(DB, slot), 10_000, 50);
    await first;
    return { repl, items, pid, slot, from: created.consistentPoint };
  }

  /** Items until `ms` pass or the stream throws; the error, if any. */
  async function drain(items: AsyncGenerator<StreamItem>, ms: number): Promise<{ kinds: Set<string>; error?: unknown; afterMs: number }> {
    const started = Date.now();
    const kinds = new Set<string>();
    try {
      while (Date.now() - started < ms) {
        const next = await items.next();
        if (next.done) break;
        kinds.add(next.value.kind);
      }
      return { kinds, afterMs: Date.now() - started };
    } catch (error) {
      return { kinds, error, afterMs: Date.now() - started };
    }
  }

  it('stays open on an idle but healthy server for three times the limit: the keepalives it asks for arrive', async () => {
    const { repl, items } = await openStream();
    try {
      const { kinds, error } = await drain(items, 3 * SILENCE_MS);
      expect(error).toBeUndefined();
      expect(kinds.has('keepalive')).toBe(true);
    } finally {
      await items.return(undefined);
      await repl.close();
    }
  });

  it('fails with a transient StreamSilentError once the walsender is frozen (SIGSTOP) past the limit', async () => {
    const { repl, items, pid } = await openStream();
    process.kill(pid, 'SIGSTOP');
    try {
      const { error, afterMs } = await drain(items, 10 * SILENCE_MS);
      expect(error).toBeInstanceOf(StreamSilentError);
      expect(isTransient(error)).toBe(true);
      expect((error as Error).message).toMatch(/sent nothing for \d+ s, keepalives included/);
      // The limit, not the test's own bound, ended the wait.
      expect(afterMs).toBeLessThan(5 * SILENCE_MS);
    } finally {
      process.kill(pid, 'SIGCONT');
      await items.return(undefined).catch(() => undefined);
      await repl.close();
    }
  });

  it('a stream that fails while its consumer is busy elsewhere fails at the next read, with no unhandled rejection (which would end the service)', async () => {
    const held = await openStream();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const second = await ReplicationConnection.open(settings(), createLogger('silent'));
    // Its backend frozen, the first read returns a tick; the refusal arrives once it thaws, while nothing reads.
    const backend = backendPid(second);
    const items = second.start(held.slot, PUBLICATION, held.from, 20, SILENCE_MS);
    process.kill(backend, 'SIGSTOP');
    try {
      expect((await items.next()).value).toEqual({ kind: 'tick' });
      process.kill(backend, 'SIGCONT');
      await sleep(500);
      const error = await items.next().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect((error as { code?: string } | undefined)?.code, 'the slot is in use').toBe('55006');
      expect(unhandled).toEqual([]);
    } finally {
      process.kill(backend, 'SIGCONT');
      process.off('unhandledRejection', onUnhandled);
      await items.return(undefined).catch(() => undefined);
      await second.close();
      await held.items.return(undefined);
      await held.repl.close();
    }
  });
});
