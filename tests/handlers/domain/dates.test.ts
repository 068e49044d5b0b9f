import { addDays, diffDays, formatDateTime, parseDateInput, todayIn } from '../../../handlers/domain/dates';

const TZ = 'Asia/Shanghai';
const MONDAY = new Date('2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai
const SUNDAY = new Date('2026-11-22T02:00:00Z');
const parse = (s: string, now = MONDAY) => parseDateInput(s, now, TZ);

describe('parseDateInput', () => {
  it.each([
    ['2026-12-01', '2026-12-01'],
    ['2026/12/1', '2026-12-01'],
    ['2026.12.1', '2026-12-01'],
    ['2026年12月1日', '2026-12-01'],
    ['12月1日', '2026-12-01'],
    ['12月1号', '2026-12-01'],
    ['1月5日', '2026-01-05'], // M月D日 means this year, even when past
    ['12-01', '2026-12-01'],
    ['今天', '2026-11-23'],
    ['明天', '2026-11-24'],
    ['后天', '2026-11-25'],
    ['昨天', '2026-11-22'],
    ['3天后', '2026-11-26'],
    ['下周一', '2026-11-30'],
    ['下周日', '2026-12-06'],
    ['下星期三', '2026-12-02'],
    ['周五', '2026-11-27'],
    ['星期一', '2026-11-30'], // the next Monday after today, never today
  ])('%s → %s (from Monday 2026-11-23)', (input, expected) => {
    expect(parse(input)).toEqual({ ok: true, value: expected });
  });

  it('takes "today" in the policy timezone, not UTC', () => {
    // 2026-11-22 17:00 UTC is already Monday 01:00 in Shanghai
    expect(parseDateInput('今天', new Date('2026-11-22T17:00:00Z'), TZ)).toEqual({ ok: true, value: '2026-11-23' });
  });

  it('下周一 from a Sunday is the next day (the Monday of the following week)', () => {
    expect(parse('下周一', SUNDAY)).toEqual({ ok: true, value: '2026-11-23' });
  });

  it.each(['2026-02-30', '2026-13-01', '13月1日', '某天', '', '下周八'])('rejects %j', (input) => {
    expect(parse(input).ok).toBe(false);
  });
});

describe('date helpers', () => {
  it('adds and diffs days across months and years', () => {
    expect(addDays('2026-12-25', 7)).toBe('2027-01-01');
    expect(diffDays('2026-12-25', '2027-01-01')).toBe(7);
    expect(todayIn(MONDAY, TZ)).toBe('2026-11-23');
    expect(formatDateTime(MONDAY, TZ)).toBe('11-23 10:00');
  });
});
