// Service-ticket clocks (product.md §8). Pure: which clocks of a ticket are running, when each one
// warns, breaches and escalates, and the deadlines of a new ticket. A clock counts natural hours
// (every hour of the day) or working hours of the policy calendar (working periods of working days,
// Chinese public holidays and 调休 included), per priority in the policy.

import { DateTime } from 'luxon';
import type { WorkingCalendar } from './calendar';
import type { IsoDate } from './types';
import type { ClockKind, ServicePolicy, ServiceTicketRecord, TicketPriority } from '../ports';

const HOUR = 3_600_000;

export type ClockName = 'confirm' | 'respond' | 'resolve' | 'callback' | 'objection';
export type Stage = 'warn' | 'breach' | 'escalate';
export const STAGES: readonly Stage[] = ['warn', 'breach', 'escalate'];

export const CLOCK_LABEL: Record<ClockName, string> = {
  confirm: '受理',
  respond: '首次响应',
  resolve: '解决',
  callback: '回访',
  objection: '异议处理',
};

export const PRIORITY_LABEL: Record<TicketPriority, string> = { urgent: '紧急', general: '一般', periodic: '巡检' };

/** `hours` after `start`, counted the clock's way. */
export function addClockHours(calendar: WorkingCalendar, kind: ClockKind, start: Date, hours: number): Date {
  return kind === 'natural' ? new Date(start.getTime() + Math.round(hours * HOUR)) : calendar.addWorkingHours(start, hours);
}

/** Hours from a to b, counted the clock's way (0 when b is not after a). */
export function clockHoursBetween(calendar: WorkingCalendar, kind: ClockKind, a: Date, b: Date): number {
  return kind === 'natural' ? Math.max(0, (b.getTime() - a.getTime()) / HOUR) : calendar.workingHoursBetween(a, b);
}

/** The working day `n` working days after `date` (n ≥ 1). */
export function addWorkingDays(calendar: WorkingCalendar, date: IsoDate, n: number): IsoDate {
  let d = date;
  for (let left = n, guard = 0; left > 0; guard++) {
    if (guard > 3660) throw new Error('calendar: no working day found within ten years');
    d = DateTime.fromISO(d, { zone: 'UTC' }).plus({ days: 1 }).toISODate()!;
    if (calendar.isWorkingDay(d)) left--;
  }
  return d;
}

/** Working days strictly after `from` up to and including `to`. */
export function workingDaysBetween(calendar: WorkingCalendar, from: IsoDate, to: IsoDate): number {
  let n = 0;
  for (let d = from; d < to; ) {
    d = DateTime.fromISO(d, { zone: 'UTC' }).plus({ days: 1 }).toISODate()!;
    if (calendar.isWorkingDay(d)) n++;
  }
  return n;
}

/** The deadlines of a ticket opened at `openedAt`. Periodic: resolved by the end of the visit date. */
export function initialDeadlines(
  calendar: WorkingCalendar,
  policy: ServicePolicy,
  timezone: string,
  priority: TicketPriority,
  openedAt: Date,
  scheduledDate: IsoDate | null,
): { clock: ClockKind; confirmDue: Date | null; respondDue: Date | null; resolveDue: Date } {
  if (priority === 'periodic') {
    const end = DateTime.fromISO(scheduledDate!, { zone: timezone }).plus({ days: 1 }).startOf('day').toJSDate();
    return { clock: 'natural', confirmDue: null, respondDue: null, resolveDue: end };
  }
  const c = policy[priority];
  return {
    clock: c.clock,
    confirmDue: addClockHours(calendar, c.clock, openedAt, c.confirm),
    respondDue: addClockHours(calendar, c.clock, openedAt, c.respond),
    resolveDue: addClockHours(calendar, c.clock, openedAt, c.resolve),
  };
}

/** A clock that is running: when it started, when it is due, and when it warns and escalates. */
export interface RunningClock {
  name: ClockName;
  kind: ClockKind;
  start: Date;
  due: Date;
  /** Distinguishes runs of a clock that may run more than once (an objection). */
  run: string;
  at: Record<Stage, Date>;
}

type TicketClocks = Pick<
  ServiceTicketRecord,
  | 'status' | 'priority' | 'clock' | 'openedAt' | 'confirmDue' | 'respondDue' | 'resolveDue' | 'scheduledDate' | 'acknowledgedAt'
  | 'respondedAt' | 'resolvedAt' | 'callbackDue' | 'callbackAt' | 'objectionAt' | 'objectionDue' | 'objectionClosedAt'
>;

/** The clocks of a ticket that are still running (a stopped clock sends nothing more). */
export function runningClocks(calendar: WorkingCalendar, policy: ServicePolicy, timezone: string, t: TicketClocks): RunningClock[] {
  const clocks: RunningClock[] = [];
  const add = (name: ClockName, kind: ClockKind, start: Date, due: Date, run = '1', warn?: Date) => {
    const span = clockHoursBetween(calendar, kind, start, due);
    clocks.push({
      name,
      kind,
      start,
      due,
      run,
      at: {
        warn: warn ?? addClockHours(calendar, kind, start, span * policy.warnAt),
        breach: due,
        escalate: addClockHours(calendar, kind, due, policy.escalateAfterHours),
      },
    });
  };
  const open = t.resolvedAt === null;
  if (open && t.acknowledgedAt === null && t.confirmDue) add('confirm', t.clock, t.openedAt, t.confirmDue);
  if (open && t.respondedAt === null && t.respondDue) add('respond', t.clock, t.openedAt, t.respondDue);
  if (open && t.resolveDue) {
    // A visit is warned about on the morning of its day, not at 80 % of the days before it.
    const warn = t.priority === 'periodic' && t.scheduledDate
      ? calendar.nextWorkingInstant(DateTime.fromISO(t.scheduledDate, { zone: timezone }).startOf('day').toJSDate())
      : undefined;
    add('resolve', t.clock, t.openedAt, t.resolveDue, '1', warn && warn < t.resolveDue ? warn : undefined);
  }
  if (!open && t.callbackDue && t.callbackAt === null) add('callback', 'natural', t.resolvedAt!, t.callbackDue);
  if (t.status === 'objection' && t.objectionAt && t.objectionDue && t.objectionClosedAt === null) {
    add('objection', 'natural', t.objectionAt, t.objectionDue, String(t.objectionAt.getTime()));
  }
  return clocks;
}

/** The latest stage of a clock reached by `now` (earlier ones are implied), if any. */
export function stageReached(clock: RunningClock, now: Date): Stage | null {
  let reached: Stage | null = null;
  for (const s of STAGES) if (clock.at[s] <= now) reached = s;
  return reached;
}

/** The next instant after `now` when some running clock reaches a stage; null when none will. */
export function nextCheck(clocks: RunningClock[], now: Date): Date | null {
  let next: Date | null = null;
  for (const c of clocks) for (const s of STAGES) if (c.at[s] > now && (!next || c.at[s] < next)) next = c.at[s];
  return next;
}

/** Whether a step finished at `done` met its deadline (null while neither happened). */
export function metDeadline(due: Date | null, done: Date | null, now: Date): boolean | null {
  if (!due) return null;
  if (done) return done <= due;
  return now > due ? false : null;
}
