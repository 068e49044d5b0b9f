// Service clocks (product.md §8) against deadlines worked out by hand from the policy calendar: urgent
// in natural hours, general in working hours, periodic by the agreed visit date, across a night, a
// weekend, the National Day holiday and its make-up Saturday (chinese-days: 2026-10-01 … 10-07 off,
// Saturday 10-10 worked; Wednesday 09-30 the last working day before).

import { parsePolicy } from '../../../bot/config';
import { WorkingCalendar } from '../../../handlers/domain/calendar';
import {
  addWorkingDays,
  initialDeadlines,
  metDeadline,
  nextCheck,
  runningClocks,
  stageReached,
  workingDaysBetween,
} from '../../../handlers/domain/service-sla';
import { DEFAULT_SERVICE_POLICY, type ServiceTicketRecord } from '../../../handlers/ports';
import { EXAMPLE_POLICY } from '../../support/harness';

const policy = parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml');
const cal = new WorkingCalendar(policy.calendar);
const TZ = 'Asia/Shanghai';
const at = (local: string) => new Date(`${local}+08:00`);

const ticket = (over: Partial<ServiceTicketRecord>): ServiceTicketRecord => ({
  id: 1, number: 'FW-2026-0001', contractId: 1, priority: 'general', description: 'x', status: 'open', openedBy: 'zhangsan',
  handlerId: 'wujiu', contactId: null, clock: 'working', openedAt: at('2026-09-30T17:00'), confirmDue: null, respondDue: null,
  resolveDue: null, scheduledDate: null, acknowledgedAt: null, respondedAt: null, resolvedAt: null, resolution: null, callbackDue: null,
  callbackAt: null, callbackNote: null, objection: null, objectionAt: null, objectionDue: null, objectionClosedAt: null, ratings: null,
  ratedAt: null, ratedBy: null, nextCheckAt: null, version: 1, ...over,
});

describe('the policy', () => {
  it('gives each priority its clock kind: urgent natural, general working, both overridable', () => {
    expect(policy.service).toMatchObject({
      urgent: { confirm: 1, respond: 2, resolve: 4, clock: 'natural' },
      general: { confirm: 1, respond: 4, resolve: 24, clock: 'working' },
      periodic: { agreeDaysAhead: 3 },
      warnAt: 0.8,
      escalateAfterHours: 1,
      callbackHours: 24,
      objectionHours: 48,
    });
    const custom = parsePolicy(EXAMPLE_POLICY.replace('resolve: 4, clock: natural', 'resolve: 4, clock: working'), 'p.yaml');
    expect(custom.service.urgent.clock).toBe('working');
    // Left out, each priority's clock takes its default; so do the other keys.
    const bare = parsePolicy(EXAMPLE_POLICY.replace(/\n  warn_at[\s\S]*objection_hours: 48/, '').replace(/, clock: \w+/g, ''), 'p.yaml');
    expect(bare.service).toEqual(policy.service);
    expect(() => parsePolicy(EXAMPLE_POLICY.replace('clock: working', 'clock: hourly'), 'p.yaml')).toThrow(/service_sla\.general\.clock/);
    expect(() => parsePolicy(EXAMPLE_POLICY.replace('warn_at: 0.8', 'warn_at: 1.5'), 'p.yaml')).toThrow(/service_sla\.warn_at/);
  });
});

describe('deadlines of a new ticket', () => {
  it('general, opened Wednesday 09-30 17:00: across the night, the holiday week, the make-up Saturday and a Sunday', () => {
    const d = initialDeadlines(cal, policy.service, TZ, 'general', at('2026-09-30T17:00'), null);
    expect(d.clock).toBe('working');
    expect(d.confirmDue).toEqual(at('2026-09-30T18:00')); // 1 h: 17:00–18:00
    expect(d.respondDue).toEqual(at('2026-10-08T12:00')); // 1 h on 09-30, 3 h on Thursday 10-08 (09:00–12:00)
    // 24 h: 1 + 7.5 (10-08) + 7.5 (10-09) + 7.5 (Saturday 10-10, worked) = 23.5; Sunday 10-11 off; 0.5 h on Monday 10-12
    expect(d.resolveDue).toEqual(at('2026-10-12T09:30'));
  });

  it('urgent, opened at 23:30 on a holiday Saturday: natural hours through the night', () => {
    const d = initialDeadlines(cal, policy.service, TZ, 'urgent', at('2026-10-03T23:30'), null);
    expect(d).toEqual({ clock: 'natural', confirmDue: at('2026-10-04T00:30'), respondDue: at('2026-10-04T01:30'), resolveDue: at('2026-10-04T03:30') });
  });

  it('periodic: the visit is agreed N working days ahead and must be done by the end of that day', () => {
    // From Wednesday 09-30: 10-08, 10-09, then the make-up Saturday 10-10.
    expect(addWorkingDays(cal, '2026-09-30', 3)).toBe('2026-10-10');
    expect(workingDaysBetween(cal, '2026-09-30', '2026-10-10')).toBe(3);
    expect(workingDaysBetween(cal, '2026-09-30', '2026-10-09')).toBe(2);
    const d = initialDeadlines(cal, policy.service, TZ, 'periodic', at('2026-09-30T17:00'), '2026-10-10');
    expect(d).toEqual({ clock: 'natural', confirmDue: null, respondDue: null, resolveDue: at('2026-10-11T00:00') });
  });
});

describe('warnings and alerts of running clocks', () => {
  const general = ticket({ confirmDue: at('2026-09-30T18:00'), respondDue: at('2026-10-08T12:00'), resolveDue: at('2026-10-12T09:30') });

  it('warn at 80 % of the clock, breach at the deadline, escalate an hour (the clock\'s kind) later', () => {
    const clocks = runningClocks(cal, policy.service, TZ, general);
    const byName = Object.fromEntries(clocks.map((c) => [c.name, c.at]));
    expect(byName.confirm).toEqual({ warn: at('2026-09-30T17:48'), breach: at('2026-09-30T18:00'), escalate: at('2026-10-08T10:00') });
    // 80 % of 4 working hours = 3.2: 1 h on 09-30, 2.2 h on 10-08 from 09:00
    expect(byName.respond).toEqual({ warn: at('2026-10-08T11:12'), breach: at('2026-10-08T12:00'), escalate: at('2026-10-08T14:30') });
    // 80 % of 24 = 19.2: 16 h by Friday 10-09, 3 h on Saturday morning, 0.2 h after 13:30
    expect(byName.resolve).toEqual({ warn: at('2026-10-10T13:42'), breach: at('2026-10-12T09:30'), escalate: at('2026-10-12T10:30') });
  });

  it('stops a clock when its step is done, and reports the latest stage reached and the next check', () => {
    const clocks = runningClocks(cal, policy.service, TZ, { ...general, acknowledgedAt: at('2026-09-30T17:10') });
    expect(clocks.map((c) => c.name)).toEqual(['respond', 'resolve']);
    expect(stageReached(clocks[0]!, at('2026-10-08T11:00'))).toBeNull();
    expect(stageReached(clocks[0]!, at('2026-10-08T11:12'))).toBe('warn');
    expect(stageReached(clocks[0]!, at('2026-10-09T00:00'))).toBe('escalate');
    expect(nextCheck(clocks, at('2026-10-01T00:00'))).toEqual(at('2026-10-08T11:12'));
    expect(nextCheck(clocks, at('2026-10-12T10:30'))).toBeNull();
  });

  it('after resolution only the call-back runs; an objection runs its own 48-hour clock', () => {
    const resolved = { ...general, status: 'resolved' as const, resolvedAt: at('2026-10-09T10:00'), callbackDue: at('2026-10-10T10:00') };
    expect(runningClocks(cal, policy.service, TZ, resolved).map((c) => [c.name, c.kind, c.at.breach])).toEqual([['callback', 'natural', at('2026-10-10T10:00')]]);
    const objected = { ...resolved, callbackAt: at('2026-10-09T11:00'), status: 'objection' as const, objectionAt: at('2026-10-09T12:00'), objectionDue: at('2026-10-11T12:00') };
    const [objection] = runningClocks(cal, policy.service, TZ, objected);
    expect(objection).toMatchObject({ name: 'objection', kind: 'natural', at: { warn: at('2026-10-11T02:24'), breach: at('2026-10-11T12:00'), escalate: at('2026-10-11T13:00') } });
  });

  it('warns about a periodic visit on the morning of its day', () => {
    const periodic = ticket({ priority: 'periodic', clock: 'natural', scheduledDate: '2026-10-10', resolveDue: at('2026-10-11T00:00') });
    const [resolve] = runningClocks(cal, policy.service, TZ, periodic);
    expect(resolve!.at).toEqual({ warn: at('2026-10-10T09:00'), breach: at('2026-10-11T00:00'), escalate: at('2026-10-11T01:00') });
  });

  it('metDeadline: on time, late, still open past it, not decided yet', () => {
    const due = at('2026-10-08T12:00');
    expect(metDeadline(due, at('2026-10-08T12:00'), at('2026-10-09T00:00'))).toBe(true);
    expect(metDeadline(due, at('2026-10-08T12:01'), at('2026-10-09T00:00'))).toBe(false);
    expect(metDeadline(due, null, at('2026-10-08T12:01'))).toBe(false);
    expect(metDeadline(due, null, at('2026-10-08T11:00'))).toBeNull();
    expect(metDeadline(null, null, at('2026-10-08T11:00'))).toBeNull();
  });

  it('the defaults match the shipped policy', () => {
    expect(policy.service.channel).toBe('service');
    expect({ ...policy.service, channel: undefined }).toEqual({ ...DEFAULT_SERVICE_POLICY, channel: undefined });
  });
});
