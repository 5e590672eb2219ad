import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CONNECTORS_ALIAS } from '../../src/protocol/indices.js';
import { sleep } from '../../src/util/sleep.js';
import { createFakeConnector, jobsOf, serviceTestContext, startService, uniqueId } from '../helpers/runtime-harness.js';

// The service's host clock jumps (an NTP step, a resumed VM) while a connector
// is scheduled every 2 s: the schedule must neither stop (lost slots) nor fire
// a burst (doubled slots), whichever way the clock moved.

const CLOCK_SHIFT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/clock-shift.mjs');
const EVERY_2S = { enabled: true, interval: '*/2 * * * * ?' };
const OFF = { enabled: false, interval: '0 0 0 * * ?' };

describe('a clock jump on the service host: schedules neither lost nor doubled', () => {
  const ctx = serviceTestContext();
  let connector = '';

  afterEach(async () => {
    // No schedule outlives its test.
    await ctx.client.update({ index: CONNECTORS_ALIAS, id: connector, doc: { scheduling: { full: OFF, incremental: OFF, access_control: OFF } }, refresh: true });
  });

  /**
   * Records when each scheduled job was first seen, in this process's (unshifted)
   * time; returns how many were new and the most 2 s slots the watch can have
   * spanned: its last poll ends past `ms`, a slot can sit on either edge, and a
   * job is seen up to a service poll plus a query after its slot.
   */
  async function watch(seen: Map<string, number>, ms: number): Promise<{ count: number; slots: number }> {
    const before = seen.size;
    const start = Date.now();
    for (const until = start + ms; Date.now() < until; await sleep(100)) {
      for (const j of await jobsOf(ctx.client, connector)) if (j.doc.trigger_method === 'scheduled' && !seen.has(j.id)) seen.set(j.id, Date.now());
    }
    return { count: seen.size - before, slots: Math.floor((Date.now() - start + 500) / 2_000) + 1 };
  }

  for (const [name, jumpMs] of [
    ['forward one hour', 3_600_000],
    ['back one hour', -3_600_000],
  ] as const) {
    it(`${name}`, async () => {
      connector = uniqueId('clock');
      await createFakeConnector(ctx.client, connector, { count: 1, scheduling: { full: EVERY_2S, incremental: OFF, access_control: OFF } });
      await ctx.client.indices.refresh({ index: CONNECTORS_ALIAS });
      const service = startService({ CONNECTOR_IDS: connector, NODE_OPTIONS: `--import=${CLOCK_SHIFT}`, TEST_CLOCK_JUMP_MS: String(jumpMs) });
      ctx.procs.push(service);
      const seen = new Map<string, number>();
      // Running to its cadence first.
      await watch(seen, 3_000);
      const before = await watch(seen, 8_000);
      service.kill('SIGUSR2');
      await service.waitForLog(/clock-shift: wall clock moved/, 5_000);
      const after = await watch(seen, 8_000);
      const times = [...seen.values()].sort((a, b) => a - b);
      const closest = Math.min(...times.slice(1).map((t, i) => t - times[i]!));
      console.log(`clock ${name}: ${before.count} scheduled jobs in the 8 s before, ${after.count} in the 8 s after (at most ${before.slots} + ${after.slots} slots); closest two ${closest} ms apart`);
      expect(before.count).toBeGreaterThanOrEqual(3);
      // Not lost: the cadence goes on at once. Not doubled: at most the one slot made up after
      // the jump (either way, the schedule is taken up once from the new clock), no burst, and
      // never one slot twice. Bounded by both watches' own spans together: a service slowed
      // by a busy machine can create a slot's job late, in the watch after (CI saw 3 then 6).
      expect(after.count).toBeGreaterThanOrEqual(3);
      expect(before.count + after.count).toBeLessThanOrEqual(before.slots + after.slots + 1);
      // Stopped, so the log and the job documents can be compared: one job per slot, each slot once.
      service.kill('SIGTERM');
      await service.exited;
      const slots = service.lines.flatMap((l) => /scheduled full sync for slot ([0-9T:.Z-]+)/.exec(l)?.[1] ?? []);
      const scheduled = (await jobsOf(ctx.client, connector)).filter((j) => j.doc.trigger_method === 'scheduled');
      expect(scheduled).toHaveLength(slots.length);
      expect(new Set(slots).size).toBe(slots.length);
    });
  }
});
