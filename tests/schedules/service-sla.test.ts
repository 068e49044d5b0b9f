// Service-ticket SLA warnings and alerts, walked on a fake clock in 6-minute ticks through the real
// scheduled job and outbox (product.md §8, issue 10): each priority across a night, a weekend and the
// National Day holiday (chinese-days: 2026-10-01 … 10-07 off, Saturday 10-10 worked). Every expected
// instant below is worked out by hand (see tests/handlers/domain/service-sla.test.ts for the sums).

import { silentLogger } from '../../bot/logger';
import { botJobs, serviceSlaJob } from '../../schedules/jobs';
import { Scheduler } from '../../schedules/scheduler';
import { createLeaseStore } from '../../storage/repositories';
import { renderText } from '../../cards/text';
import { startHarness, type Harness } from '../support/harness';
import { servicePolicy, signedContract } from '../support/service';

const at = (local: string) => new Date(`${local}+08:00`);
const STEP_HOURS = 0.1; // 6 minutes: every expected instant below falls on a tick

let h: Harness;
afterEach(() => h.close());

interface Delivery {
  key: string;
  at: Date;
  urgent: boolean;
  to: string;
}

/** Records deliveries with the fake clock's time; returns the walk function. */
function recorder(harness: Harness): { seen: Delivery[]; walk(untilLocal: string, each?: (now: Date) => Promise<void>): Promise<void> } {
  const seen: Delivery[] = [];
  const record = harness.notifier.deliver.bind(harness.notifier);
  harness.notifier.deliver = async (m) => {
    const to = m.to.kind === 'person' ? m.to.personId : m.to.kind === 'channel' ? `#${m.to.channel}` : 'reply';
    seen.push({ key: m.dedupeKey, at: harness.clock.now(), urgent: m.urgent === true, to });
    return record(m);
  };
  // The job as the bot schedules it (botJobs), run under its lease by the scheduler.
  const jobDeps = { uow: harness.app.uow, workflow: harness.app.deps, deliver: () => harness.app.outbox.deliverDue() };
  const job = botJobs(jobDeps, { reminders: { intervalHours: 4, copyManagerAfter: 2, alertChannelAfter: 3 }, notices: { expiryNoticeDays: [], renewalObjectionDays: 30, channels: {} }, inbox: { retentionDays: 30 }, outbox: { retentionDays: 90 } }).find(
    (j) => j.name === 'service-sla',
  )!;
  expect(job).toMatchObject({ cron: '* * * * *' });
  const scheduler = new Scheduler({ uow: harness.app.uow, leases: createLeaseStore(), clock: harness.clock, timezone: 'Asia/Shanghai', log: silentLogger });
  return {
    seen,
    async walk(untilLocal, each) {
      while (harness.clock.now() < at(untilLocal)) {
        harness.clock.advanceHours(STEP_HOURS);
        // A tick lands on the minute: floating-point steps must not drift.
        harness.clock.set(new Date(Math.round(harness.clock.now().getTime() / 60_000) * 60_000).toISOString());
        await each?.(harness.clock.now());
        expect(await scheduler.runOnce(job)).toBe(true);
      }
    },
  };
}

/** The SLA messages delivered: key → when, urgent, to whom. */
const slaDeliveries = (seen: Delivery[]) =>
  Object.fromEntries(seen.filter((d) => d.key.startsWith('sla:')).map((d) => [d.key, { at: d.at.toISOString(), urgent: d.urgent, to: d.to }]));
const when = (local: string, urgent: boolean, to: string) => ({ at: at(local).toISOString(), urgent, to });

it('general (working hours) and periodic tickets opened on the eve of the National Day holiday', async () => {
  h = await startHarness({ policy: servicePolicy(), now: at('2026-09-30T16:00').toISOString() });
  const no = await signedContract(h);
  h.clock.set(at('2026-09-30T17:00').toISOString());
  const { seen, walk } = recorder(h);
  expect((await h.say('zhangsan', `报修 ${no} 一般 打印机卡纸`)).reply).toContain('FW-2026-0001');
  // Round robin: the second ticket goes to the second service person.
  expect((await h.say('zhangsan', `报修 ${no} 巡检 季度巡检`)).reply).toMatch(/FW-2026-0002[\s\S]*郑十[\s\S]*约定日期 2026-10-10/);
  await walk('2026-10-12T11:00');

  const sla = slaDeliveries(seen);
  expect(sla).toEqual({
    // FW-2026-0001, general, working hours: nothing counts in the night or the holiday week.
    'sla:1:confirm:1:warn:handler': when('2026-09-30T17:48', false, 'wujiu'),
    'sla:1:confirm:1:breach:handler': when('2026-09-30T18:00', true, 'wujiu'),
    'sla:1:confirm:1:breach:manager': when('2026-09-30T18:00', true, 'lisi'),
    'sla:1:confirm:1:escalate:channel': when('2026-10-08T10:00', true, '#service'),
    'sla:1:respond:1:warn:handler': when('2026-10-08T11:12', false, 'wujiu'),
    'sla:1:respond:1:breach:handler': when('2026-10-08T12:00', true, 'wujiu'),
    'sla:1:respond:1:breach:manager': when('2026-10-08T12:00', true, 'lisi'),
    'sla:1:respond:1:escalate:channel': when('2026-10-08T14:30', true, '#service'),
    'sla:1:resolve:1:warn:handler': when('2026-10-10T13:42', false, 'wujiu'), // the make-up Saturday
    'sla:1:resolve:1:breach:handler': when('2026-10-12T09:30', true, 'wujiu'), // Sunday 10-11 skipped
    'sla:1:resolve:1:breach:manager': when('2026-10-12T09:30', true, 'lisi'),
    'sla:1:resolve:1:escalate:channel': when('2026-10-12T10:30', true, '#service'),
    // FW-2026-0002, periodic: visit agreed for Saturday 10-10 (3 working days ahead); due by its end.
    'sla:2:resolve:1:warn:handler': when('2026-10-10T09:00', true, 'zhengshi'),
    'sla:2:resolve:1:breach:handler': when('2026-10-11T00:00', true, 'zhengshi'),
    'sla:2:resolve:1:breach:manager': when('2026-10-11T00:00', true, 'lisi'),
    'sla:2:resolve:1:escalate:channel': when('2026-10-11T01:00', true, '#service'),
  });
  // Each once, whatever the number of ticks that saw the stage reached.
  const keys = seen.map((d) => d.key);
  expect(keys.length).toBe(new Set(keys).size);
  const breaches = await h.app.dataSource.query(`SELECT COUNT(*) AS n FROM audit_event WHERE action = 'ticket.sla_breached'`);
  expect(Number(breaches[0].n)).toBe(4);
  // Nothing left to check: every clock has escalated.
  const left = await h.app.dataSource.query('SELECT number, next_check_at FROM service_ticket ORDER BY id');
  expect(left.map((r: { next_check_at: unknown }) => r.next_check_at)).toEqual([null, null]);
}, 120_000);

it('urgent (natural hours) opened at night on a holiday weekend: clocks stop as steps are done; quiet hours hold only what is not urgent', async () => {
  h = await startHarness({ policy: servicePolicy(), now: at('2026-09-30T10:00').toISOString() });
  const no = await signedContract(h);
  h.clock.set(at('2026-10-03T23:30').toISOString());
  const { seen, walk } = recorder(h);
  // 李四 (the owner's manager) opens it: the owner is told, but not in the night.
  const opened = await h.say('lisi', `报修 ${no} 紧急 生产线停机`);
  expect(opened.reply).toContain('FW-2026-0001');
  expect(opened.others.map((s) => [s.to, s.message.urgent])).toEqual([[{ kind: 'person', personId: 'wujiu' }, true]]);

  await walk('2026-10-05T07:00', async (now) => {
    if (now.getTime() === at('2026-10-04T00:12').getTime()) expect((await h.say('wujiu', '受理 FW-2026-0001')).reply).toContain('已受理');
    if (now.getTime() === at('2026-10-04T01:18').getTime()) expect((await h.say('wujiu', '响应 FW-2026-0001 远程指导重启')).reply).toContain('已响应');
    if (now.getTime() === at('2026-10-04T05:00').getTime()) expect((await h.say('wujiu', '解决 FW-2026-0001 更换电源模块')).reply).toContain('已解决');
  });

  expect(slaDeliveries(seen)).toEqual({
    // confirm: acknowledged at 00:12, before its warning at 00:18: nothing.
    'sla:1:respond:1:warn:handler': when('2026-10-04T01:06', true, 'wujiu'), // natural clock: its warning is urgent too
    // responded at 01:18, before its deadline 01:30: no breach.
    'sla:1:resolve:1:warn:handler': when('2026-10-04T02:42', true, 'wujiu'),
    'sla:1:resolve:1:breach:handler': when('2026-10-04T03:30', true, 'wujiu'),
    'sla:1:resolve:1:breach:manager': when('2026-10-04T03:30', true, 'lisi'),
    'sla:1:resolve:1:escalate:channel': when('2026-10-04T04:30', true, '#service'),
    // resolved 05:00: the call-back is due 24 h later (natural hours); warned at 80 %, alerted when missed.
    'sla:1:callback:1:warn:handler': when('2026-10-05T00:12', true, 'wujiu'),
    'sla:1:callback:1:breach:handler': when('2026-10-05T05:00', true, 'wujiu'),
    'sla:1:callback:1:breach:manager': when('2026-10-05T05:00', true, 'lisi'),
    'sla:1:callback:1:escalate:channel': when('2026-10-05T06:00', true, '#service'),
  });
  // Not urgent and to a person: the note to the owner waits for working time (Thursday 10-08 09:00,
  // after the holiday), and the satisfaction card (to the owner too: no contact was named) behind it.
  const held = await h.app.dataSource.query(
    `SELECT dedupe_key, status, next_attempt_at FROM outbox WHERE dedupe_key IN ('ticket:1:owner-opened', 'ticket:1:satisfaction') ORDER BY id`,
  );
  expect(held.map((r: { dedupe_key: string; status: string; next_attempt_at: unknown }) => [r.dedupe_key, r.status, Number(r.next_attempt_at)])).toEqual([
    ['ticket:1:owner-opened', 'pending', at('2026-10-08T09:00').getTime()],
    ['ticket:1:satisfaction', 'pending', at('2026-10-04T05:00').getTime()],
  ]);
  expect(seen.some((d) => d.key === 'ticket:1:owner-opened' || d.key === 'ticket:1:satisfaction')).toBe(false);
}, 120_000);

it('an objection has its own 48-hour clock, and a job run twice at one instant sends nothing twice', async () => {
  h = await startHarness({ policy: servicePolicy(), now: at('2026-11-23T10:00').toISOString() });
  const no = await signedContract(h);
  const { seen, walk } = recorder(h);
  await h.say('zhangsan', `报修 ${no} 一般 咨询培训安排 联系人:赵六`);
  await h.say('wujiu', '解决 FW-2026-0001 已安排培训');
  await h.say('wujiu', '回访 FW-2026-0001 客户满意');
  expect((await h.say('zhaoliu', '异议 FW-2026-0001 培训时间不合适')).reply).toContain('11-25 10:00');
  await walk('2026-11-25T10:54');
  const run = at('2026-11-23T10:00').getTime(); // the objection's run: when it was raised
  expect(slaDeliveries(seen)).toEqual({
    [`sla:1:objection:${run}:warn:handler`]: when('2026-11-25T00:24', true, 'wujiu'),
    [`sla:1:objection:${run}:breach:handler`]: when('2026-11-25T10:00', true, 'wujiu'),
    [`sla:1:objection:${run}:breach:manager`]: when('2026-11-25T10:00', true, 'lisi'),
  });
  const count = async () => Number((await h.app.dataSource.query('SELECT COUNT(*) AS n FROM outbox'))[0].n);
  const before = await count();
  // The same instant again (a second instance, a restart): only new keys would be written.
  await h.app.dataSource.query('UPDATE service_ticket SET next_check_at = 0');
  const job = serviceSlaJob({ uow: h.app.uow, workflow: h.app.deps, deliver: () => h.app.outbox.deliverDue() });
  await job.run(h.clock.now());
  await job.run(h.clock.now());
  expect(await count()).toBe(before);
  // Settling the objection stops its clock: no escalation at 10:00 + 1 h.
  expect((await h.say('wujiu', '解决 FW-2026-0001 改到下周三培训')).reply).toContain('已处理工单 FW-2026-0001 的异议');
  await walk('2026-11-25T13:00');
  expect(Object.keys(slaDeliveries(seen)).some((k) => k.includes(':escalate:'))).toBe(false);
}, 120_000);

it('escalations of one tick reach the service channel as one urgent digest; none is sent again', async () => {
  h = await startHarness({ policy: servicePolicy(), now: at('2026-09-30T10:00').toISOString() });
  const no = await signedContract(h);
  h.clock.set(at('2026-10-03T23:30').toISOString());
  const { seen, walk } = recorder(h);
  for (const what of ['生产线停机', '冷库断电']) expect((await h.say('lisi', `报修 ${no} 紧急 ${what}`)).reply).toMatch(/FW-2026-000[12]/);
  await walk('2026-10-04T03:00');
  const toChannel = seen.filter((d) => d.to === '#service');
  expect(toChannel.map((d) => ({ key: d.key, at: d.at.toISOString(), urgent: d.urgent }))).toEqual([
    // Both tickets' confirm clocks escalate in the same tick, then both respond clocks.
    { key: 'digest:sla:1:confirm:1:escalate:channel:2', at: at('2026-10-04T01:30').toISOString(), urgent: true },
    { key: 'digest:sla:1:respond:1:escalate:channel:2', at: at('2026-10-04T02:30').toISOString(), urgent: true },
  ]);
  const digest = h.notifier.delivered.find((m) => m.dedupeKey === 'digest:sla:1:confirm:1:escalate:channel:2')!;
  expect(renderText(digest.views)).toMatch(/2 个工单已超过时限并升级[\s\S]*FW-2026-0001（紧急）受理截止[\s\S]*生产线停机[\s\S]*FW-2026-0002（紧急）受理截止[\s\S]*冷库断电/);
  const carried = await h.app.dataSource.query("SELECT dedupe_key AS k, status FROM outbox WHERE dedupe_key LIKE 'sla:%:escalate:channel' ORDER BY dedupe_key");
  expect(carried).toEqual([
    { k: 'sla:1:confirm:1:escalate:channel', status: 'merged' },
    { k: 'sla:1:respond:1:escalate:channel', status: 'merged' },
    { k: 'sla:2:confirm:1:escalate:channel', status: 'merged' },
    { k: 'sla:2:respond:1:escalate:channel', status: 'merged' },
  ]);
}, 60_000);
