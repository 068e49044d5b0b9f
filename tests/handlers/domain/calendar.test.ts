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

describe('working days', () => {
  it('knows weekends, the 2026 National Day holiday and its make-up workdays', () => {
    expect(cal.isWorkingDay('2026-11-23')).toBe(true); // Monday
    expect(cal.isWorkingDay('2026-11-28')).toBe(false); // Saturday
    for (let d = 1; d <= 7; d++) expect(cal.isWorkingDay(`2026-10-0${d}`)).toBe(false); // 国庆 Oct 1–7
    expect(cal.isWorkingDay('2026-09-20')).toBe(true); // Sunday, make-up workday
    expect(cal.isWorkingDay('2026-10-10')).toBe(true); // Saturday, make-up workday
    expect(cal.isWorkingDay('2026-10-11')).toBe(false); // plain Sunday
  });

  it('lets the policy add days off and workdays, and ignore the official list', () => {
    const custom = new WorkingCalendar({ ...CONFIG, extraHolidays: ['2026-11-24'], extraWorkdays: ['2026-10-05', '2026-11-28'] });
    expect(custom.isWorkingDay('2026-11-24')).toBe(false);
    expect(custom.isWorkingDay('2026-10-05')).toBe(true);
    expect(custom.isWorkingDay('2026-11-28')).toBe(true);
    const plain = new WorkingCalendar({ ...CONFIG, officialHolidays: false });
    expect(plain.isWorkingDay('2026-10-01')).toBe(true); // a Thursday
    expect(plain.isWorkingDay('2026-10-10')).toBe(false); // a Saturday
  });
});

describe('due times (submit + N working hours)', () => {
  it('stays within one morning', () => expect(due('2026-11-23T09:00', 2)).toBe(iso('2026-11-23T11:00')));
  it('skips the lunch break', () => expect(due('2026-11-23T11:00', 2)).toBe(iso('2026-11-23T14:30')));
  it('ends exactly at the end of a period', () => expect(due('2026-11-23T09:00', 3)).toBe(iso('2026-11-23T12:00')));
  it('skips the night', () => expect(due('2026-11-23T16:00', 4)).toBe(iso('2026-11-24T11:00')));
  // A working day here is 7.5 h (3 h + 4.5 h).
  it('skips the weekend: Friday 16:00 + 8 h', () => expect(due('2026-11-27T16:00', 8)).toBe(iso('2026-11-30T16:30')));
  it('counts from the next working instant when submitted at night', () => expect(due('2026-11-23T23:00', 1)).toBe(iso('2026-11-24T10:00')));
  it('counts from 13:30 when submitted at lunch', () => expect(due('2026-11-23T12:30', 1)).toBe(iso('2026-11-23T14:30')));
  it('submitted on a Saturday counts from Monday', () => expect(due('2026-11-28T10:00', 2)).toBe(iso('2026-11-30T11:00')));
  it('0 hours is the next working instant', () => expect(due('2026-11-23T19:00', 0)).toBe(iso('2026-11-24T09:00')));

  it('skips the National Day holiday: Wednesday 2026-09-30 16:00 + 8 h is due on Thursday 2026-10-08', () => {
    expect(due('2026-09-30T16:00', 8)).toBe(iso('2026-10-08T16:30'));
  });
  it('counts the make-up Saturday 2026-10-10: Friday 10-09 17:00 + 2 h is due on that Saturday', () => {
    expect(due('2026-10-09T17:00', 2)).toBe(iso('2026-10-10T10:00'));
  });
  it('counts the make-up Sunday 2026-09-20 before the holiday', () => {
    expect(due('2026-09-19T10:00', 1)).toBe(iso('2026-09-20T10:00'));
  });
  it('goes across a multi-day span: 37.5 working hours from Monday 9:00 is Friday 18:00, 40 is Monday 11:30', () => {
    expect(due('2026-11-23T09:00', 37.5)).toBe(iso('2026-11-27T18:00'));
    expect(due('2026-11-23T09:00', 40)).toBe(iso('2026-11-30T11:30'));
  });
});

describe('working hours between two instants', () => {
  it('is the inverse of addWorkingHours', () => {
    for (const start of ['2026-11-23T09:00', '2026-11-27T16:45', '2026-09-30T11:30', '2026-11-28T03:00']) {
      for (const h of [0.5, 1, 3.25, 8, 24, 41]) {
        const end = cal.addWorkingHours(at(start), h);
        expect(cal.workingHoursBetween(at(start), end)).toBeCloseTo(h, 6);
      }
    }
  });
  it('is zero backwards and over a weekend', () => {
    expect(cal.workingHoursBetween(at('2026-11-24T10:00'), at('2026-11-23T10:00'))).toBe(0);
    expect(cal.workingHoursBetween(at('2026-11-27T18:00'), at('2026-11-30T09:00'))).toBe(0);
  });
  it('tells working time apart', () => {
    expect(cal.isWorkingTime(at('2026-11-23T10:00'))).toBe(true);
    expect(cal.isWorkingTime(at('2026-11-23T12:15'))).toBe(false);
    expect(cal.isWorkingTime(at('2026-10-02T10:00'))).toBe(false);
  });
  it('refuses a calendar without working time instead of looping', () => {
    const never = new WorkingCalendar({ ...CONFIG, workdays: [], officialHolidays: false });
    expect(() => never.addWorkingHours(at('2026-11-23T09:00'), 1)).toThrow(/no working time/);
  });
});
