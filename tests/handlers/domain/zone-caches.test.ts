// The zone lookups cached per quarter hour (formatDateTime's offsets, the calendar's local dates) give
// luxon's answers everywhere, DST changes and half-hour zones included.

import { DateTime } from 'luxon';
import { WorkingCalendar } from '../../../handlers/domain/calendar';
import { formatDateTime } from '../../../handlers/domain/dates';

const ZONES = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns'];

it.each(ZONES)('formats like luxon in %s, minute by minute across both DST changes of 2026 and at odd instants', (zone) => {
  const luxon = (t: number) => DateTime.fromMillis(t, { zone }).toFormat('MM-dd HH:mm');
  const days = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01'];
  for (const d of days) {
    const start = Date.parse(`${d}T00:00:00Z`) - 36 * 3_600_000;
    for (let t = start; t < start + 72 * 3_600_000; t += 60_000 + 7) expect(formatDateTime(new Date(t), zone)).toBe(luxon(t));
  }
  for (const t of [0, -1, 1_763_863_200_000, 4_102_444_800_000, 1_763_863_200_999]) expect(formatDateTime(new Date(t), zone)).toBe(luxon(t));
});

it.each(['Europe/London', 'America/New_York', 'Australia/Lord_Howe'])(
  'the calendar answers the same with its date cache warm as a fresh calendar does, across DST changes in %s',
  (timezone) => {
    const config = { timezone, workdays: [1, 2, 3, 4, 5, 6, 7], hours: [{ start: '00:30', end: '02:30' }, { start: '09:00', end: '24:00' }], officialHolidays: false, extraHolidays: [], extraWorkdays: [] };
    const warm = new WorkingCalendar(config);
    for (const d of ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01']) {
      const start = Date.parse(`${d}T00:00:00Z`) - 30 * 3_600_000;
      for (let t = start; t < start + 60 * 3_600_000; t += 17 * 60_000 + 13) {
        const at = new Date(t);
        const fresh = new WorkingCalendar(config);
        expect(warm.isWorkingTime(at)).toBe(fresh.isWorkingTime(at));
        expect(warm.addWorkingHours(at, 5).getTime()).toBe(new WorkingCalendar(config).addWorkingHours(at, 5).getTime());
        expect(warm.workingHoursBetween(new Date(start), at)).toBe(new WorkingCalendar(config).workingHoursBetween(new Date(start), at));
      }
    }
  },
);
