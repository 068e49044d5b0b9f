// Calendar dates typed by people, relative to an injected "now", in the policy timezone.

import { DateTime } from 'luxon';
import { failed, parsed, type ParseResult } from './result';
import type { IsoDate } from './types';

const WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
const RELATIVE_DAYS: Record<string, number> = { 昨天: -1, 今天: 0, 明天: 1, 后天: 2, 大后天: 3 };

const zoned = (now: Date, timezone: string) => DateTime.fromJSDate(now, { zone: timezone }).startOf('day');

export function todayIn(now: Date, timezone: string): IsoDate {
  return zoned(now, timezone).toISODate()!;
}

export function addDays(date: IsoDate, n: number): IsoDate {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days: n }).toISODate()!;
}

/** Whole days from a to b (positive when b is later). */
export function diffDays(a: IsoDate, b: IsoDate): number {
  return Math.round(DateTime.fromISO(b, { zone: 'UTC' }).diff(DateTime.fromISO(a, { zone: 'UTC' }), 'days').days);
}

/** `11-22 14:05` */
export function formatDateTime(instant: Date, timezone: string): string {
  return DateTime.fromJSDate(instant, { zone: timezone }).toFormat('MM-dd HH:mm');
}

/** `2026-11-22 14:05` */
export function formatFullDateTime(instant: Date, timezone: string): string {
  return DateTime.fromJSDate(instant, { zone: timezone }).toFormat('yyyy-MM-dd HH:mm');
}

function ymd(y: number, m: number, d: number, input: string): ParseResult<IsoDate> {
  const dt = DateTime.fromObject({ year: y, month: m, day: d }, { zone: 'UTC' });
  if (!dt.isValid) return failed(`「${input}」不是有效日期`);
  return parsed(dt.toISODate()!);
}

/**
 * `2026-12-01`, `2026/12/1`, `2026.12.1`, `2026年12月1日`, `12月1日`/`12月1号` (this year), `12-01`,
 * `今天`, `明天`, `后天`, `昨天`, `N天后`, `下周一`…`下周日` (next week's day), `周五`/`星期五`
 * (the next such day after today).
 */
export function parseDateInput(input: string, now: Date, timezone: string): ParseResult<IsoDate> {
  const text = input.trim().replace(/\s+/g, '');
  const today = zoned(now, timezone);
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text) ?? /^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$/.exec(text);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]), input);
  m = /^(\d{1,2})月(\d{1,2})[日号]?$/.exec(text) ?? /^(\d{1,2})-(\d{1,2})$/.exec(text);
  if (m) return ymd(today.year, Number(m[1]), Number(m[2]), input);
  if (text in RELATIVE_DAYS) return parsed(today.plus({ days: RELATIVE_DAYS[text]! }).toISODate()!);
  m = /^(\d{1,3})天[后以]后?$/.exec(text);
  if (m) return parsed(today.plus({ days: Number(m[1]) }).toISODate()!);
  m = /^下(?:个)?(?:周|星期|礼拜)([一二三四五六日天])$/.exec(text);
  if (m) {
    const monday = today.startOf('week').plus({ weeks: 1 });
    return parsed(monday.plus({ days: WEEKDAY[m[1]!]! - 1 }).toISODate()!);
  }
  m = /^(?:本|这)?(?:周|星期|礼拜)([一二三四五六日天])$/.exec(text);
  if (m) {
    const ahead = (WEEKDAY[m[1]!]! - today.weekday + 7) % 7 || 7;
    return parsed(today.plus({ days: ahead }).toISODate()!);
  }
  return failed(`「${input.trim()}」不是日期，请写成 2026-12-01、12月1日、明天 或 下周一`);
}
