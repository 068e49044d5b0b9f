// Calendar dates typed by people, relative to an injected "now", in the policy timezone. "Today" is the
// date on the wall clock in that timezone, not in UTC and not in the server's zone.

import { DateTime } from 'luxon';
import { failed, parsed, type ParseResult } from './result';
import type { IsoDate } from './types';

// Maps, not object literals: typed text such as `__proto__` or `toString` must not find anything.
const WEEKDAY = new Map<string, number>([['一', 1], ['二', 2], ['三', 3], ['四', 4], ['五', 5], ['六', 6], ['日', 7], ['天', 7]]);
const RELATIVE_DAYS = new Map<string, number>([['前天', -2], ['昨天', -1], ['今天', 0], ['明天', 1], ['后天', 2], ['大后天', 3]]);
const HINT = '请写成 2026-12-01、2026/12/1、12月1日、明天、3天后、周五 或 下周一';

function startOfToday(now: Date, timezone: string): DateTime {
  const local = DateTime.fromJSDate(now, { zone: timezone });
  if (!local.isValid) throw new Error(`dates: invalid timezone or instant (${timezone}, ${String(now)})`);
  return local.startOf('day');
}
// Calendar dates carry no time of day; UTC keeps day arithmetic free of DST jumps.
const day = (date: IsoDate) => DateTime.fromISO(date, { zone: 'UTC' });

export function todayIn(now: Date, timezone: string): IsoDate {
  // Through the cached offset (see offsetMinutes): every decision asks whether its approver is away.
  const local = localTime(now, timezone);
  const year = local?.getUTCFullYear() ?? -1;
  if (!local || year < 0 || year > 9999) return startOfToday(now, timezone).toISODate()!;
  return `${String(year).padStart(4, '0')}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}`;
}

export function addDays(date: IsoDate, n: number): IsoDate {
  return day(date).plus({ days: n }).toISODate()!;
}

/** The same day n years later (29 Feb → 28 Feb). */
export function addYears(date: IsoDate, n: number): IsoDate {
  return day(date).plus({ years: n }).toISODate()!;
}

/** Whole days from a to b (positive when b is later). */
export function diffDays(a: IsoDate, b: IsoDate): number {
  return Math.round(day(b).diff(day(a), 'days').days);
}

/** `11-22 14:05` in the given timezone. */
export function formatDateTime(instant: Date, timezone: string): string {
  const local = localTime(instant, timezone);
  if (!local) return DateTime.fromJSDate(instant, { zone: timezone }).toFormat('MM-dd HH:mm');
  return `${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** The wall clock in the zone at `instant`, read with the UTC getters; null when offsetMinutes cannot tell. */
function localTime(instant: Date, timezone: string): Date | null {
  const t = instant.getTime();
  const offset = Number.isFinite(t) ? offsetMinutes(t, timezone) : null;
  return offset === null ? null : new Date(t + offset * 60_000);
}

const QUARTER = 900_000;
const OFFSETS_KEPT = 16_384;
const offsets = new Map<string, Map<number, number | null>>();

/**
 * The zone's UTC offset throughout t's quarter hour, or null when it changes inside it. Luxon's zone
 * conversion costs tens of microseconds and a reminder tick formats a thousand times; offsets change
 * on quarter hours in every zone today, so one lookup per quarter hour (checked at both ends) is exact.
 */
function offsetMinutes(t: number, timezone: string): number | null {
  let zone = offsets.get(timezone);
  if (!zone) offsets.set(timezone, (zone = new Map()));
  const quarter = Math.floor(t / QUARTER);
  let offset = zone.get(quarter);
  if (offset === undefined) {
    const start = DateTime.fromMillis(quarter * QUARTER, { zone: timezone });
    const end = DateTime.fromMillis((quarter + 1) * QUARTER - 1, { zone: timezone });
    offset = start.isValid && start.offset === end.offset ? start.offset : null;
    if (zone.size >= OFFSETS_KEPT) zone.delete(zone.keys().next().value!);
    zone.set(quarter, offset);
  }
  return offset;
}

/** `2026-11-22 14:05` in the given timezone. */
export function formatFullDateTime(instant: Date, timezone: string): string {
  return DateTime.fromJSDate(instant, { zone: timezone }).toFormat('yyyy-MM-dd HH:mm');
}

function ymd(y: number, m: number, d: number, input: string): ParseResult<IsoDate> {
  const dt = DateTime.fromObject({ year: y, month: m, day: d }, { zone: 'UTC' });
  if (!dt.isValid) return failed(`「${input.trim()}」不是有效日期（${y}年没有${m}月${d}日），${HINT}`);
  return parsed(dt.toISODate()!);
}

/**
 * A date as people type it → `YYYY-MM-DD`:
 * - `2026-12-01`, `2026/12/1`, `2026.12.1`, `2026年12月1日` (or 号);
 * - `12月1日`, `12月1号`, `12-01`, `12/1`: always the current year in `timezone`, even when that day
 *   has passed (a past date is what 签订/完成 record; the caller decides whether the past is allowed);
 * - `前天` `昨天` `今天` `明天` `后天` `大后天`, `N天后` (`3天后`, `3天以后`, `3天之后`);
 * - `下周一`…`下周日` (also 下周天, 下星期一, 下礼拜一): that day in next week, weeks starting on Monday,
 *   so on a Sunday 下周一 is tomorrow;
 * - `本周五`/`这周五`: that day in the current week (may be past);
 * - `周五`, `星期五`, `礼拜五`: the next such day strictly after today (on a Monday, 周一 is in 7 days).
 * Full-width digits and spaces are accepted.
 */
export function parseDateInput(input: string, now: Date, timezone: string): ParseResult<IsoDate> {
  const text = input.normalize('NFKC').replace(/\s+/g, '');
  if (text === '') return failed(`请填写日期，${HINT}`);
  const today = startOfToday(now, timezone);
  const date = (dt: DateTime) => parsed(dt.toISODate()!);

  let m = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(text);
  if (m) return ymd(Number(m[1]), Number(m[3]), Number(m[4]), input);
  m = /^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$/.exec(text);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]), input);
  m = /^(\d{1,2})月(\d{1,2})[日号]?$/.exec(text) ?? /^(\d{1,2})[-/](\d{1,2})$/.exec(text);
  if (m) return ymd(today.year, Number(m[1]), Number(m[2]), input);

  const relative = RELATIVE_DAYS.get(text);
  if (relative !== undefined) return date(today.plus({ days: relative }));
  m = /^(\d{1,4})天(?:后|以后|之后)$/.exec(text);
  if (m) return date(today.plus({ days: Number(m[1]) }));

  m = /^(?:(下|本|这)个?)?(?:周|星期|礼拜)([一二三四五六日天])$/.exec(text);
  if (m) {
    const weekday = WEEKDAY.get(m[2]!)!;
    if (!m[1]) return date(today.plus({ days: (weekday - today.weekday + 7) % 7 || 7 }));
    // luxon weeks are ISO weeks: Monday first, as on Chinese calendars.
    const monday = today.startOf('week').plus({ weeks: m[1] === '下' ? 1 : 0 });
    return date(monday.plus({ days: weekday - 1 }));
  }
  return failed(`「${input.trim()}」不是日期，${HINT}`);
}
