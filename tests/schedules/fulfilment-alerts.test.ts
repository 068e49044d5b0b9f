// Milestone, payment and problem alerts walked hour by hour with a fake clock, through the hourly
// notices job, the scheduler and the outbox (dedupe keys, quiet hours).

import { silentLogger } from '../../bot/logger';
import { noticesJob } from '../../schedules/jobs';
import { Scheduler } from '../../schedules/scheduler';
import { createLeaseStore } from '../../storage/repositories';
import { signedContract } from '../support/fulfilment';
import { renderText } from '../../cards/text';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
afterEach(() => h.close());
const at = (local: string) => new Date(`${local}+08:00`);
const iso = (local: string) => at(local).toISOString();

/** Runs the notices job every hour until `untilLocal`; returns what was delivered (key, when, to whom). */
async function walk(untilLocal: string, each?: (now: Date) => Promise<void>): Promise<{ key: string; at: string; to: string }[]> {
  const seen: { key: string; at: string; to: string }[] = [];
  const record = h.notifier.deliver.bind(h.notifier);
  h.notifier.deliver = async (m) => {
    seen.push({ key: m.dedupeKey, at: h.clock.now().toISOString(), to: m.to.kind === 'person' ? m.to.personId : m.to.kind === 'channel' ? `#${m.to.channel}` : 'chat' });
    return record(m);
  };
  const s = new Scheduler({ uow: h.app.uow, leases: createLeaseStore(), clock: h.clock, timezone: 'Asia/Shanghai', log: silentLogger });
  const job = noticesJob({ uow: h.app.uow, workflow: h.app.deps, deliver: () => h.app.outbox.deliverDue() }, {
    expiryNoticeDays: [30, 7],
    renewalObjectionDays: 30,
    channels: {},
  });
  while (h.clock.now() < at(untilLocal)) {
    h.clock.advanceHours(1);
    await each?.(h.clock.now());
    await s.runOnce(job);
  }
  return seen;
}

it('milestones: due soon to the responsible person, then overdue reminders escalating to the owner and the channel, until done', async () => {
  h = await startHarness({ now: iso('2026-11-23T10:00') });
  const no = await signedContract(h);
  await h.say('zhangsan', `里程碑 ${no} 设备安装 计划:2026-11-26 负责人:吴九`); // Thursday; milestone 5
  let done = false;
  const seen = await walk('2026-12-03T18:00', async (now) => {
    if (!done && now >= at('2026-12-01T15:00')) {
      expect((await h.say('wujiu', `完成 ${no} 设备安装`)).reply).toContain('比计划晚 5 天');
      done = true;
    }
  });
  expect(seen.filter((s) => s.key.startsWith('milestone-') && !s.key.startsWith('milestone-done'))).toEqual([
    { key: 'milestone-due:5:2026-11-26', at: iso('2026-11-23T11:00'), to: 'wujiu' }, // 3 days ahead
    { key: 'milestone-overdue:5:2026-11-26:1', at: iso('2026-11-27T09:00'), to: 'wujiu' },
    // the weekend has no reminders; Monday's is numbered by the days overdue (4)
    { key: 'milestone-overdue:5:2026-11-26:4', at: iso('2026-11-30T09:00'), to: 'wujiu' },
    { key: 'milestone-overdue-owner:5:2026-11-26:4', at: iso('2026-11-30T09:00'), to: 'zhangsan' },
    { key: 'milestone-overdue:5:2026-11-26:5', at: iso('2026-12-01T09:00'), to: 'wujiu' },
    { key: 'milestone-overdue-owner:5:2026-11-26:5', at: iso('2026-12-01T09:00'), to: 'zhangsan' },
    { key: 'milestone-overdue-alert:5:2026-11-26:5', at: iso('2026-12-01T09:00'), to: '#sales' },
  ]);
  // Each key once in the outbox, however many hourly runs saw the milestone.
  const keys: { k: string }[] = await h.app.dataSource.query("SELECT dedupe_key AS k FROM outbox WHERE dedupe_key LIKE 'milestone-%'");
  expect(new Set(keys.map((k) => k.k)).size).toBe(keys.length);
});

it('a delay moves the reminders to the new date', async () => {
  h = await startHarness({ now: iso('2026-11-23T10:00') });
  const no = await signedContract(h);
  await h.say('zhangsan', `里程碑 ${no} 设备安装 计划:2026-11-24`);
  await h.say('zhangsan', `延期 ${no} 设备安装 2026-12-10 客户场地未就绪`);
  const seen = await walk('2026-12-04T18:00');
  expect(seen.filter((s) => s.key.startsWith('milestone-due') || s.key.startsWith('milestone-overdue'))).toEqual([]);
  h.clock.set(iso('2026-12-07T10:00'));
  const later = await walk('2026-12-07T12:00');
  expect(later.filter((s) => s.key.startsWith('milestone-')).map((s) => s.key)).toEqual(['milestone-due:5:2026-12-10']);
});

it('payments: an overdue node alerts the owner and finance every 7 days, the channel after 2, until received', async () => {
  h = await startHarness({ now: iso('2026-11-23T10:00') });
  const no = await signedContract(h, '付款:2026-11-25 10万;2027-03-01 20万');
  let paid = false;
  const seen = await walk('2026-12-18T18:00', async (now) => {
    if (!paid && now >= at('2026-12-16T15:00')) {
      await h.say('zhouqi', `回款 ${no} 10万`);
      paid = true;
    }
  });
  expect(seen.filter((s) => s.key.startsWith('payment-'))).toEqual([
    { key: 'payment-overdue:1:2026-11-25:1:zhangsan', at: iso('2026-11-26T09:00'), to: 'zhangsan' },
    { key: 'payment-overdue:1:2026-11-25:1:zhouqi', at: iso('2026-11-26T09:00'), to: 'zhouqi' },
    { key: 'payment-overdue:1:2026-11-25:2:zhangsan', at: iso('2026-12-03T09:00'), to: 'zhangsan' },
    { key: 'payment-overdue:1:2026-11-25:2:zhouqi', at: iso('2026-12-03T09:00'), to: 'zhouqi' },
    { key: 'payment-overdue:1:2026-11-25:3:zhangsan', at: iso('2026-12-10T09:00'), to: 'zhangsan' },
    { key: 'payment-overdue:1:2026-11-25:3:zhouqi', at: iso('2026-12-10T09:00'), to: 'zhouqi' },
    { key: 'payment-overdue-alert:1:2026-11-25:3', at: iso('2026-12-10T09:00'), to: '#sales' },
  ]);
});

it('problems: the deadline passing at night is told in the morning (quiet hours), then escalates per working hours to the manager and the channel', async () => {
  h = await startHarness({ now: iso('2026-11-23T10:00') });
  const no = await signedContract(h);
  h.clock.set(iso('2026-11-23T22:00'));
  expect((await h.say('zhangsan', `问题 ${no} 现场设备无法开机 负责人:吴九`)).reply).toContain('须于 11-24 22:00 前解决');
  let resolved = false;
  const seen = await walk('2026-11-27T12:00', async (now) => {
    if (!resolved && now >= at('2026-11-26T11:00')) {
      await h.say('wujiu', '解决 WT-2026-0001 已更换主板');
      resolved = true;
    }
  });
  expect(seen.filter((s) => s.key.startsWith('problem-'))).toEqual([
    { key: 'problem-raised:1:wujiu', at: iso('2026-11-24T09:00'), to: 'wujiu' }, // raised at 22:00: held until morning
    { key: 'problem-overdue:1:1', at: iso('2026-11-25T09:00'), to: 'wujiu' }, // deadline 22:00: held until morning
    { key: 'problem-overdue:1:2', at: iso('2026-11-25T15:00'), to: 'wujiu' }, // 4 working hours later
    { key: 'problem-overdue-manager:1:2', at: iso('2026-11-25T15:00'), to: 'lisi' },
    { key: 'problem-overdue:1:3', at: iso('2026-11-26T10:00'), to: 'wujiu' },
    { key: 'problem-overdue-manager:1:3', at: iso('2026-11-26T10:00'), to: 'lisi' },
    { key: 'problem-overdue-alert:1:3', at: iso('2026-11-26T10:00'), to: '#sales' },
    { key: 'problem-resolved:1:zhangsan', at: iso('2026-11-26T11:00'), to: 'zhangsan' }, // then nothing more
  ]);
  const night = await h.app.dataSource.query("SELECT created_at FROM outbox WHERE dedupe_key = 'problem-overdue:1:1'");
  expect(Number(night[0].created_at)).toBe(at('2026-11-24T22:00').getTime()); // queued at the deadline, sent at 09:00
});

it('several alerts for one channel in a run go out as one digest; what a digest carried is never sent again; one new alert goes alone', async () => {
  h = await startHarness({ now: iso('2026-11-23T10:00') });
  const no = await signedContract(h);
  for (const name of ['设备安装', '系统调试', '人员培训']) await h.say('zhangsan', `里程碑 ${no} ${name} 计划:2026-11-26 负责人:吴九`); // milestones 5, 6, 7
  let added = false;
  let done = false;
  const seen = await walk('2026-12-02T12:00', async (now) => {
    if (!added && now >= at('2026-12-01T12:00')) {
      // Due the same day, added after the 09:00 digest: its fifth reminder is new, the others' are not.
      expect((await h.say('zhangsan', `里程碑 ${no} 验收资料 计划:2026-11-26 负责人:吴九`)).reply).not.toMatch(/错误|无法|格式/);
      added = true;
    }
    if (!done && now >= at('2026-12-01T15:00')) {
      for (const name of ['系统调试', '人员培训', '验收资料']) await h.say('wujiu', `完成 ${no} ${name}`);
      done = true;
    }
  });
  const toChannel = seen.filter((s) => s.to === '#sales' && s.key.includes('milestone-overdue'));
  expect(toChannel).toEqual([
    // 12-01 09:00: the three milestones' fifth reminders pass the channel threshold together
    { key: 'digest:milestone-overdue-alert:5:2026-11-26:5:3', at: iso('2026-12-01T09:00'), to: '#sales' },
    // the milestone added at noon: alone, at the first run after the lunch break (the hourly runs
    // since 09:00 never repeated the three)
    { key: 'milestone-overdue-alert:8:2026-11-26:5', at: iso('2026-12-01T14:00'), to: '#sales' },
    // 12-02: only 设备安装 is still open: its sixth reminder alone
    { key: 'milestone-overdue-alert:5:2026-11-26:6', at: iso('2026-12-02T09:00'), to: '#sales' },
  ]);
  const digest = h.notifier.delivered.find((m) => m.dedupeKey.startsWith('digest:'))!;
  const body = renderText(digest.views);
  expect(body).toContain('3 个里程碑已多次提醒仍未完成');
  for (const name of ['设备安装', '系统调试', '人员培训']) expect(body).toContain(`「${name}」计划 2026-11-26，已逾期 5 天`);
  // Each carried alert's key is taken (status merged, no content), so no later run sends it.
  const carried: { k: string; status: string; views: string }[] = await h.app.dataSource.query(
    "SELECT dedupe_key AS k, status, views FROM outbox WHERE dedupe_key LIKE 'milestone-overdue-alert:%' ORDER BY dedupe_key",
  );
  expect(carried.map((r) => [r.k, r.status, r.views])).toEqual([
    ['milestone-overdue-alert:5:2026-11-26:5', 'merged', '[]'],
    ['milestone-overdue-alert:5:2026-11-26:6', 'sent', expect.stringContaining('设备安装')],
    ['milestone-overdue-alert:6:2026-11-26:5', 'merged', '[]'],
    ['milestone-overdue-alert:7:2026-11-26:5', 'merged', '[]'],
    ['milestone-overdue-alert:8:2026-11-26:5', 'sent', expect.stringContaining('验收资料')],
  ]);
  // The people's reminders are not digested: each milestone's own, as before.
  expect(seen.filter((s) => s.key.startsWith('milestone-overdue:') && s.at === iso('2026-12-01T09:00')).map((s) => s.key)).toEqual([
    'milestone-overdue:5:2026-11-26:5',
    'milestone-overdue:6:2026-11-26:5',
    'milestone-overdue:7:2026-11-26:5',
  ]);
});
