// Follow-up nudges, the weekly team digest, contract expiry and the daily digest, walked hour by hour.

import { silentLogger } from '../../bot/logger';
import { renderText } from '../../cards/text';
import { noticesJob } from '../../schedules/jobs';
import { Scheduler } from '../../schedules/scheduler';
import { createLeaseStore } from '../../storage/repositories';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
afterEach(() => h.close());
const at = (local: string) => new Date(`${local}+08:00`);

async function walk(untilLocal: string, each?: (now: Date) => Promise<void>): Promise<{ key: string; at: string }[]> {
  const seen: { key: string; at: string }[] = [];
  const record = h.notifier.deliver.bind(h.notifier);
  h.notifier.deliver = async (m) => {
    seen.push({ key: m.dedupeKey, at: h.clock.now().toISOString() });
    return record(m);
  };
  const s = new Scheduler({ uow: h.app.uow, leases: createLeaseStore(), clock: h.clock, timezone: 'Asia/Shanghai', log: silentLogger });
  const job = noticesJob({ uow: h.app.uow, workflow: h.app.deps, deliver: () => h.app.outbox.deliverDue() }, {
    expiryNoticeDays: [30, 7],
    renewalObjectionDays: 30,
    channels: { digest: 'approvals', follow_up_overdue: 'sales' },
  });
  while (h.clock.now() < at(untilLocal)) {
    h.clock.advanceHours(1);
    await each?.(h.clock.now());
    await s.runOnce(job);
  }
  return seen;
}

it('nudges the owner once per due date, and each sales manager weekly about the team', async () => {
  h = await startHarness({ now: at('2026-11-23T10:00').toISOString() });
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A'); // next follow-up due 11-30
  let logged = false;
  const seen = await walk('2026-12-09T18:00', async (now) => {
    if (!logged && now >= at('2026-12-01T15:00')) {
      await h.say('zhangsan', '跟进 华东日报社 电话沟通 方式:电话'); // next due 12-08
      logged = true;
    }
  });
  const nudges = seen.filter((s) => s.key.startsWith('followup:'));
  expect(nudges).toEqual([
    { key: 'followup:1:2026-11-30', at: at('2026-11-30T09:00').toISOString() },
    { key: 'followup:1:2026-12-08', at: at('2026-12-08T09:00').toISOString() },
  ]);
  const digests = seen.filter((s) => s.key.startsWith('followup-digest:'));
  expect(digests).toEqual([{ key: 'followup-digest:lisi:2026-W49', at: at('2026-11-30T09:00').toISOString() }]);
});

it('tells owners 30 and 7 days before the end date, with the objection deadline for auto-renewals, and expires the rest', async () => {
  h = await startHarness({ now: at('2026-11-23T10:00').toISOString() });
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:C');
  for (const [no, end, renew] of [
    ['HT-2026-0001', '2026-12-31', '是'],
    ['HT-2026-0002', '2026-11-25', '否'],
  ] as const) {
    await h.say('zhangsan', `新建合同 客户:华东日报社 金额:3万 类型:服务 标题:运维 开始:2026-01-01 结束:${end} 续约:${renew}`);
    await h.say('zhangsan', `提交 ${no}`);
    await h.say('lisi', `同意 ${no}`);
    await h.say('zhangsan', `签订 ${no}`);
  }
  const seen = await walk('2026-12-28T12:00');
  const keys = seen.filter((s) => /^(expiry|expired):/.test(s.key));
  expect(keys).toEqual([
    { key: 'expiry:2:7', at: at('2026-11-23T11:00').toISOString() }, // 2 days left: the 7-day notice, once
    { key: 'expired:2', at: at('2026-11-26T09:00').toISOString() }, // expired at midnight; told when the day starts (quiet hours)
    { key: 'expiry:1:30', at: at('2026-12-01T09:00').toISOString() },
    { key: 'expiry:1:7', at: at('2026-12-24T09:00').toISOString() },
  ]);
  const renewal = h.notifier.delivered.find((m) => m.dedupeKey === 'expiry:1:30')!;
  expect(JSON.stringify(renewal.views)).toContain('如不续约，请在 2026-12-01 前向客户提出');
  expect(await h.app.dataSource.query('SELECT number, status FROM contract ORDER BY id')).toEqual([
    { number: 'HT-2026-0001', status: 'signed' },
    { number: 'HT-2026-0002', status: 'expired' },
  ]);
});

it('posts one digest a working day per channel, about the kinds routed to it, and none when nothing is overdue', async () => {
  h = await startHarness({ now: at('2026-11-23T10:00').toISOString() });
  const quiet = await walk('2026-11-24T18:00');
  expect(quiet.filter((s) => s.key.startsWith('digest:'))).toEqual([]);
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  await h.say('zhangsan', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:小单');
  await h.say('zhangsan', '提交 HT-2026-0001'); // Tue 18:00 → 8 working hours from Wed 09:00 → due Thu 09:30
  const seen = await walk('2026-12-01T18:00');
  const digests = seen.filter((s) => s.key.startsWith('digest:'));
  // Thursday from 10:00, Friday, not on the weekend, Monday and Tuesday again: one each. The A-tier
  // customer's follow-up falls due on Tuesday 12-01: the sales channel gets its first digest then.
  expect(digests).toEqual([
    { key: 'digest:approvals:2026-11-26', at: at('2026-11-26T10:00').toISOString() },
    { key: 'digest:approvals:2026-11-27', at: at('2026-11-27T09:00').toISOString() },
    { key: 'digest:approvals:2026-11-30', at: at('2026-11-30T09:00').toISOString() },
    { key: 'digest:sales:2026-12-01', at: at('2026-12-01T09:00').toISOString() },
    { key: 'digest:approvals:2026-12-01', at: at('2026-12-01T09:00').toISOString() },
  ]);
  const sales = h.notifier.delivered.find((m) => m.dedupeKey === 'digest:sales:2026-12-01')!;
  expect(renderText(sales.views)).toContain('逾期跟进 1');
  expect(renderText(sales.views)).not.toContain('超时审批');
});
