import { describe, expect, it } from 'vitest';
import { CronError, latestDue, nextRun, parseQuartz } from '../../src/service/schedule/quartz.js';

// Calendar anchors used below (all UTC): 2026-01-15 is a Thursday, 2026-01-17 a Saturday,
// 2026-02-01 and 2026-02-15 Sundays, 2026-08-01 and 2026-08-15 Saturdays, 2026-05-31 a Sunday.
const START = new Date('2026-01-15T10:20:30Z');

/** The next `count` occurrences after `after`, as ISO strings. */
function runs(expression: string, after: Date, count: number): (string | null)[] {
  const out: (string | null)[] = [];
  let cursor: Date | null = after;
  for (let i = 0; i < count && cursor !== null; i++) {
    cursor = nextRun(expression, cursor);
    out.push(cursor === null ? null : cursor.toISOString());
  }
  return out;
}

function next(expression: string, after: Date | string = START): string | null {
  return nextRun(expression, typeof after === 'string' ? new Date(after) : after)?.toISOString() ?? null;
}

function weekdays(expression: string, count: number): string[] {
  const names = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
  return runs(expression, START, count).map((iso) => names[new Date(iso ?? NaN).getUTCDay()] ?? '?');
}

function invalid(expression: string): string {
  try {
    parseQuartz(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(CronError);
    return (error as CronError).message;
  }
  throw new Error(`expected "${expression}" to be rejected`);
}

describe('quartz schedules: time of day', () => {
  it('runs daily at midnight', () => {
    expect(runs('0 0 0 * * ?', START, 2)).toEqual(['2026-01-16T00:00:00.000Z', '2026-01-17T00:00:00.000Z']);
    expect(next('0 0 0 ? * *')).toBe('2026-01-16T00:00:00.000Z');
  });

  it('honours seconds', () => {
    expect(runs('*/5 * * * * ?', START, 3)).toEqual([
      '2026-01-15T10:20:35.000Z',
      '2026-01-15T10:20:40.000Z',
      '2026-01-15T10:20:45.000Z',
    ]);
    expect(runs('10,20,45 * * * * ?', START, 3)).toEqual([
      '2026-01-15T10:20:45.000Z',
      '2026-01-15T10:21:10.000Z',
      '2026-01-15T10:21:20.000Z',
    ]);
    expect(next('0/15 * * * * ?')).toBe('2026-01-15T10:20:45.000Z');
    expect(next('/20 * * * * ?')).toBe('2026-01-15T10:20:40.000Z');
  });

  it('is strictly after the given instant, at any millisecond', () => {
    expect(next('*/5 * * * * ?', '2026-01-15T10:20:35.000Z')).toBe('2026-01-15T10:20:40.000Z');
    expect(next('*/5 * * * * ?', '2026-01-15T10:20:34.999Z')).toBe('2026-01-15T10:20:35.000Z');
    expect(next('0 0 0 * * ?', '2026-01-15T23:59:59.999Z')).toBe('2026-01-16T00:00:00.000Z');
  });

  it('reads a/n as "from a, every n" and wraps reversed ranges like Quartz', () => {
    expect(runs('0 5/10 * * * ?', START, 4)).toEqual([
      '2026-01-15T10:25:00.000Z',
      '2026-01-15T10:35:00.000Z',
      '2026-01-15T10:45:00.000Z',
      '2026-01-15T10:55:00.000Z',
    ]);
    expect(next('0 5/10 * * * ?', '2026-01-15T10:55:00Z')).toBe('2026-01-15T11:05:00.000Z');
    expect(runs('0 0 22-1 * * ?', START, 4)).toEqual([
      '2026-01-15T22:00:00.000Z',
      '2026-01-15T23:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
      '2026-01-16T01:00:00.000Z',
    ]);
    expect(next('0 10-20/5 9 * * ?')).toBe('2026-01-16T09:10:00.000Z');
    expect(runs('0 10-20/5 9 * * ?', START, 3).at(-1)).toBe('2026-01-16T09:20:00.000Z');
  });

  it('evaluates in UTC whatever the process time zone', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(new Date('2026-01-15T00:00:00Z').getTimezoneOffset()).not.toBe(0);
      expect(next('0 0 0 * * ?', '2026-01-15T20:00:00Z')).toBe('2026-01-16T00:00:00.000Z');
      expect(next('0 30 9 ? * MON-FRI', '2026-01-16T10:00:00Z')).toBe('2026-01-19T09:30:00.000Z');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('quartz schedules: day-of-week (1=SUN … 7=SAT)', () => {
  it('skips the weekend for MON-FRI', () => {
    // Friday 10:00 is past 09:30, so the next run is Monday.
    expect(next('0 30 9 ? * MON-FRI', '2026-01-16T10:00:00Z')).toBe('2026-01-19T09:30:00.000Z');
    expect(next('0 30 9 ? * MON-FRI', '2026-01-17T08:00:00Z')).toBe('2026-01-19T09:30:00.000Z');
    expect(next('0 30 9 ? * mon-fri', '2026-01-16T09:00:00Z')).toBe('2026-01-16T09:30:00.000Z');
  });

  it('maps numeric ranges without shifting them', () => {
    expect(weekdays('0 0 12 ? * 2-6', 7)).toEqual(['THU', 'FRI', 'MON', 'TUE', 'WED', 'THU', 'FRI']);
    expect(next('0 0 12 ? * 2-6', '2026-01-16T13:00:00Z')).toBe('2026-01-19T12:00:00.000Z');
  });

  it('maps single numbers and names', () => {
    expect(next('0 0 12 ? * 1')).toBe('2026-01-18T12:00:00.000Z');
    expect(next('0 0 12 ? * SUN')).toBe('2026-01-18T12:00:00.000Z');
    expect(next('0 0 12 ? * sun')).toBe('2026-01-18T12:00:00.000Z');
    expect(next('0 0 12 ? * 2')).toBe('2026-01-19T12:00:00.000Z');
    expect(next('0 0 12 ? * 7')).toBe('2026-01-17T12:00:00.000Z');
    expect(next('0 0 12 ? * 5')).toBe('2026-01-15T12:00:00.000Z');
  });

  it('maps lists, steps and wrapping ranges', () => {
    expect(runs('0 0 12 ? * 1,7', START, 3)).toEqual([
      '2026-01-17T12:00:00.000Z',
      '2026-01-18T12:00:00.000Z',
      '2026-01-24T12:00:00.000Z',
    ]);
    expect(weekdays('0 0 12 ? * 2/2', 4)).toEqual(['FRI', 'MON', 'WED', 'FRI']);
    expect(weekdays('0 0 12 ? * */3', 4)).toEqual(['SAT', 'SUN', 'WED', 'SAT']);
    expect(weekdays('0 0 12 ? * FRI-MON', 5)).toEqual(['FRI', 'SAT', 'SUN', 'MON', 'FRI']);
    // A bare L in day-of-week is Saturday.
    expect(next('0 0 12 ? * L')).toBe('2026-01-17T12:00:00.000Z');
  });

  it('finds the last given weekday of the month with nL', () => {
    expect(runs('0 0 12 ? * 6L', START, 2)).toEqual(['2026-01-30T12:00:00.000Z', '2026-02-27T12:00:00.000Z']);
    expect(next('0 0 12 ? * FRIL')).toBe('2026-01-30T12:00:00.000Z');
    // 2026-01-31 is the last Saturday and the last day.
    expect(next('0 0 12 ? * 7L')).toBe('2026-01-31T12:00:00.000Z');
  });

  it('finds the nth weekday of the month with #', () => {
    expect(runs('0 0 12 ? * 6#3', START, 2)).toEqual(['2026-01-16T12:00:00.000Z', '2026-02-20T12:00:00.000Z']);
    expect(next('0 0 12 ? * MON#1')).toBe('2026-02-02T12:00:00.000Z');
    // Only January, May, July and October 2026 have a fifth Friday.
    expect(runs('0 0 12 ? * 6#5', START, 3)).toEqual([
      '2026-01-30T12:00:00.000Z',
      '2026-05-29T12:00:00.000Z',
      '2026-07-31T12:00:00.000Z',
    ]);
  });
});

describe('quartz schedules: day-of-month', () => {
  it('runs on the last day with L, including leap years', () => {
    expect(runs('0 0 12 L * ?', START, 2)).toEqual(['2026-01-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z']);
    expect(next('0 0 12 L 2 ?', '2027-03-01T00:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
  });

  it('counts back from the last day with L-n', () => {
    expect(runs('0 0 12 L-2 * ?', START, 3)).toEqual([
      '2026-01-29T12:00:00.000Z',
      '2026-02-26T12:00:00.000Z',
      '2026-03-29T12:00:00.000Z',
    ]);
    expect(next('0 0 12 L-2 * ?', '2026-01-29T12:00:00Z')).toBe('2026-02-26T12:00:00.000Z');
    expect(runs('*/30 0 12 L-0 * ?', START, 3)).toEqual([
      '2026-01-31T12:00:00.000Z',
      '2026-01-31T12:00:30.000Z',
      '2026-02-28T12:00:00.000Z',
    ]);
    // L-30 is the 1st of a 31-day month and never happens in February or 30-day months.
    expect(runs('0 0 12 L-30 * ?', START, 2)).toEqual(['2026-03-01T12:00:00.000Z', '2026-05-01T12:00:00.000Z']);
    expect(next('0 0 12 L-28 2 ?')).toBe('2028-02-01T12:00:00.000Z');
    expect(next('0 0 12 L-29 2 ?')).toBeNull();
  });

  it('moves L-nW to the nearest weekday', () => {
    // March: 31-3 = 28th, a Saturday, so Friday 27th; June: 30-3 = 27th, a Saturday, so Friday 26th.
    expect(next('0 0 12 L-3W 3 ?')).toBe('2026-03-27T12:00:00.000Z');
    expect(next('0 0 12 L-3W 6 ?')).toBe('2026-06-26T12:00:00.000Z');
    // January: 31-13 = 18th, a Sunday, so Monday 19th.
    expect(next('0 0 12 L-13W 1 ?')).toBe('2026-01-19T12:00:00.000Z');
    // March: L-30 is Sunday the 1st, so Monday the 2nd.
    expect(next('0 0 12 L-30W 3 ?')).toBe('2026-03-02T12:00:00.000Z');
  });

  it('moves nW to the nearest weekday', () => {
    // 2026-08-15 is a Saturday: Friday 14th. 2026-02-15 and 2026-11-15 are Sundays: Monday 16th.
    expect(next('0 0 12 15W * ?', '2026-07-20T00:00:00Z')).toBe('2026-08-14T12:00:00.000Z');
    expect(next('0 0 12 15W * ?', '2026-01-20T00:00:00Z')).toBe('2026-02-16T12:00:00.000Z');
    expect(next('0 0 12 15W * ?', '2026-10-20T00:00:00Z')).toBe('2026-11-16T12:00:00.000Z');
    expect(next('0 0 12 15W * ?', '2026-02-20T00:00:00Z')).toBe('2026-03-16T12:00:00.000Z');
  });

  it('keeps 1W inside its month', () => {
    // 2026-08-01 is a Saturday: Monday the 3rd, not Friday 31 July.
    expect(next('0 0 12 1W * ?', '2026-07-02T00:00:00Z')).toBe('2026-08-03T12:00:00.000Z');
    // 2026-02-01 is a Sunday: Monday the 2nd.
    expect(next('0 0 12 1W * ?', '2026-01-02T00:00:00Z')).toBe('2026-02-02T12:00:00.000Z');
  });

  it('finds the last weekday of the month with LW', () => {
    // 2026-01-31 is a Saturday and 2026-05-31 a Sunday: both move back to Friday.
    expect(next('0 0 12 LW * ?')).toBe('2026-01-30T12:00:00.000Z');
    expect(next('0 0 12 LW * ?', '2026-05-01T00:00:00Z')).toBe('2026-05-29T12:00:00.000Z');
    expect(next('0 0 12 LW * ?', '2026-03-01T00:00:00Z')).toBe('2026-03-31T12:00:00.000Z');
  });

  it('handles the leap day', () => {
    expect(runs('0 0 0 29 2 ?', START, 2)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
    expect(next('0 0 0 30 2 ?')).toBeNull();
  });

  it('accepts * in both day fields as every day, and * next to a day restriction', () => {
    expect(next('0 0 0 * * *')).toBe('2026-01-16T00:00:00.000Z');
    expect(next('0 0 0 1 * *')).toBe('2026-02-01T00:00:00.000Z');
    expect(next('0 0 0 * * MON')).toBe('2026-01-19T00:00:00.000Z');
  });
});

describe('quartz schedules: month and year', () => {
  it('understands month names, ranges and steps', () => {
    expect(next('0 0 0 1 JUL ?')).toBe('2026-07-01T00:00:00.000Z');
    expect(runs('0 0 0 1 jan,Jul ?', START, 2)).toEqual(['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    expect(next('0 0 0 1 JUN-AUG ?')).toBe('2026-06-01T00:00:00.000Z');
    expect(runs('0 0 0 1 1/3 ?', START, 2)).toEqual(['2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z']);
    expect(next('0 0 0 1 NOV-FEB ?', '2026-03-01T00:00:00Z')).toBe('2026-11-01T00:00:00.000Z');
  });

  it('honours an optional year field', () => {
    expect(next('0 0 12 1 * ? 2027')).toBe('2027-01-01T12:00:00.000Z');
    expect(next('0 0 12 1 * ? *')).toBe('2026-02-01T12:00:00.000Z');
    expect(next('0 0 12 1 1 ? 2026-2030', '2030-01-01T12:00:00Z')).toBeNull();
    expect(next('0 0 12 1 1 ? 2026/2', '2026-06-01T00:00:00Z')).toBe('2028-01-01T12:00:00.000Z');
  });

  it('returns null when the year is in the past', () => {
    expect(next('0 0 12 1 * ? 2020')).toBeNull();
    expect(parseQuartz('0 0 12 1 * ? 2020').next(START)).toBeNull();
  });
});

describe('latestDue', () => {
  const brute = (expression: string, since: Date, at: Date): string | null => {
    let found: Date | null = null;
    for (let cursor = nextRun(expression, since); cursor !== null && cursor <= at; cursor = nextRun(expression, cursor)) {
      found = cursor;
    }
    return found?.toISOString() ?? null;
  };
  const due = (expression: string, since: string, at: string): string | null =>
    latestDue(expression, new Date(since), new Date(at))?.toISOString() ?? null;

  it('returns the most recent slot in (since, at]', () => {
    expect(due('0 0 * * * ?', '2026-01-15T08:30:00Z', '2026-01-15T10:20:30Z')).toBe('2026-01-15T10:00:00.000Z');
    // Inclusive of `at`, exclusive of `since`.
    expect(due('0 0 * * * ?', '2026-01-15T08:30:00Z', '2026-01-15T11:00:00Z')).toBe('2026-01-15T11:00:00.000Z');
    expect(due('0 0 * * * ?', '2026-01-15T10:00:00Z', '2026-01-15T10:59:59Z')).toBeNull();
    expect(due('0 0 * * * ?', '2026-01-15T09:59:59.999Z', '2026-01-15T10:59:59Z')).toBe('2026-01-15T10:00:00.000Z');
  });

  it('returns null when nothing falls in the window', () => {
    expect(due('0 0 0 * * ?', '2026-01-15T00:00:00Z', '2026-01-15T23:59:59Z')).toBeNull();
    expect(due('0 0 0 * * ?', '2026-01-16T00:00:00Z', '2026-01-15T00:00:00Z')).toBeNull();
    expect(due('0 0 12 1 * ? 2020', '2019-01-01T00:00:00Z', '2026-01-15T00:00:00Z')).toBe('2020-12-01T12:00:00.000Z');
  });

  it('stays fast and exact over long windows', () => {
    expect(due('*/5 * * * * ?', '2025-01-15T00:00:00Z', '2026-01-15T10:20:33.400Z')).toBe('2026-01-15T10:20:30.000Z');
    expect(due('* * 10 * * ?', '2026-01-01T00:00:00Z', '2026-01-15T12:00:00Z')).toBe('2026-01-15T10:59:59.000Z');
    expect(due('0 0 12 L-2 * ?', '2025-01-01T00:00:00Z', '2026-03-01T00:00:00Z')).toBe('2026-02-26T12:00:00.000Z');
    expect(due('0 0 12 ? * 6#3', '2000-01-01T00:00:00Z', '2026-01-15T00:00:00Z')).toBe('2025-12-19T12:00:00.000Z');
  });

  it('agrees with stepping through every occurrence', () => {
    const cases: [string, string, string][] = [
      ['0 */7 * * * ?', '2026-01-15T00:00:00Z', '2026-01-15T10:20:30Z'],
      ['15,45 30 9 ? * MON-FRI', '2026-01-01T00:00:00Z', '2026-01-19T09:30:20Z'],
      ['0 0 12 L-3W * ?', '2025-06-01T00:00:00Z', '2026-01-15T00:00:00Z'],
      ['0 0 12 15W * ?', '2025-06-01T00:00:00Z', '2026-08-14T12:00:00Z'],
      ['0 0 12 ? * 6L', '2025-06-01T00:00:00Z', '2026-01-30T11:59:59Z'],
    ];
    for (const [expression, since, at] of cases) {
      expect(due(expression, since, at), expression).toBe(brute(expression, new Date(since), new Date(at)));
    }
  });
});

describe('parseQuartz', () => {
  it('exposes the expression and caches the parsed schedule', () => {
    const schedule = parseQuartz('0 0 0 * * ?');
    expect(schedule.expression).toBe('0 0 0 * * ?');
    expect(parseQuartz('0 0 0 * * ?')).toBe(schedule);
  });

  it('tolerates extra whitespace', () => {
    expect(next('  0\t0  0 * *   ?  ')).toBe('2026-01-16T00:00:00.000Z');
  });

  it('rejects an invalid date', () => {
    expect(() => nextRun('0 0 0 * * ?', new Date(NaN))).toThrow(TypeError);
  });
});

describe('invalid schedules', () => {
  it('rejects the wrong number of fields', () => {
    expect(invalid('0 0 * * *')).toBe(
      'Invalid schedule "0 0 * * *": expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got 5',
    );
    expect(invalid('')).toMatch(/expected 6 or 7 fields .*got 0$/);
    expect(invalid('0 0 0 * * ? 2026 1')).toMatch(/got 8$/);
  });

  it('rejects out-of-range day-of-week numbers, including 0', () => {
    expect(invalid('0 0 0 ? * 9')).toBe('Invalid schedule "0 0 0 ? * 9": day-of-week 9 is out of range 1-7 (1=SUN … 7=SAT)');
    expect(invalid('0 0 0 ? * 0')).toMatch(/day-of-week 0 is out of range 1-7/);
    expect(invalid('0 0 0 ? * 8')).toMatch(/day-of-week 8 is out of range/);
    expect(invalid('0 0 0 ? * 1-8')).toMatch(/day-of-week 8 is out of range/);
  });

  it('rejects "?" in both day fields, or outside them', () => {
    expect(invalid('0 0 0 ? * ?')).toMatch(
      /^Invalid schedule "0 0 0 \? \* \?": "\?" may not be used in both day-of-month and day-of-week/,
    );
    expect(invalid('? 0 0 * * ?')).toMatch(/"\?" may only be used in day-of-month or day-of-week, not in seconds/);
    expect(invalid('0 0 0 * * ? ?')).toMatch(/not in year/);
  });

  it('rejects restricting both day-of-month and day-of-week', () => {
    expect(invalid('0 0 0 1 * MON')).toMatch(/day-of-month "1" and day-of-week "MON" are both set/);
  });

  it('rejects out-of-range values in every field', () => {
    expect(invalid('60 0 0 * * ?')).toMatch(/seconds 60 is out of range 0-59/);
    expect(invalid('0 60 0 * * ?')).toMatch(/minutes 60 is out of range 0-59/);
    expect(invalid('0 0 24 * * ?')).toMatch(/hours 24 is out of range 0-23/);
    expect(invalid('0 0 0 0 * ?')).toMatch(/day-of-month 0 is out of range 1-31/);
    expect(invalid('0 0 0 32 * ?')).toMatch(/day-of-month 32 is out of range 1-31/);
    expect(invalid('0 0 0 1 13 ?')).toMatch(/month 13 is out of range 1-12/);
    expect(invalid('0 0 0 1 * ? 1969')).toMatch(/year 1969 is out of range 1970-2099/);
    expect(invalid('0 0 0 32W * ?')).toMatch(/day-of-month 32 is out of range/);
  });

  it('rejects unknown names and malformed items', () => {
    expect(invalid('0 0 0 ? * FUN')).toMatch(/day-of-week "FUN" is not a number or a name SUN-SAT/);
    expect(invalid('0 0 0 1 JANUARY ?')).toMatch(/month "JANUARY" is not a number or a name JAN-DEC/);
    expect(invalid('0 0 mon * * ?')).toMatch(/hours "mon" is not a number/);
    expect(invalid('0 1-2-3 0 * * ?')).toMatch(/minutes "1-2-3" is not valid/);
    expect(invalid('0 1,,2 0 * * ?')).toMatch(/minutes "1,,2" is not valid/);
    expect(invalid('0 */ 0 * * ?')).toMatch(/minutes step in "\*\/" must be a whole number from 1 to 60/);
    expect(invalid('0 */0 0 * * ?')).toMatch(/minutes step in "\*\/0"/);
    expect(invalid('0 0 0 1 * ? 2030-2026')).toMatch(/year range "2030-2026" runs backwards/);
  });

  it('rejects misused L, W and #', () => {
    expect(invalid('0 0 0 L-31 * ?')).toMatch(/offset from the last day must be 0-30/);
    expect(invalid('0 0 0 L,15 * ?')).toMatch(/day-of-month "L,15": L and W cannot be combined/);
    expect(invalid('0 0 0 1-5W * ?')).toMatch(/day-of-month "1-5W" is not valid/);
    expect(invalid('0 0 0 ? * 6#6')).toMatch(/occurrence after # must be 1-5/);
    expect(invalid('0 0 0 ? * 6#0')).toMatch(/occurrence after # must be 1-5/);
    expect(invalid('0 0 0 ? * 6#3,2')).toMatch(/L and # cannot be combined/);
    expect(invalid('0 0 0 ? * 2-6L')).toMatch(/day-of-week "2-6L" is not valid/);
    expect(invalid('0 0 0 ? * 8L')).toMatch(/day-of-week 8 is out of range/);
  });
});
