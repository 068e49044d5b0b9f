// The calendar's day caches stay bounded however many distinct days a long-running bot asks about,
// and answers stay right after days were evicted.

import { CACHED_DAYS, WorkingCalendar } from '../../../handlers/domain/calendar';
import type { CalendarConfig } from '../../../handlers/domain/types';

const CONFIG: CalendarConfig = {
  timezone: 'Asia/Shanghai',
  workdays: [1, 2, 3, 4, 5],
  hours: [
    { start: '09:00', end: '12:00' },
    { start: '13:30', end: '18:00' },
  ],
  officialHolidays: true,
  extraHolidays: ['2031-05-06'],
  extraWorkdays: [],
};

it('remembers at most CACHED_DAYS days after 30 years of distinct days, and still answers right', () => {
  const cal = new WorkingCalendar(CONFIG);
  const first = Date.parse('2010-01-01T04:00:00Z');
  const days = 30 * 366;
  for (let i = 0; i < days; i++) cal.isWorkingTime(new Date(first + i * 86_400_000));
  expect(cal.cachedDays).toBeLessThanOrEqual(CACHED_DAYS);
  expect(cal.cachedDays).toBeGreaterThan(CACHED_DAYS / 2); // it is still a cache

  // Evicted days are computed again, the same as a fresh calendar computes them.
  const fresh = new WorkingCalendar(CONFIG);
  for (const date of ['2010-01-04', '2026-10-01', '2026-10-10', '2031-05-06', '2039-12-30']) {
    expect(cal.isWorkingDay(date)).toBe(fresh.isWorkingDay(date));
  }
  expect(cal.isWorkingDay('2026-10-10')).toBe(true); // a make-up Saturday
  expect(cal.isWorkingDay('2031-05-06')).toBe(false); // a company day off
  const start = new Date('2026-09-30T09:00:00+08:00');
  expect(cal.addWorkingHours(start, 16).toISOString()).toBe(fresh.addWorkingHours(start, 16).toISOString());
  expect(cal.workingHoursBetween(new Date('2012-01-01T00:00:00Z'), new Date('2040-01-01T00:00:00Z'))).toBe(
    fresh.workingHoursBetween(new Date('2012-01-01T00:00:00Z'), new Date('2040-01-01T00:00:00Z')),
  );
  expect(cal.cachedDays).toBeLessThanOrEqual(CACHED_DAYS);
});
