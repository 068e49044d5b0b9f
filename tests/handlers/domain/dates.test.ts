import { DateTime } from 'luxon';
import { addDays, diffDays, formatDateTime, formatFullDateTime, parseDateInput, todayIn } from '../../../handlers/domain/dates';

const TZ = 'Asia/Shanghai';
const MONDAY = new Date('2026-11-23T02:00:00Z'); // Monday 2026-11-23 10:00 in Shanghai
const SUNDAY = new Date('2026-11-22T02:00:00Z'); // Sunday 2026-11-22 10:00
const WEDNESDAY = new Date('2026-11-25T02:00:00Z');
const parse = (s: string, now = MONDAY) => parseDateInput(s, now, TZ);

describe('parseDateInput from Monday 2026-11-23', () => {
  it.each([
    ['2026-12-01', '2026-12-01'],
    ['2026/12/1', '2026-12-01'],
    ['2026.12.1', '2026-12-01'],
    ['2026年12月1日', '2026-12-01'],
    ['2026年12月1号', '2026-12-01'],
    ['2027-01-05', '2027-01-05'],
    ['12月1日', '2026-12-01'],
    ['12月1号', '2026-12-01'],
    ['12月1', '2026-12-01'],
    ['12-01', '2026-12-01'],
    ['12/1', '2026-12-01'],
    ['２０２６－１２－０１', '2026-12-01'], // full width
    [' 2026-12-01 ', '2026-12-01'],
    ['今天', '2026-11-23'],
    ['明天', '2026-11-24'],
    ['后天', '2026-11-25'],
    ['大后天', '2026-11-26'],
    ['昨天', '2026-11-22'],
    ['前天', '2026-11-21'],
    ['3天后', '2026-11-26'],
    ['10天以后', '2026-12-03'],
    ['0天后', '2026-11-23'],
    ['下周一', '2026-11-30'],
    ['下周三', '2026-12-02'],
    ['下周日', '2026-12-06'],
    ['下周天', '2026-12-06'],
    ['下星期一', '2026-11-30'],
    ['下个星期五', '2026-12-04'],
    ['下礼拜二', '2026-12-01'],
    ['周一', '2026-11-30'], // strictly after today: today is Monday, so next week's
    ['周二', '2026-11-24'],
    ['周五', '2026-11-27'],
    ['周日', '2026-11-29'],
    ['星期一', '2026-11-30'],
    ['星期天', '2026-11-29'],
    ['本周五', '2026-11-27'],
  ])('%s → %s', (input, expected) => {
    expect(parse(input)).toEqual({ ok: true, value: expected });
  });
});

describe('weekdays relative to other days', () => {
  it('下周一 from a Sunday is the next day: weeks start on Monday', () => {
    expect(parse('下周一', SUNDAY)).toEqual({ ok: true, value: '2026-11-23' });
    expect(parse('下周日', SUNDAY)).toEqual({ ok: true, value: '2026-11-29' });
  });
  it('下周一 from a Monday is seven days later', () => {
    expect(parse('下周一', MONDAY)).toEqual({ ok: true, value: '2026-11-30' });
  });
  it('周X from a Wednesday: later this week, or next week once passed', () => {
    expect(parse('周五', WEDNESDAY)).toEqual({ ok: true, value: '2026-11-27' });
    expect(parse('周三', WEDNESDAY)).toEqual({ ok: true, value: '2026-12-02' });
    expect(parse('周一', WEDNESDAY)).toEqual({ ok: true, value: '2026-11-30' });
    expect(parse('本周一', WEDNESDAY)).toEqual({ ok: true, value: '2026-11-23' }); // this week's, already past
    expect(parse('下周一', WEDNESDAY)).toEqual({ ok: true, value: '2026-11-30' });
  });
  it('周日 from a Sunday is a week later', () => {
    expect(parse('周日', SUNDAY)).toEqual({ ok: true, value: '2026-11-29' });
  });
});

describe('the policy timezone decides what today is', () => {
  it('takes "today" in Shanghai, not UTC', () => {
    // 2026-11-22 17:00 UTC is already Monday 01:00 in Shanghai
    expect(parseDateInput('今天', new Date('2026-11-22T17:00:00Z'), TZ)).toEqual({ ok: true, value: '2026-11-23' });
    expect(parseDateInput('今天', new Date('2026-11-22T17:00:00Z'), 'UTC')).toEqual({ ok: true, value: '2026-11-22' });
  });
  it('M月D日 means the current year, even when that day has passed (no rollover)', () => {
    expect(parse('12月1日')).toEqual({ ok: true, value: '2026-12-01' });
    expect(parse('1月5日')).toEqual({ ok: true, value: '2026-01-05' });
  });
  it('the current year is the one in the timezone: 2026-12-31 16:30 UTC is already 2027 in Shanghai', () => {
    const newYear = new Date('2026-12-31T16:30:00Z');
    expect(parseDateInput('1月5日', newYear, TZ)).toEqual({ ok: true, value: '2027-01-05' });
    expect(parseDateInput('12月1日', newYear, TZ)).toEqual({ ok: true, value: '2027-12-01' });
    expect(parseDateInput('明天', newYear, TZ)).toEqual({ ok: true, value: '2027-01-02' });
    expect(parseDateInput('下周一', newYear, TZ)).toEqual({ ok: true, value: '2027-01-04' }); // 2027-01-01 is a Friday
    expect(parseDateInput('1月5日', newYear, 'UTC')).toEqual({ ok: true, value: '2026-01-05' });
  });
  it('accepts 2 月 29 only in leap years', () => {
    expect(parse('2028-02-29')).toEqual({ ok: true, value: '2028-02-29' });
    expect(parse('2月29日').ok).toBe(false); // 2026 is not a leap year
  });
});

describe('invalid input', () => {
  it.each(['2026-02-30', '2026-13-01', '2026-04-31', '2026年2月30日', '13月1日', '0月1日', '2月30日', '12-32'])(
    'rejects the impossible date %j with a reason',
    (input) => {
      const r = parse(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain('不是有效日期');
    },
  );
  it.each(['', '   ', '某天', '下周八', '周', '2026-12/01', '26-12-01', '3天', '个周一', '明天后天'])('rejects %j', (input) => {
    const r = parse(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/日期/);
  });
});

describe('date helpers', () => {
  it('today in a timezone', () => {
    expect(todayIn(MONDAY, TZ)).toBe('2026-11-23');
    expect(todayIn(new Date('2026-11-22T17:00:00Z'), TZ)).toBe('2026-11-23');
    expect(todayIn(new Date('2026-11-22T17:00:00Z'), 'UTC')).toBe('2026-11-22');
  });
  it('today agrees with the zone database around midnight, DST changes and half-hour zones', () => {
    const zones = [TZ, 'UTC', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
    const starts = ['2026-03-08T04:00:00Z', '2026-03-29T00:00:00Z', '2026-10-04T14:00:00Z', '2026-11-01T04:00:00Z', '2026-12-31T10:00:00Z'];
    for (const zone of zones) {
      for (const start of starts) {
        for (let minutes = 0; minutes < 24 * 60; minutes += 7) {
          const at = new Date(Date.parse(start) + minutes * 60_000);
          expect(todayIn(at, zone)).toBe(DateTime.fromJSDate(at, { zone }).toISODate());
        }
      }
    }
    expect(() => todayIn(MONDAY, 'Mars/Olympus')).toThrow(/timezone/);
  });
  it('adds and diffs days across months, years and leap days', () => {
    expect(addDays('2026-12-25', 7)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(diffDays('2026-12-25', '2027-01-01')).toBe(7);
    expect(diffDays('2027-01-01', '2026-12-25')).toBe(-7);
    expect(diffDays('2026-11-23', '2026-11-23')).toBe(0);
  });
  it('formats instants in the timezone', () => {
    const t = new Date('2026-11-22T06:05:00Z');
    expect(formatDateTime(t, TZ)).toBe('11-22 14:05');
    expect(formatFullDateTime(t, TZ)).toBe('2026-11-22 14:05');
    expect(formatFullDateTime(new Date('2026-12-31T16:30:00Z'), TZ)).toBe('2027-01-01 00:30');
  });
  it('refuses an unknown timezone instead of returning garbage', () => {
    expect(() => parseDateInput('今天', MONDAY, 'Mars/Olympus')).toThrow(/timezone/);
  });
});
