// Report periods: relative words, quarter/month/year keys, the policy timezone, and clear refusals.

import { parsePeriod, previousQuarter } from '../../../handlers/domain/period';

const TZ = 'Asia/Shanghai';
const NOW = new Date('2026-11-23T02:00:00Z'); // Monday 23 Nov 2026, 10:00 in Shanghai
const parse = (t: string) => {
  const r = parsePeriod(t, NOW, TZ);
  if (!r.ok) throw new Error(r.reason);
  return { key: r.value.key, label: r.value.label, from: r.value.fromDate, to: r.value.toDate };
};

it.each([
  ['', '2026-11', '2026年11月', '2026-11-01', '2026-12-01'],
  ['本月', '2026-11', '2026年11月', '2026-11-01', '2026-12-01'],
  ['上月', '2026-10', '2026年10月', '2026-10-01', '2026-11-01'],
  ['本季度', '2026Q4', '2026年第4季度', '2026-10-01', '2027-01-01'],
  ['上季度', '2026Q3', '2026年第3季度', '2026-07-01', '2026-10-01'],
  ['今年', '2026', '2026年', '2026-01-01', '2027-01-01'],
  ['去年', '2025', '2025年', '2025-01-01', '2026-01-01'],
  ['2026Q3', '2026Q3', '2026年第3季度', '2026-07-01', '2026-10-01'],
  ['2026q1', '2026Q1', '2026年第1季度', '2026-01-01', '2026-04-01'],
  ['2026年第二季度', '2026Q2', '2026年第2季度', '2026-04-01', '2026-07-01'],
  ['2026-11', '2026-11', '2026年11月', '2026-11-01', '2026-12-01'],
  ['2026/2', '2026-02', '2026年2月', '2026-02-01', '2026-03-01'],
  ['2026年12月', '2026-12', '2026年12月', '2026-12-01', '2027-01-01'],
  ['2025', '2025', '2025年', '2025-01-01', '2026-01-01'],
  ['last quarter', '2026Q3', '2026年第3季度', '2026-07-01', '2026-10-01'],
])('%s → %s', (input, key, label, from, to) => {
  expect(parse(input)).toEqual({ key, label, from, to });
});

it('starts and ends a period at local midnight in the policy timezone', () => {
  const r = parsePeriod('2026Q3', NOW, TZ);
  expect(r.ok && [r.value.from.toISOString(), r.value.to.toISOString()]).toEqual(['2026-06-30T16:00:00.000Z', '2026-09-30T16:00:00.000Z']);
});

it('takes 上月 in January back to December of the previous year', () => {
  const r = parsePeriod('上月', new Date('2027-01-10T02:00:00Z'), TZ);
  expect(r.ok && r.value.key).toBe('2026-12');
});

it.each([
  ['2026Q5', '季度只有 Q1–Q4'],
  ['2026-13', '月份 13 不存在'],
  ['1999Q1', '年份 1999'],
  ['2030', '年份 2030'],
  ['下个世纪', '看不懂的时间段'],
  ['__proto__', '看不懂的时间段'],
])('refuses %s naming what is wrong', (input, reason) => {
  const r = parsePeriod(input, NOW, TZ);
  expect(r.ok).toBe(false);
  expect(!r.ok && r.reason).toContain(reason);
});

it('knows the quarter before the one of a date', () => {
  expect(previousQuarter(new Date('2026-10-08T01:00:00Z'), TZ).key).toBe('2026Q3');
  expect(previousQuarter(new Date('2026-12-31T15:59:00Z'), TZ).key).toBe('2026Q3'); // still 31 Dec locally
  expect(previousQuarter(new Date('2026-12-31T16:00:00Z'), TZ).key).toBe('2026Q4'); // 1 Jan 2027 locally
});
