// Working time: the working periods of working days, on the wall clock of the policy timezone.
// Chinese public holidays and make-up workdays (调休) come from `chinese-days`; the policy can add
// company days off and extra workdays on top.

// The package's static data file, not its functions: chinese-days 1.5.7 builds its day tables with
// local-time Date arithmetic, so in a process whose TZ is west of UTC every day shifts by one
// (getDayDetail('2026-10-10') says "not a workday" under TZ=America/New_York). The JSON is plain
// `YYYY-MM-DD` keys and does not depend on the process timezone.
import officialDays from 'chinese-days/dist/chinese-days.json';
import { DateTime, IANAZone } from 'luxon';
import type { CalendarConfig, IsoDate } from './types';

const OFFICIAL: { holidays: Record<string, string>; workdays: Record<string, string> } = officialDays;

/** The last year the official holiday table covers (the government publishes each year's in autumn). */
export const LAST_OFFICIAL_YEAR = Math.max(...Object.keys(OFFICIAL.holidays).map((d) => Number(d.slice(0, 4))));
const HOUR = 3_600_000;
/** Ten years of days: a calendar without working time must fail, not loop forever. */
const SCAN_LIMIT_DAYS = 3660;
/**
 * Days remembered per cache: more than a ten-year scan, and fixed, so that a bot running for years
 * (each day, and every far-off date someone types, adds one) does not grow. Oldest out first.
 */
export const CACHED_DAYS = 4096;

function remember<V>(cache: Map<IsoDate, V>, date: IsoDate, value: V): V {
  if (cache.size >= CACHED_DAYS) cache.delete(cache.keys().next().value!);
  cache.set(date, value);
  return value;
}

/** A working period of one day as epoch-ms, end exclusive. */
interface Span {
  start: number;
  end: number;
}

interface Day {
  midnight: number;
  spans: Span[];
  next: IsoDate;
}

export class WorkingCalendar {
  private readonly dayCache = new Map<IsoDate, boolean>();
  private readonly dayInfo = new Map<IsoDate, Day>();
  private readonly dateByQuarter = new Map<number, IsoDate>();
  private readonly extraHolidays: Set<IsoDate>;
  private readonly extraWorkdays: Set<IsoDate>;
  private readonly periods: { start: number; end: number }[]; // minutes after midnight; end may be 1440

  constructor(private readonly config: CalendarConfig) {
    if (!IANAZone.isValidZone(config.timezone)) throw new Error(`calendar: unknown timezone "${config.timezone}"`);
    this.extraHolidays = new Set(config.extraHolidays);
    this.extraWorkdays = new Set(config.extraWorkdays);
    this.periods = config.hours.map((h) => ({ start: minutes(h.start), end: minutes(h.end) }));
    if (this.periods.length === 0) throw new Error('calendar: no working hours configured');
    this.periods.forEach((p, i) => {
      const before = this.periods[i - 1];
      if (!(p.start < p.end) || (before && before.end > p.start)) {
        throw new Error(`calendar: working periods must be ascending and not overlap (${config.hours[i]!.start}-${config.hours[i]!.end})`);
      }
    });
  }

  /**
   * Precedence: policy extra workdays → working; policy extra holidays → off; with official holidays on,
   * an official holiday → off and an official make-up workday (e.g. a Saturday) → working; otherwise
   * the ISO weekday decides. Years chinese-days does not know yet fall through to the weekday rule.
   */
  isWorkingDay(date: IsoDate): boolean {
    const working = this.dayCache.get(date);
    return working ?? remember(this.dayCache, date, this.decide(date));
  }

  private decide(date: IsoDate): boolean {
    if (this.extraWorkdays.has(date)) return true;
    if (this.extraHolidays.has(date)) return false;
    if (this.config.officialHolidays) {
      if (Object.hasOwn(OFFICIAL.holidays, date)) return false;
      if (Object.hasOwn(OFFICIAL.workdays, date)) return true;
    }
    return this.config.workdays.includes(DateTime.fromISO(date, { zone: 'UTC' }).weekday);
  }

  isWorkingTime(instant: Date): boolean {
    const t = instant.getTime();
    return this.day(this.dateOf(t)).spans.some((s) => t >= s.start && t < s.end);
  }

  /**
   * The instant `hours` working hours after `start`: only time inside working periods of working days
   * counts; a start outside working time counts from the next working instant. Fractional hours are
   * fine; 0 hours gives the next working instant (or `start` itself when it is working time). A due
   * time that lands on the end of a period is that end (11:00 + 1 h → 12:00, not 13:30).
   */
  addWorkingHours(start: Date, hours: number): Date {
    if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`calendar: hours must be a non-negative number, got ${hours}`);
    let remaining = Math.round(hours * HOUR);
    const from = start.getTime();
    for (const s of this.spansFrom(from)) {
      const begin = Math.max(s.start, from);
      if (begin >= s.end) continue;
      if (remaining <= s.end - begin) return new Date(begin + remaining);
      remaining -= s.end - begin;
    }
    throw new Error('calendar: no working time found within ten years'); // unreachable: spansFrom throws first
  }

  nextWorkingInstant(instant: Date): Date {
    return this.addWorkingHours(instant, 0);
  }

  /** Working hours elapsed from a to b, fractional; 0 when b is not after a. */
  workingHoursBetween(a: Date, b: Date): number {
    const from = a.getTime();
    const to = b.getTime();
    if (to <= from) return 0;
    let total = 0;
    for (const s of this.spansFrom(from, to)) {
      if (s.start >= to) break;
      total += Math.max(0, Math.min(s.end, to) - Math.max(s.start, from));
    }
    return total / HOUR;
  }

  /**
   * Working spans day by day from the local day of `from` (one step per day, never per minute).
   * Open-ended scans throw after ten years without working time; with `until` they stop there.
   */
  private *spansFrom(from: number, until?: number): Generator<Span> {
    let date = this.dateOf(from);
    for (let i = 0; until !== undefined || i < SCAN_LIMIT_DAYS; i++) {
      const day = this.day(date);
      if (until !== undefined && day.midnight >= until) return;
      yield* day.spans;
      date = day.next;
    }
    throw new Error('calendar: no working time found within ten years; check workdays, hours and extra_holidays');
  }

  /** One local date, computed once: its local midnight, its working spans (none on a day off), the next date. */
  private day(date: IsoDate): Day {
    let day = this.dayInfo.get(date);
    if (!day) {
      const midnight = DateTime.fromISO(date, { zone: this.config.timezone });
      const spans = this.isWorkingDay(date) ? this.periods.map((p) => ({ start: at(midnight, p.start), end: at(midnight, p.end) })) : [];
      day = { midnight: midnight.toMillis(), spans, next: DateTime.fromISO(date, { zone: 'UTC' }).plus({ days: 1 }).toISODate()! };
      remember(this.dayInfo, date, day);
    }
    return day;
  }

  /** Days held in the larger of the two caches (at most CACHED_DAYS). */
  get cachedDays(): number {
    return Math.max(this.dayCache.size, this.dayInfo.size);
  }

  /**
   * The local date of instant `t`. Luxon's zone conversion costs tens of microseconds, and a reminder
   * tick asks for a thousand instants: the date last found for t's quarter hour is reused when t lies
   * between that day's midnight and the next (exact across DST changes; every zone's offset is a
   * multiple of 15 minutes today, and otherwise the check fails and luxon answers).
   */
  private dateOf(t: number): IsoDate {
    const quarter = Math.floor(t / 900_000);
    const known = this.dateByQuarter.get(quarter);
    if (known !== undefined) {
      const day = this.day(known);
      if (t >= day.midnight && t < this.day(day.next).midnight) return known;
    }
    const date = DateTime.fromMillis(t, { zone: this.config.timezone }).toISODate()!;
    if (this.dateByQuarter.size >= CACHED_DAYS * 4) this.dateByQuarter.delete(this.dateByQuarter.keys().next().value!);
    this.dateByQuarter.set(quarter, date);
    return date;
  }
}

/** Wall-clock minute `m` of a local day (1440 = the next midnight) as epoch ms. */
function at(midnight: DateTime, m: number): number {
  // set() keeps wall-clock time across a DST change, where plus({ minutes }) would not.
  return (m === 1440 ? midnight.plus({ days: 1 }) : midnight.set({ hour: Math.floor(m / 60), minute: m % 60 })).toMillis();
}

/** `HH:mm` → minutes after midnight; `24:00` may end the last period. */
function minutes(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  const value = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || Number(m[2]) > 59 || value > 1440) throw new Error(`calendar: expected HH:mm (00:00–24:00), got "${hhmm}"`);
  return value;
}
