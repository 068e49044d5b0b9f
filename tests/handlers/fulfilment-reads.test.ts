// The read functions the reports (§7) use: milestones due with delays, problems with resolution,
// payments due and received, for a period.

import { SYSTEM } from '../../handlers/context';
import { milestonesDueIn, paymentsIn, problemsRaisedIn } from '../../handlers/fulfilment-reads';
import { signedContract } from '../support/fulfilment';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());
const read = <T>(fn: (ctx: Parameters<typeof milestonesDueIn>[1]) => Promise<T>) =>
  h.app.uow.run((tx) => fn({ tx, actor: SYSTEM, now: h.clock.now(), platform: 'system' }));

it('milestones originally due in a period, with whether each was delayed', async () => {
  const no = await signedContract(h);
  await h.say('zhangsan', `里程碑 ${no} 甲 计划:2026-11-20`); // done late
  await h.say('zhangsan', `里程碑 ${no} 乙 计划:2026-11-21`); // done on time
  await h.say('zhangsan', `里程碑 ${no} 丙 计划:2026-11-25`); // moved
  await h.say('zhangsan', `里程碑 ${no} 丁 计划:2026-11-26`); // still ahead
  await h.say('zhangsan', `里程碑 ${no} 戊 计划:2026-11-22`); // open and past
  await h.say('zhangsan', `完成 ${no} 甲 2026-11-22`);
  await h.say('zhangsan', `完成 ${no} 乙 2026-11-21`);
  await h.say('zhangsan', `延期 ${no} 丙 2026-12-20 等料`);
  const { milestones, truncated } = await read((ctx) => milestonesDueIn(h.app.deps, ctx, { from: '2026-11-01', to: '2026-11-30' }));
  expect(truncated).toBe(false);
  expect(milestones.map((m) => [m.name, m.delayed, m.daysLate, m.plannedDate])).toEqual([
    ['甲', true, 2, '2026-11-20'],
    ['乙', false, 0, '2026-11-21'],
    ['戊', true, 1, '2026-11-22'],
    ['丙', true, 0, '2026-12-20'],
    ['丁', false, 0, '2026-11-26'],
  ]);
  // Independently: delay rate 3 / 5.
  expect(milestones.filter((m) => m.delayed).length / milestones.length).toBeCloseTo(0.6);
  const dec = await read((ctx) => milestonesDueIn(h.app.deps, ctx, { from: '2026-12-01', to: '2026-12-31' }));
  expect(dec.milestones).toEqual([]); // 丙 counts where it was first due
});

it('problems raised in a period (local dates), with whether and when each was resolved', async () => {
  const no = await signedContract(h);
  await h.say('zhangsan', `问题 ${no} 一`); // Mon 10:00, resolved in time
  h.clock.advanceHours(1);
  await h.say('zhangsan', `问题 ${no} 二`); // resolved late
  await h.say('zhangsan', `问题 ${no} 三`); // open
  h.clock.advanceHours(2);
  await h.say('zhangsan', '解决 WT-2026-0001 好了');
  h.clock.advanceHours(30);
  await h.say('zhangsan', '解决 WT-2026-0002 好了');
  const { problems } = await read((ctx) => problemsRaisedIn(h.app.deps, ctx, { from: '2026-11-23', to: '2026-11-23' }));
  expect(problems.map((p) => [p.number, p.resolvedAt !== null, p.resolvedOnTime])).toEqual([
    ['WT-2026-0001', true, true],
    ['WT-2026-0002', true, false],
    ['WT-2026-0003', false, false],
  ]);
  expect(problems[0]!.resolvedAt).toEqual(new Date('2026-11-23T05:00:00Z'));
  expect((await read((ctx) => problemsRaisedIn(h.app.deps, ctx, { from: '2026-11-24', to: '2026-11-30' }))).problems).toEqual([]);
});

it('payments planned and received in a period', async () => {
  const no = await signedContract(h, '付款:2026-11-20 10万;2026-12-20 10万;2027-01-20 10万');
  await h.say('zhouqi', `回款 ${no} 12万 2026-11-23`);
  const nov = await read((ctx) => paymentsIn(h.app.deps, ctx, { from: '2026-11-01', to: '2026-11-30' }));
  expect(nov).toEqual({
    truncated: false,
    due: [{ contractNo: no, plannedDate: '2026-11-20', amountFen: 10_000_000, receivedFen: 10_000_000 }],
    received: [{ contractNo: no, receivedDate: '2026-11-23', amountFen: 12_000_000 }],
  });
  const dec = await read((ctx) => paymentsIn(h.app.deps, ctx, { from: '2026-12-01', to: '2026-12-31' }));
  expect(dec.due).toEqual([{ contractNo: no, plannedDate: '2026-12-20', amountFen: 10_000_000, receivedFen: 2_000_000 }]);
  expect(dec.received).toEqual([]);
});
