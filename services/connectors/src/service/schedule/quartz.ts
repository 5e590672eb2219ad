// Quartz cron schedules (the format Kibana and the Connector API store), evaluated in UTC.
//
// Every field is parsed and validated here, then handed to croner in a form whose meaning
// does not depend on croner's own dialect: plain values become explicit sorted lists, and
// day-of-week numbers are converted from Quartz's 1=SUN…7=SAT to croner's 0=SUN…6=SAT.
// That sidesteps the places where croner and Quartz disagree (numeric-prefix steps such as
// `5/10`, wrap-around ranges such as `22-2`, croner accepting day-of-week 8). croner still
// does the calendar search, including `L`, `LW`, `nW`, `nL` and `n#k`, whose output the
// tests check against hand-computed dates. `L-n` / `L-nW` in day-of-month have no croner
// equivalent and are resolved by this wrapper.

import { Cron } from 'croner';

export class CronError extends Error {
  override readonly name = 'CronError';
}

export interface QuartzSchedule {
  readonly expression: string;
  /** The first occurrence strictly after `after`, or null when there is none. */
  next(after: Date): Date | null;
}

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Wrap-around ranges (`22-2`) are Quartz behaviour for every cyclic field; years are not cyclic. */
  readonly cyclic: boolean;
  readonly names?: readonly string[];
  readonly rangeHint?: string;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const SECONDS: FieldSpec = { label: 'seconds', min: 0, max: 59, cyclic: true };
const MINUTES: FieldSpec = { label: 'minutes', min: 0, max: 59, cyclic: true };
const HOURS: FieldSpec = { label: 'hours', min: 0, max: 23, cyclic: true };
const DAY_OF_MONTH: FieldSpec = { label: 'day-of-month', min: 1, max: 31, cyclic: true };
const MONTH: FieldSpec = {
  label: 'month',
  min: 1,
  max: 12,
  cyclic: true,
  names: MONTH_NAMES,
  rangeHint: ' (1=JAN … 12=DEC)',
};
const DAY_OF_WEEK: FieldSpec = {
  label: 'day-of-week',
  min: 1,
  max: 7,
  cyclic: true,
  names: DAY_NAMES,
  rangeHint: ' (1=SUN … 7=SAT)',
};
// Quartz's own year bounds.
const YEAR: FieldSpec = { label: 'year', min: 1970, max: 2099, cyclic: false };

const FIELD_LAYOUT = 'seconds minutes hours day-of-month month day-of-week [year]';

/** Maps (year, zero-based month) to the one day-of-month that qualifies, or null if none does. */
type DayRule = (year: number, month: number) => number | null;

interface DayField {
  /** What croner receives for this field. */
  readonly croner: string;
  /** True for `*` and `?`: the field does not restrict the day. */
  readonly unrestricted: boolean;
  readonly noSpecificValue: boolean;
  /** Set when the wrapper, not croner, decides which day qualifies. */
  readonly rule?: DayRule;
  /** Largest offset used by an `L-n` rule, for detecting schedules that can never fire. */
  readonly lastDayOffset?: number;
}

class FieldParser {
  constructor(private readonly expression: string) {}

  fail(detail: string): never {
    throw new CronError(`Invalid schedule "${this.expression}": ${detail}`);
  }

  /** Parses a list of `*`, values, ranges and steps into a sorted set of values. */
  values(text: string, spec: FieldSpec): number[] {
    if (text === '?') {
      this.fail(`"?" may only be used in day-of-month or day-of-week, not in ${spec.label}`);
    }
    const result = new Set<number>();
    for (const item of text.split(',')) {
      for (const value of this.item(item, text, spec)) result.add(value);
    }
    return [...result].sort((a, b) => a - b);
  }

  private item(item: string, text: string, spec: FieldSpec): number[] {
    const match = /^(?:(\*)|([A-Z0-9]+)(?:-([A-Z0-9]+))?)?(?:\/([0-9]*))?$/i.exec(item);
    // An empty start is only valid as Quartz's shorthand `/n` for `*/n`.
    if (item === '' || !match || (match[1] === undefined && match[2] === undefined && match[4] === undefined)) {
      this.fail(
        `${spec.label} "${text}" is not valid; use *, a value, a range a-b, a list a,b or a step */n, a/n or a-b/n`,
      );
    }
    const [, , startText, endText, stepText] = match;
    const span = spec.max - spec.min + 1;
    let step = 1;
    if (stepText !== undefined) {
      step = Number(stepText);
      if (stepText === '' || !Number.isInteger(step) || step < 1 || step > span) {
        this.fail(`${spec.label} step in "${item}" must be a whole number from 1 to ${span}`);
      }
    }
    if (startText === undefined) return this.walk(spec.min, spec.max, step, spec);

    const start = this.value(startText, spec);
    // Quartz reads `a/n` as "from a to the end of the field, every n".
    const end = endText !== undefined ? this.value(endText, spec) : stepText !== undefined ? spec.max : start;
    if (end < start && !spec.cyclic) {
      this.fail(`${spec.label} range "${item}" runs backwards`);
    }
    return this.walk(start, end, step, spec);
  }

  /** Walks start..end by step, wrapping past the field's maximum as Quartz does for `22-2`. */
  private walk(start: number, end: number, step: number, spec: FieldSpec): number[] {
    const span = spec.max - spec.min + 1;
    const from = start - spec.min;
    const to = end >= start ? end - spec.min : end - spec.min + span;
    const out: number[] = [];
    for (let offset = from; offset <= to; offset += step) out.push(spec.min + (offset % span));
    return out;
  }

  value(text: string, spec: FieldSpec): number {
    let value: number;
    if (/^[0-9]+$/.test(text)) {
      value = Number(text);
    } else {
      const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
      if (index < 0) {
        const accepted = spec.names ? `a number or a name ${spec.names[0]}-${spec.names.at(-1)}` : 'a number';
        this.fail(`${spec.label} "${text}" is not ${accepted}`);
      }
      value = index + spec.min;
    }
    if (value < spec.min || value > spec.max) {
      this.fail(`${spec.label} ${text} is out of range ${spec.min}-${spec.max}${spec.rangeHint ?? ''}`);
    }
    return value;
  }

  dayOfMonth(text: string): DayField {
    const upper = text.toUpperCase();
    if (upper === '?') return { croner: '*', unrestricted: true, noSpecificValue: true };
    if (upper === '*') return { croner: '*', unrestricted: true, noSpecificValue: false };
    if (/[LW]/.test(upper) && upper.includes(',')) {
      this.fail(`day-of-month "${text}": L and W cannot be combined with other values in a list`);
    }
    if (upper === 'L' || upper === 'LW') return { croner: upper, unrestricted: false, noSpecificValue: false };

    const fromLast = /^L-([0-9]+)(W?)$/.exec(upper);
    if (fromLast) {
      const offset = Number(fromLast[1]);
      if (offset > 30) this.fail(`day-of-month "${text}": the offset from the last day must be 0-30`);
      const nearestWeekday = fromLast[2] === 'W';
      const rule: DayRule = (year, month) => {
        const last = daysInMonth(year, month);
        const day = last - offset;
        if (day < 1) return null;
        return nearestWeekday ? nearestWeekdayInMonth(year, month, day) : day;
      };
      return { croner: '*', unrestricted: false, noSpecificValue: false, rule, lastDayOffset: offset };
    }

    const weekday = /^([0-9]+)W$/.exec(upper);
    if (weekday?.[1] !== undefined) {
      return { croner: `${this.value(weekday[1], DAY_OF_MONTH)}W`, unrestricted: false, noSpecificValue: false };
    }
    if (/[LW]/.test(upper)) {
      this.fail(`day-of-month "${text}" is not valid; use L, L-n, LW, L-nW or nW with a single day n, as in 15W`);
    }
    return { croner: this.values(text, DAY_OF_MONTH).join(','), unrestricted: false, noSpecificValue: false };
  }

  dayOfWeek(text: string): DayField {
    const upper = text.toUpperCase();
    if (upper === '?') return { croner: '*', unrestricted: true, noSpecificValue: true };
    if (upper === '*') return { croner: '*', unrestricted: true, noSpecificValue: false };
    if (/[L#]/.test(upper) && upper.includes(',')) {
      this.fail(`day-of-week "${text}": L and # cannot be combined with other values in a list`);
    }
    // A bare L in day-of-week is Quartz for the last day of the week, Saturday.
    if (upper === 'L') return { croner: toCronerWeekday(7), unrestricted: false, noSpecificValue: false };

    const last = /^([A-Z0-9]+)L$/.exec(upper);
    if (last?.[1] !== undefined) {
      const day = this.value(last[1], DAY_OF_WEEK);
      return { croner: `${toCronerWeekday(day)}#L`, unrestricted: false, noSpecificValue: false };
    }
    const nth = /^([A-Z0-9]+)#([0-9]+)$/.exec(upper);
    if (nth?.[1] !== undefined && nth[2] !== undefined) {
      const day = this.value(nth[1], DAY_OF_WEEK);
      const occurrence = Number(nth[2]);
      if (occurrence < 1 || occurrence > 5) {
        this.fail(`day-of-week "${text}": the occurrence after # must be 1-5`);
      }
      return { croner: `${toCronerWeekday(day)}#${occurrence}`, unrestricted: false, noSpecificValue: false };
    }
    // No day name contains L, so any L or # left over is misplaced.
    if (/[L#]/.test(upper)) {
      this.fail(`day-of-week "${text}" is not valid; L and # take a single day, as in 6L or 6#3`);
    }
    const days = this.values(text, DAY_OF_WEEK).map(toCronerWeekday);
    return { croner: days.join(','), unrestricted: false, noSpecificValue: false };
  }
}

function toCronerWeekday(quartzDay: number): string {
  return String(quartzDay - 1);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Quartz's W: the closest Monday–Friday to `day`, never leaving the month. */
function nearestWeekdayInMonth(year: number, month: number, day: number): number {
  const weekday = new Date(Date.UTC(year, month, day)).getUTCDay();
  const last = daysInMonth(year, month);
  if (weekday === 6) return day === 1 ? day + 2 : day - 1;
  if (weekday === 0) return day === last ? day - 2 : day + 1;
  return day;
}

/** Longest length each month can have (February in a leap year). */
const MAX_MONTH_LENGTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

// An L-n schedule moves on at least one allowed month per one or two hops, and some allowed
// month qualifies at least every 8 years, so this cap is never reached by a schedule that fires.
const MAX_HOPS = 10_000;

class CompiledSchedule implements QuartzSchedule {
  constructor(
    readonly expression: string,
    private readonly cron: Cron | null,
    private readonly rule: DayRule | undefined,
  ) {}

  next(after: Date): Date | null {
    if (!(after instanceof Date) || Number.isNaN(after.getTime())) {
      throw new TypeError(`next() needs a valid Date, got ${String(after)}`);
    }
    if (this.cron === null) return null;
    if (this.rule === undefined) return this.cron.nextRun(after);

    // croner sees every day of the allowed months; skip ahead to the day the rule picks.
    let cursor = after;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const candidate = this.cron.nextRun(cursor);
      if (candidate === null) return null;
      const year = candidate.getUTCFullYear();
      const month = candidate.getUTCMonth();
      const day = candidate.getUTCDate();
      const target = this.rule(year, month);
      if (target === day) return candidate;
      // One millisecond before midnight, so croner's strictly-after search may land on midnight.
      cursor =
        target !== null && day < target
          ? new Date(Date.UTC(year, month, target) - 1)
          : new Date(Date.UTC(year, month + 1, 1) - 1);
    }
    return null;
  }
}

function compile(expression: string): QuartzSchedule {
  if (typeof expression !== 'string') {
    throw new CronError(`Invalid schedule ${String(expression)}: a schedule must be a string`);
  }
  const parser = new FieldParser(expression);
  const fields = expression.trim() === '' ? [] : expression.trim().split(/\s+/);
  const [second, minute, hour, dom, month, dow, year] = fields;
  if (
    fields.length > 7 ||
    second === undefined ||
    minute === undefined ||
    hour === undefined ||
    dom === undefined ||
    month === undefined ||
    dow === undefined
  ) {
    return parser.fail(`expected 6 or 7 fields (${FIELD_LAYOUT}), got ${fields.length}`);
  }

  const seconds = parser.values(second, SECONDS);
  const minutes = parser.values(minute, MINUTES);
  const hours = parser.values(hour, HOURS);
  const months = parser.values(month, MONTH);
  const dayOfMonth = parser.dayOfMonth(dom);
  const dayOfWeek = parser.dayOfWeek(dow);
  const years = year === undefined || year === '*' ? '*' : parser.values(year, YEAR).join(',');

  if (dayOfMonth.noSpecificValue && dayOfWeek.noSpecificValue) {
    parser.fail('"?" may not be used in both day-of-month and day-of-week; put ? in one and * or a value in the other');
  }
  // Quartz never combines the two; we accept `*` for the unused one but not two real restrictions.
  if (!dayOfMonth.unrestricted && !dayOfWeek.unrestricted) {
    parser.fail(
      `day-of-month "${dom}" and day-of-week "${dow}" are both set; Quartz needs one of them to be "?"`,
    );
  }

  if (
    dayOfMonth.lastDayOffset !== undefined &&
    !months.some((m) => (MAX_MONTH_LENGTH[m - 1] ?? 0) > (dayOfMonth.lastDayOffset ?? 0))
  ) {
    // No selected month is ever long enough, so the schedule is valid but never fires.
    return new CompiledSchedule(expression, null, undefined);
  }

  const pattern = [
    seconds.join(','),
    minutes.join(','),
    hours.join(','),
    dayOfMonth.croner,
    months.join(','),
    dayOfWeek.croner,
    years,
  ].join(' ');
  let cron: Cron;
  try {
    // AND: one of the two day fields is always `*` here, so the other one alone decides.
    cron = new Cron(pattern, { utcOffset: 0, domAndDow: true, mode: '7-part' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return parser.fail(`not supported (${reason})`);
  }
  return new CompiledSchedule(expression, cron, dayOfMonth.rule);
}

// The scheduler re-evaluates the same handful of expressions on every poll.
const CACHE_LIMIT = 256;
const cache = new Map<string, QuartzSchedule>();

export function parseQuartz(expression: string): QuartzSchedule {
  const cached = cache.get(expression);
  if (cached) return cached;
  const schedule = compile(expression);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(expression, schedule);
  return schedule;
}

export function nextRun(expression: string, after: Date): Date | null {
  return parseQuartz(expression).next(after);
}

/** The most recent occurrence at or before `at`, strictly after `since`, or null — used to decide whether a slot is due. */
export function latestDue(expression: string, since: Date, at: Date): Date | null {
  const schedule = parseQuartz(expression);
  if (Number.isNaN(at.getTime())) throw new TypeError(`latestDue() needs a valid Date, got ${String(at)}`);
  const limit = at.getTime();
  const first = schedule.next(since);
  if (first === null || first.getTime() > limit) return null;
  const second = schedule.next(first);
  if (second === null || second.getTime() > limit) return first;

  // Bisect instead of stepping, so a `*/5 * * * * ?` schedule after a long outage stays cheap.
  // Invariant: an occurrence lies in (low, at]; none lies in (high, at].
  let low = first.getTime();
  let high = limit;
  // Occurrences fall on whole seconds, so a window of at most 1s holds at most one of them.
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2);
    const found = schedule.next(new Date(middle));
    if (found !== null && found.getTime() <= limit) low = middle;
    else high = middle;
  }
  return schedule.next(new Date(low));
}
