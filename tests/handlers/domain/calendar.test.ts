import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { WorkingCalendar } from '../../../handlers/domain/calendar';
import type { CalendarConfig } from '../../../handlers/domain/types';

const CONFIG: CalendarConfig = {
  timezone: 'Asia/Shanghai',
  workdays: [1, 2, 3, 4, 5],
  hours: [
    { start: '09:00', end: '12:00' },
    { start: '13:30', end: '18:00' },
  ],
  officialHolidays: true,
  extraHolidays: [],
  extraWorkdays: [],
};
const cal = new WorkingCalendar(CONFIG);
/** An instant written in Shanghai local time. */
const at = (local: string) => new Date(`${local}+08:00`);
const due = (start: string, hours: number, c = cal) => c.addWorkingHours(at(start), hours).toISOString();
const iso = (local: string) => at(local).toISOString();

// 2026 as chinese-days 1.5.7 has it (国办发明电, gov.cn/zhengce/zhengceku/202511/content_7047091.htm):
// 中秋节 2026-09-25 (Fri) … 09-27 (Sun); 国庆节 2026-10-01 (Thu) … 10-07 (Wed) off, with the make-up
// workdays Sunday 2026-09-20 and Saturday 2026-10-10. Wednesday 09-30 is the last working day before.
describe('working days', () => {
  it('plain weekdays and weekends', () => {
    expect(cal.isWorkingDay('2026-11-23')).toBe(true); // Monday
    expect(cal.isWorkingDay('2026-11-27')).toBe(true); // Friday
    expect(cal.isWorkingDay('2026-11-28')).toBe(false); // Saturday
    expect(cal.isWorkingDay('2026-11-29')).toBe(false); // Sunday
  });

  it('the 2026 National Day holiday and its make-up workdays', () => {
    for (let d = 1; d <= 7; d++) expect(cal.isWorkingDay(`2026-10-0${d}`)).toBe(false);
    expect(cal.isWorkingDay('2026-09-30')).toBe(true);
    expect(cal.isWorkingDay('2026-10-08')).toBe(true);
    expect(cal.isWorkingDay('2026-09-20')).toBe(true); // Sunday, make-up workday
    expect(cal.isWorkingDay('2026-10-10')).toBe(true); // Saturday, make-up workday
    expect(cal.isWorkingDay('2026-10-11')).toBe(false); // plain Sunday
    expect(cal.isWorkingDay('2026-09-25')).toBe(false); // 中秋, a Friday
  });

  it('policy extra days win over the official list and the weekday', () => {
    const custom = new WorkingCalendar({ ...CONFIG, extraHolidays: ['2026-11-24', '2026-10-10'], extraWorkdays: ['2026-10-05', '2026-11-28'] });
    expect(custom.isWorkingDay('2026-11-24')).toBe(false); // company day off on a Tuesday
    expect(custom.isWorkingDay('2026-10-10')).toBe(false); // company gives the make-up Saturday off
    expect(custom.isWorkingDay('2026-10-05')).toBe(true); // worked during National Day
    expect(custom.isWorkingDay('2026-11-28')).toBe(true); // worked on a Saturday
    const both = new WorkingCalendar({ ...CONFIG, extraHolidays: ['2026-11-24'], extraWorkdays: ['2026-11-24'] });
    expect(both.isWorkingDay('2026-11-24')).toBe(true); // extra workdays come first
  });

  it('without official holidays only the weekday counts', () => {
    const plain = new WorkingCalendar({ ...CONFIG, officialHolidays: false });
    expect(plain.isWorkingDay('2026-10-01')).toBe(true); // a Thursday
    expect(plain.isWorkingDay('2026-10-10')).toBe(false); // a Saturday
  });

  it('does not depend on the process timezone (chinese-days shifts days west of UTC)', () => {
    // Run the calendar in a Node process with TZ=America/New_York.
    const source = readFileSync(join(__dirname, '../../../handlers/domain/calendar.ts'), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true } }).outputText;
    const probe = `${js}
      const c = new exports.WorkingCalendar(${JSON.stringify(CONFIG)});
      console.log(JSON.stringify(['2026-09-30', '2026-10-01', '2026-10-07', '2026-10-08', '2026-10-10', '2026-09-20'].map((d) => c.isWorkingDay(d))));`;
    const run = spawnSync(process.execPath, ['-e', probe], { cwd: join(__dirname, '../../..'), env: { ...process.env, TZ: 'America/New_York' }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([true, false, false, true, true, true]);
  });
});

describe('due times (start + N working hours)', () => {
  // A working day here is 7.5 h: 09:00–12:00 and 13:30–18:00.
  it('stays within one morning', () => expect(due('2026-11-23T09:00', 2)).toBe(iso('2026-11-23T11:00')));
  it('ends exactly at the end of a period, not after the break', () => expect(due('2026-11-23T09:00', 3)).toBe(iso('2026-11-23T12:00')));
  it('skips the lunch break', () => expect(due('2026-11-23T11:00', 2)).toBe(iso('2026-11-23T14:30')));
  it('skips the night', () => expect(due('2026-11-23T16:00', 4)).toBe(iso('2026-11-24T11:00')));
  it('skips the weekend: Friday 16:00 + 8 h is Monday 16:30', () => expect(due('2026-11-27T16:00', 8)).toBe(iso('2026-11-30T16:30')));
  it('counts from the next morning when started at 23:00', () => expect(due('2026-11-23T23:00', 1)).toBe(iso('2026-11-24T10:00')));
  it('counts from 13:30 when started at 12:30', () => expect(due('2026-11-23T12:30', 1)).toBe(iso('2026-11-23T14:30')));
  it('counts from 09:00 when started before dawn', () => expect(due('2026-11-24T03:00', 0.5)).toBe(iso('2026-11-24T09:30')));
  it('counts from Monday when started on a Saturday', () => expect(due('2026-11-28T10:00', 2)).toBe(iso('2026-11-30T11:00')));
  it('takes fractional hours', () => expect(due('2026-11-23T09:00', 1.25)).toBe(iso('2026-11-23T10:15')));
  it('keeps the seconds of the start', () => expect(due('2026-11-23T09:10:30', 1)).toBe(iso('2026-11-23T10:10:30')));
  it('0 hours is the next working instant', () => {
    expect(due('2026-11-23T19:00', 0)).toBe(iso('2026-11-24T09:00'));
    expect(due('2026-11-23T12:00', 0)).toBe(iso('2026-11-23T13:30'));
    expect(due('2026-11-23T10:00', 0)).toBe(iso('2026-11-23T10:00'));
  });
  it('goes across several days', () => {
    expect(due('2026-11-23T09:00', 37.5)).toBe(iso('2026-11-27T18:00'));
    expect(due('2026-11-23T09:00', 40)).toBe(iso('2026-11-30T11:30'));
  });

  it('skips National Day: last working day 2026-09-30 16:00 + 8 h is due 2026-10-08 16:30', () => {
    expect(due('2026-09-30T16:00', 8)).toBe(iso('2026-10-08T16:30'));
  });
  it('skips National Day even for a short step submitted the evening before', () => {
    expect(due('2026-09-30T17:30', 1)).toBe(iso('2026-10-08T09:30'));
  });
  it('counts the make-up Saturday 2026-10-10: Friday 10-09 17:00 + 2 h is due that Saturday 10:00', () => {
    expect(due('2026-10-09T17:00', 2)).toBe(iso('2026-10-10T10:00'));
  });
  it('counts the make-up Sunday 2026-09-20: started on Saturday 09-19, due on that Sunday', () => {
    expect(due('2026-09-19T10:00', 1)).toBe(iso('2026-09-20T10:00'));
  });
  it('skips 中秋: Thursday 2026-09-24 17:00 + 2 h is due Monday 09-28 10:00', () => {
    expect(due('2026-09-24T17:00', 2)).toBe(iso('2026-09-28T10:00'));
  });
  it('honours policy overrides', () => {
    const custom = new WorkingCalendar({ ...CONFIG, extraHolidays: ['2026-11-24'], extraWorkdays: ['2026-11-28'] });
    expect(due('2026-11-23T17:00', 2, custom)).toBe(iso('2026-11-25T10:00')); // Tuesday off
    expect(due('2026-11-27T17:00', 2, custom)).toBe(iso('2026-11-28T10:00')); // Saturday worked
  });
  it('supports a period ending at 24:00 (round-the-clock desk)', () => {
    const allDay = new WorkingCalendar({ ...CONFIG, workdays: [1, 2, 3, 4, 5, 6, 7], hours: [{ start: '00:00', end: '24:00' }], officialHolidays: false });
    expect(due('2026-11-23T23:00', 2, allDay)).toBe(iso('2026-11-24T01:00'));
    expect(due('2026-11-23T22:00', 2, allDay)).toBe(iso('2026-11-24T00:00'));
  });
  it('refuses negative or non-finite hours', () => {
    expect(() => cal.addWorkingHours(at('2026-11-23T09:00'), -1)).toThrow(RangeError);
    expect(() => cal.addWorkingHours(at('2026-11-23T09:00'), Number.NaN)).toThrow(RangeError);
  });
  it('nextWorkingInstant', () => {
    expect(cal.nextWorkingInstant(at('2026-11-27T18:00')).toISOString()).toBe(iso('2026-11-30T09:00'));
    expect(cal.nextWorkingInstant(at('2026-09-30T18:30')).toISOString()).toBe(iso('2026-10-08T09:00'));
    expect(cal.nextWorkingInstant(at('2026-11-23T14:00')).toISOString()).toBe(iso('2026-11-23T14:00'));
  });
});

describe('working hours between two instants', () => {
  it('is the inverse of addWorkingHours', () => {
    const starts = ['2026-11-23T09:00', '2026-11-23T12:30', '2026-11-23T23:00', '2026-11-27T16:45', '2026-09-30T11:30', '2026-09-19T08:00', '2026-11-28T03:00'];
    for (const start of starts) {
      for (const h of [0.25, 1, 3, 3.25, 7.5, 8, 24, 41]) {
        const end = cal.addWorkingHours(at(start), h);
        expect(cal.workingHoursBetween(at(start), end)).toBeCloseTo(h, 6);
      }
    }
  });
  it('measures known spans', () => {
    expect(cal.workingHoursBetween(at('2026-11-23T11:00'), at('2026-11-23T14:30'))).toBe(2); // lunch excluded
    expect(cal.workingHoursBetween(at('2026-11-23T09:00'), at('2026-11-24T09:00'))).toBe(7.5);
    expect(cal.workingHoursBetween(at('2026-09-30T09:00'), at('2026-10-08T18:00'))).toBe(15); // two days, holiday between
    expect(cal.workingHoursBetween(at('2026-11-23T10:00'), at('2026-11-23T10:45'))).toBe(0.75);
  });
  it('is zero backwards, for equal instants and over a weekend', () => {
    expect(cal.workingHoursBetween(at('2026-11-24T10:00'), at('2026-11-23T10:00'))).toBe(0);
    expect(cal.workingHoursBetween(at('2026-11-24T10:00'), at('2026-11-24T10:00'))).toBe(0);
    expect(cal.workingHoursBetween(at('2026-11-27T18:00'), at('2026-11-30T09:00'))).toBe(0);
  });
  it('is zero, not an error, on a calendar without working time', () => {
    const never = new WorkingCalendar({ ...CONFIG, workdays: [], officialHolidays: false });
    expect(never.workingHoursBetween(at('2026-11-23T09:00'), at('2026-12-23T09:00'))).toBe(0);
  });
});

describe('working time', () => {
  it.each([
    ['2026-11-23T10:00', true],
    ['2026-11-23T09:00', true], // start inclusive
    ['2026-11-23T12:00', false], // end exclusive
    ['2026-11-23T12:15', false],
    ['2026-11-23T13:30', true],
    ['2026-11-23T17:59', true],
    ['2026-11-23T18:00', false],
    ['2026-11-23T23:00', false],
    ['2026-11-28T10:00', false], // Saturday
    ['2026-10-02T10:00', false], // National Day
    ['2026-10-10T10:00', true], // make-up Saturday
  ])('%s → %s', (local, expected) => {
    expect(cal.isWorkingTime(at(local))).toBe(expected);
  });
});

describe('configuration guards', () => {
  it('throws instead of looping when there is no working day at all', () => {
    const never = new WorkingCalendar({ ...CONFIG, workdays: [], officialHolidays: false });
    expect(() => never.addWorkingHours(at('2026-11-23T09:00'), 1)).toThrow(/no working time/);
    expect(() => never.nextWorkingInstant(at('2026-11-23T09:00'))).toThrow(/no working time/);
  });
  it('refuses a bad timezone or bad periods at construction', () => {
    expect(() => new WorkingCalendar({ ...CONFIG, timezone: 'Mars/Olympus' })).toThrow(/timezone/);
    expect(() => new WorkingCalendar({ ...CONFIG, hours: [] })).toThrow(/no working hours/);
    expect(() => new WorkingCalendar({ ...CONFIG, hours: [{ start: '18:00', end: '09:00' }] })).toThrow(/ascending/);
    expect(() => new WorkingCalendar({ ...CONFIG, hours: [{ start: '09:00', end: '13:00' }, { start: '12:00', end: '18:00' }] })).toThrow(/overlap/);
    expect(() => new WorkingCalendar({ ...CONFIG, hours: [{ start: '9:00', end: '12:00' }] })).toThrow(/HH:mm/);
  });
});

describe('cost', () => {
  // Counted, not timed (timings belong in `npm run bench`): a walk minute by minute would look a day up
  // for every working minute, ~1,000 times per 16-hour call; stepping day by day needs a handful.
  it('steps day by day, not minute by minute', () => {
    const fresh = new WorkingCalendar(CONFIG);
    const dayLookups = jest.spyOn(WorkingCalendar.prototype as unknown as { day(date: string): unknown }, 'day');
    const minuteChecks = jest.spyOn(WorkingCalendar.prototype, 'isWorkingTime');
    try {
      let t = at('2026-01-05T09:00');
      for (let i = 0; i < 5000; i++) {
        const end = fresh.addWorkingHours(t, 16);
        expect(fresh.workingHoursBetween(t, end)).toBeCloseTo(16, 6);
        t = new Date(t.getTime() + 97 * 60_000); // walk through the year at odd offsets
      }
      expect(dayLookups.mock.calls.length).toBeLessThan(5000 * 20);
      expect(minuteChecks).not.toHaveBeenCalled();
    } finally {
      dayLookups.mockRestore();
      minuteChecks.mockRestore();
    }
  });
});
