import type { Logger } from '../log/logger.js';
import { scheduledAtField } from '../protocol/documents.js';
import type { ProtocolStore } from '../protocol/store.js';
import type { ConnectorRecord, JobType } from '../protocol/types.js';
import { CronError, latestDue, parseQuartz } from './schedule/quartz.js';

/** A missed slot (service down, replica restart) is made up once if it is this recent. */
export const CATCH_UP_WINDOW_MS = 60 * 60 * 1000;

/** A wall-clock step larger than this, against the monotonic clock, counts as the clock going back. */
export const CLOCK_STEP_TOLERANCE_MS = 60 * 1000;

/**
 * Backward steps of this process's wall clock (an NTP step, a resumed VM),
 * seen against the monotonic clock. After one, a slot recorded ahead of the
 * clock would hold the schedule back until the clock caught up (an hour, for
 * an hour's step), so each schedule is taken up again from now, once per step.
 * A replica whose clock merely runs behind another's saw no step: it never
 * overrides the other's slots (which would schedule them twice).
 */
class ClockSteps {
  private offset = Date.now() - performance.now();
  private steps = 0;
  private readonly handled = new Map<string, number>();

  /** Whether `key`'s schedule should be taken up from now: a backward step it has not yet answered. */
  takeUp(key: string): boolean {
    const offset = Date.now() - performance.now();
    if (this.offset - offset > CLOCK_STEP_TOLERANCE_MS) this.steps++;
    this.offset = offset;
    if ((this.handled.get(key) ?? 0) >= this.steps) return false;
    this.handled.set(key, this.steps);
    return true;
  }
}
const clockSteps = new ClockSteps();

export type ScheduleOutcome =
  | { kind: 'disabled' }
  | { kind: 'not_due' }
  | { kind: 'taken' }
  /** Due, but `hasWork` said there was nothing to do: no job, and the slot stays due. */
  | { kind: 'no_work'; slot: Date }
  | { kind: 'created'; jobId: string; slot: Date };

/**
 * Creates the scheduled job of a due slot, at most once per slot across every
 * replica: the slot is recorded in `last_<type>_scheduled_at` with optimistic
 * concurrency before the job is created, and a slot at or before the recorded
 * one is never scheduled again.
 */
export async function trySchedule(
  store: ProtocolStore,
  connectorId: string,
  jobType: JobType,
  serviceStartedAt: Date,
  log: Logger,
  now: () => Date = () => new Date(),
  hasWork?: (connector: ConnectorRecord) => Promise<boolean>,
): Promise<ScheduleOutcome> {
  const field = scheduledAtField(jobType);
  for (let attempt = 0; attempt < 5; attempt++) {
    const connector: ConnectorRecord | null = await store.getConnector(connectorId);
    if (!connector) return { kind: 'disabled' };
    const schedule = connector.doc.scheduling?.[jobType];
    if (!schedule?.enabled) return { kind: 'disabled' };
    const at = now();
    const recorded = connector.doc[field] ? new Date(connector.doc[field]) : undefined;
    const catchUp = at.getTime() - CATCH_UP_WINDOW_MS;
    let floor = Math.max(recorded?.getTime() ?? serviceStartedAt.getTime(), catchUp);
    if (floor > at.getTime() && clockSteps.takeUp(`${connectorId}/${jobType}`)) {
      // Made up once, like a missed slot: the latest one due by this clock.
      log.warn({ connector: { id: connectorId } }, `the clock went back: the ${jobType} schedule's last slot ${new Date(floor).toISOString()} is ahead of it (${at.toISOString()}); scheduling from now`);
      floor = catchUp;
    }
    // Throws CronError for an expression we cannot evaluate; the caller reports it.
    const slot = latestDue(schedule.interval, new Date(floor), at);
    if (!slot) return { kind: 'not_due' };
    // Not recorded: the slot stays due, so the first change after it gets its job at once.
    if (hasWork && !(await hasWork(connector))) return { kind: 'no_work', slot };
    const won = await store.updateConnector(connectorId, { [field]: slot.toISOString() }, connector);
    if (!won) continue; // someone else wrote the connector: re-read and decide again
    const jobId = await store.createJob(connectorId, jobType, 'scheduled');
    log.info({ connector: { id: connectorId }, job: { id: jobId, type: jobType } }, `scheduled ${jobType} sync for slot ${slot.toISOString()}`);
    return { kind: 'created', jobId, slot };
  }
  return { kind: 'taken' };
}

/** Job types the connector's features allow scheduling for (D.3 steps 5–7). */
export function schedulableTypes(doc: ConnectorRecord['doc']): JobType[] {
  const types: JobType[] = [];
  if (doc.features?.document_level_security?.enabled) types.push('access_control');
  if (doc.features?.incremental_sync?.enabled) types.push('incremental');
  types.push('full');
  return types;
}

/** Throws, naming the schedule, when an enabled one cannot be evaluated. */
export function validateSchedules(doc: ConnectorRecord['doc']): void {
  for (const type of schedulableTypes(doc)) {
    const schedule = doc.scheduling?.[type];
    if (!schedule?.enabled) continue;
    try {
      parseQuartz(schedule.interval);
    } catch (err) {
      if (err instanceof CronError) throw new Error(`Invalid ${type} schedule: ${err.message}`);
      throw err;
    }
  }
}
