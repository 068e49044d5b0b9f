// Report periods typed by people (`本季度`, `2026Q3`, `2026-11`, `今年`), relative to an injected "now"
// in the policy timezone. A period is a half-open range of local calendar days [from, to).

import { DateTime } from 'luxon';
import { failed, parsed, type ParseResult } from './result';
import type { IsoDate } from './types';

export interface Period {
  /** Stable key for files and outbox keys: `2026-11`, `2026Q3`, `2026`. */
  key: string;
  /** How the report names it: `2026年11月`, `2026年第3季度`, `2026年`. */
  label: string;
  /** First local day, inclusive. */
  fromDate: IsoDate;
  /** Day after the last local day (exclusive). */
  toDate: IsoDate;
  /** The same range as instants in the policy timezone. */
  from: Date;
  to: Date;
}

export const PERIOD_EXAMPLES = '本月、上月、本季度、上季度、今年、去年、2026Q3、2026-11、2026';

function make(start: DateTime, unit: 'month' | 'quarter' | 'year'): Period {
  const s = start.startOf(unit);
  const e = s.plus(unit === 'month' ? { months: 1 } : unit === 'quarter' ? { months: 3 } : { years: 1 });
  const key = unit === 'month' ? s.toFormat('yyyy-MM') : unit === 'quarter' ? `${s.year}Q${s.quarter}` : `${s.year}`;
  const label = unit === 'month' ? `${s.year}年${s.month}月` : unit === 'quarter' ? `${s.year}年第${s.quarter}季度` : `${s.year}年`;
  return { key, label, fromDate: s.toISODate()!, toDate: e.toISODate()!, from: s.toJSDate(), to: e.toJSDate() };
}

/** A period by its key (`2026Q3`, `2026-11`, `2026`), as `parsePeriod` makes them. */
export function periodOf(unit: 'month' | 'quarter' | 'year', year: number, index: number, timezone: string): Period {
  const month = unit === 'month' ? index : unit === 'quarter' ? (index - 1) * 3 + 1 : 1;
  return make(DateTime.fromObject({ year, month, day: 1 }, { zone: timezone }), unit);
}

const RELATIVE = new Map<string, [unit: 'month' | 'quarter' | 'year', offset: number]>([
  ['本月', ['month', 0]], ['这个月', ['month', 0]], ['当月', ['month', 0]], ['上月', ['month', -1]], ['上个月', ['month', -1]],
  ['本季度', ['quarter', 0]], ['本季', ['quarter', 0]], ['这个季度', ['quarter', 0]], ['上季度', ['quarter', -1]], ['上季', ['quarter', -1]], ['上个季度', ['quarter', -1]],
  ['今年', ['year', 0]], ['本年', ['year', 0]], ['本年度', ['year', 0]], ['去年', ['year', -1]], ['上年', ['year', -1]],
  ['this month', ['month', 0]], ['last month', ['month', -1]], ['this quarter', ['quarter', 0]], ['last quarter', ['quarter', -1]],
  ['this year', ['year', 0]], ['last year', ['year', -1]],
]);

const MIN_YEAR = 2000;

/** Empty input means this month. The reason names what was wrong and the accepted forms. */
export function parsePeriod(input: string, now: Date, timezone: string): ParseResult<Period> {
  const t = input.trim().toLowerCase().replace(/\s+/g, ' ');
  const today = DateTime.fromJSDate(now, { zone: timezone });
  if (!t) return parsed(make(today, 'month'));
  const relative = RELATIVE.get(t);
  if (relative) {
    const [unit, offset] = relative;
    const shift = unit === 'month' ? { months: offset } : unit === 'quarter' ? { months: 3 * offset } : { years: offset };
    return parsed(make(today.startOf(unit).plus(shift), unit));
  }
  const maxYear = today.year + 1;
  const yearOk = (y: number) => y >= MIN_YEAR && y <= maxYear;
  const badYear = (y: number) => failed<Period>(`年份 ${y} 不在 ${MIN_YEAR}–${maxYear} 之间`);
  let m = /^(\d{4})\s*(?:年\s*)?(?:q|第)\s*([1-4一二三四])\s*(?:季度?)?$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    const q = '一二三四'.includes(m[2]!) ? '一二三四'.indexOf(m[2]!) + 1 : Number(m[2]);
    return yearOk(y) ? parsed(periodOf('quarter', y, q, timezone)) : badYear(y);
  }
  m = /^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (mo < 1 || mo > 12) return failed(`月份 ${mo} 不存在（应为 1–12）`);
    return yearOk(y) ? parsed(periodOf('month', y, mo, timezone)) : badYear(y);
  }
  m = /^(\d{4})\s*年?(?:度)?$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    return yearOk(y) ? parsed(periodOf('year', y, 1, timezone)) : badYear(y);
  }
  if (/^\d{4}\s*q\s*\d+$/.test(t)) return failed('季度只有 Q1–Q4');
  return failed(`看不懂的时间段，请写成 ${PERIOD_EXAMPLES}`);
}

/** The quarter before the one `now` falls in. */
export function previousQuarter(now: Date, timezone: string): Period {
  return make(DateTime.fromJSDate(now, { zone: timezone }).startOf('quarter').minus({ months: 3 }), 'quarter');
}
