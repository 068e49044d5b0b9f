// A fake clock walks an approval through two weeks with a weekend and the National Day holiday:
// reminders, manager copies and the group alert arrive at exactly the expected working-hour instants
// and stop at the decision.

import type { OutboxRecord } from '../../handlers/ports';
import { approvalRemindersJob } from '../../schedules/jobs';
import { Scheduler } from '../../schedules/scheduler';
import { createLeaseStore } from '../../storage/repositories';
import { silentLogger } from '../../bot/logger';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
afterEach(() => h.close());

/** Shanghai local time → the instant. */
const at = (local: string) => new Date(`${local}+08:00`);

function scheduler(holder = 'instance-a') {
  return new Scheduler({ uow: h.app.uow, leases: createLeaseStore(), clock: h.clock, timezone: 'Asia/Shanghai', log: silentLogger, holder });
}
const job = () => approvalRemindersJob({ uow: h.app.uow, workflow: h.app.deps, deliver: () => h.app.outbox.deliverDue() }, {
  intervalHours: 4,
  copyManagerAfter: 2,
  alertChannelAfter: 3,
  channel: 'approvals',
});

it('reminds at the policy interval in working hours, copies the manager, alerts the group, stops at the decision', async () => {
  h = await startHarness({ now: at('2026-09-30T10:00').toISOString() }); // the day before National Day
  const seen: { key: string; at: string }[] = [];
  const record = h.notifier.deliver.bind(h.notifier);
  h.notifier.deliver = async (m: OutboxRecord) => {
    if (/^(reminder|overdue-alert)/.test(m.dedupeKey)) seen.push({ key: m.dedupeKey.replace(/:\d+:/, ':#:'), at: h.clock.now().toISOString() });
    return record(m);
  };
  // deliveries to the channel need a target: the harness's recording notifier accepts everything
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  await h.say('zhangsan', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:小单'); // → one step, 李四, 8 h
  await h.say('zhangsan', '提交 HT-2026-0001');
  const s = scheduler();
  const decideAt = at('2026-10-12T10:00').getTime();
  let decided = false;
  while (h.clock.now() < at('2026-10-14T18:00')) {
    h.clock.advanceHours(0.25);
    if (!decided && h.clock.now().getTime() >= decideAt) {
      expect((await h.say('zhangsan', '合同 HT-2026-0001')).reply).toContain('已提醒 6 次');
      await h.say('lisi', '同意 HT-2026-0001');
      decided = true;
    }
    await s.runOnce(job());
  }
  const iso = (local: string) => at(local).toISOString();
  expect(seen).toEqual([
    // due Thu 10-08 10:30: 6.5 working hours on 09-30, then the holiday 10-01..10-07, then 1.5 h
    { key: 'reminder:#:1', at: iso('2026-10-08T10:30') },
    { key: 'reminder:#:2', at: iso('2026-10-08T16:00') },
    { key: 'reminder:#:3', at: iso('2026-10-09T11:00') },
    { key: 'reminder-manager:#:3', at: iso('2026-10-09T11:00') },
    { key: 'reminder:#:4', at: iso('2026-10-09T16:30') },
    { key: 'reminder-manager:#:4', at: iso('2026-10-09T16:30') },
    { key: 'overdue-alert:#:4', at: iso('2026-10-09T16:30') },
    // Saturday 10-10 is a make-up workday (调休)
    { key: 'reminder:#:5', at: iso('2026-10-10T11:30') },
    { key: 'reminder-manager:#:5', at: iso('2026-10-10T11:30') },
    { key: 'overdue-alert:#:5', at: iso('2026-10-10T11:30') },
    { key: 'reminder:#:6', at: iso('2026-10-10T17:00') },
    { key: 'reminder-manager:#:6', at: iso('2026-10-10T17:00') },
    { key: 'overdue-alert:#:6', at: iso('2026-10-10T17:00') },
    // decided Monday 10-12 10:00: the 7th (due 12:00) never comes
  ]);
  const recipients = h.notifier.delivered.filter((m) => m.dedupeKey.startsWith('reminder-manager')).map((m) => m.to);
  expect(new Set(recipients.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ kind: 'person', personId: 'qianqi' })]));
  expect(h.notifier.delivered.find((m) => m.dedupeKey.startsWith('overdue-alert'))!.to).toEqual({ kind: 'channel', channel: 'approvals' });
});

it('catches up after missed runs with one reminder, not a burst, and never at night', async () => {
  h = await startHarness({ now: at('2026-11-23T10:00').toISOString() });
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  await h.say('zhangsan', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:小单');
  await h.say('zhangsan', '提交 HT-2026-0001'); // due Tue 10:30
  const s = scheduler();
  h.clock.set(at('2026-11-24T23:00').toISOString()); // the process was down all day; now it is night
  await s.runOnce(job());
  expect(h.notifier.delivered.filter((m) => m.dedupeKey.startsWith('reminder:'))).toEqual([]);
  h.clock.set(at('2026-11-25T09:00').toISOString());
  await s.runOnce(job());
  await s.runOnce(job());
  const keys = h.notifier.delivered.filter((m) => m.dedupeKey.startsWith('reminder')).map((m) => m.dedupeKey.replace(/:\d+:/, ':#:'));
  // 10:30→18:00 Tue is 6 working hours: the 2nd reminder was due at 14:30; only it goes out, once
  expect(keys).toEqual(['reminder:#:2']);
});

it('lets one instance at a time run a job (lease), and another take over once it expires', async () => {
  h = await startHarness();
  const a = scheduler('instance-a');
  const b = scheduler('instance-b');
  let runs = 0;
  let release!: () => void;
  const slow = { name: 'slow', cron: '* * * * *', leaseMs: 60_000, run: () => new Promise<void>((r) => ((runs += 1), (release = r))) };
  const first = a.runOnce(slow);
  await new Promise((r) => setImmediate(r));
  expect(await b.runOnce({ ...slow, run: async () => void (runs += 100) })).toBe(false);
  release();
  expect(await first).toBe(true);
  expect(await b.runOnce({ ...slow, run: async () => void (runs += 10) })).toBe(true);
  expect(runs).toBe(11);
  // an instance that died holding the lease: the others wait until it expires
  const leases = createLeaseStore();
  const now = h.clock.now();
  expect(await h.app.uow.run((tx) => leases.acquire(tx, 'slow', 'crashed', new Date(now.getTime() + 60_000), now))).toBe(true);
  expect(await b.runOnce({ ...slow, run: async () => void (runs += 1000) })).toBe(false);
  h.clock.advanceHours(1 / 60 + 1 / 3600);
  expect(await b.runOnce({ ...slow, run: async () => void (runs += 1000) })).toBe(true);
  expect(runs).toBe(1011);
});
