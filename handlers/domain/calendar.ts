// Working time: the working periods of working days in the policy timezone. Chinese public holidays
// and make-up workdays (调休) come from `chinese-days`; the policy can add days off and workdays.

import { getDayDetail } from 'chinese-days';
import { DateTime } from 'luxon';
import type { CalendarConfig, IsoDate } from './types';

const HOUR = 3_600_000;
const MAX_DAYS = 3660; // ten years: a calendar with no working time must fail, not loop forever

export class WorkingCalendar {
  private readonly cache = new Map<IsoDate, boolean>();
  private readonly extraHolidays: Set<IsoDate>;
  private readonly extraWorkdays: Set<IsoDate>;
  private readonly periods: { start: number; end: number }[]; // minutes after midnight

  constructor(private readonly config: CalendarConfig) {
    this.extraHolidays = new Set(config.extraHolidays);
    this.extraWorkdays = new Set(config.extraWorkdays);
    this.periods = config.hours.map((h) => ({ start: minutes(h.start), end: minutes(h.end) }));
    if (this.periods.length === 0) throw new Error('calendar: no working hours configured');
  }

  isWorkingDay(date: IsoDate): boolean {
    let working = this.cache.get(date);
    if (working === undefined) {
      working = this.decide(date);
      this.cache.set(date, working);
    }
    return working;
  }

  private decide(date: IsoDate): boolean {
    if (this.extraWorkdays.has(date)) return true;
    if (this.extraHolidays.has(date)) return false;
    if (this.config.officialHolidays) {
      // chinese-days names official days "<English>,<中文>,<n>"; plain weekdays/weekends by day name only.
      const detail = getDayDetail(date);
      if (detail.name.includes(',')) return detail.work;
    }
    return this.config.workdays.includes(DateTime.fromISO(date, { zone: 'UTC' }).weekday);
  }

  isWorkingTime(instant: Date): boolean {
    const local = this.local(instant);
    if (!this.isWorkingDay(local.toISODate()!)) return false;
    const m = local.hour * 60 + local.minute + local.second / 60;
    return this.periods.some((p) => m >= p.start && m < p.end);
  }

  /** The instant N working hours after `start` (a start outside working time counts from the next one). */
  addWorkingHours(start: Date, hours: number): Date {
    let remaining = hours * HOUR;
    let cursor = start.getTime();
    for (const [day, segments] of this.workingSegmentsFrom(start)) {
      void day;
      for (const s of segments) {
        const from = Math.max(s.start, cursor);
        if (from >= s.end) continue;
        const available = s.end - from;
        if (remaining <= available) return new Date(from + remaining);
        remaining -= available;
        cursor = s.end;
      }
    }
    throw new Error('calendar: no working time found within ten years');
  }

  nextWorkingInstant(instant: Date): Date {
    return this.addWorkingHours(instant, 0);
  }

  /** Working hours elapsed from a to b (0 when b is not after a). */
  workingHoursBetween(a: Date, b: Date): number {
    const end = b.getTime();
    if (end <= a.getTime()) return 0;
    let total = 0;
    for (const [, segments] of this.workingSegmentsFrom(a)) {
      for (const s of segments) {
        if (s.start >= end) return total / HOUR;
        total += Math.max(0, Math.min(s.end, end) - Math.max(s.start, a.getTime()));
      }
    }
    return total / HOUR;
  }

  /** Working days from the day of `instant` on, each with its working periods as epoch-ms spans. */
  private *workingSegmentsFrom(instant: Date): Generator<[IsoDate, { start: number; end: number }[]]> {
    let day = this.local(instant).startOf('day');
    for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 })) {
      const date = day.toISODate()!;
      if (!this.isWorkingDay(date)) continue;
      yield [date, this.periods.map((p) => ({ start: day.plus({ minutes: p.start }).toMillis(), end: day.plus({ minutes: p.end }).toMillis() }))];
    }
  }

  private local(instant: Date): DateTime {
    return DateTime.fromJSDate(instant, { zone: this.config.timezone });
  }
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
