// Each pending step's stored next-reminder time (approval_step.next_reminder_at): set when the step's
// clock starts, advanced by each reminder over weekends and holidays, cleared by every decision,
// reset by a transfer; and a tick reads the due steps only, however many others are open.

import { SYSTEM } from '../../handlers/context';
import type { ReminderDue, View } from '../../handlers/ports';
import { remindOverdueApprovals } from '../../handlers/reminders';
import { plainOf } from '../../handlers/views';
import { approvalRemindersJob } from '../../schedules/jobs';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
afterEach(() => h.close());

/** Shanghai local time → the instant. */
const at = (local: string) => new Date(`${local}+08:00`);
const policy = { intervalHours: 4, copyManagerAfter: 2, alertChannelAfter: 3, channel: 'approvals' };
const tick = () => approvalRemindersJob({ uow: h.app.uow, workflow: h.app.deps, deliver: () => h.app.outbox.deliverDue() }, policy).run(h.clock.now());

interface StepRow {
  id: number;
  seq: number;
  status: string;
  assignee: string;
  due: Date | null;
  next: Date | null;
  count: number;
}
async function steps(): Promise<StepRow[]> {
  const rows: Record<string, unknown>[] = await h.app.dataSource.query(
    'SELECT id, seq, status, assignee_id, due_at, next_reminder_at, reminder_count FROM approval_step ORDER BY id',
  );
  const instant = (v: unknown) => (v === null ? null : new Date(Number(v)));
  return rows.map((r) => ({
    id: Number(r.id),
    seq: Number(r.seq),
    status: String(r.status),
    assignee: String(r.assignee_id),
    due: instant(r.due_at),
    next: instant(r.next_reminder_at),
    count: Number(r.reminder_count),
  }));
}
const reminderKeys = () => h.notifier.delivered.filter((m) => /^(reminder|overdue-alert)/.test(m.dedupeKey)).map((m) => m.dedupeKey);

async function contract(amount: string): Promise<void> {
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  await h.say('zhangsan', `新建合同 客户:华东日报社 金额:${amount} 类型:销售 标题:小单`);
  await h.say('zhangsan', '提交 HT-2026-0001');
}

it('starts at the due time, and each reminder moves it to the next one in working hours, over the weekend', async () => {
  h = await startHarness({ now: at('2026-11-26T10:00').toISOString() }); // Thursday
  await contract('3万'); // one step, 李四, 8 working hours: due Friday 10:30
  let [step] = await steps();
  expect(step).toMatchObject({ status: 'pending', due: at('2026-11-27T10:30'), next: at('2026-11-27T10:30'), count: 0 });
  h.clock.set(at('2026-11-27T10:29').toISOString());
  await tick();
  expect(reminderKeys()).toEqual([]);
  h.clock.set(at('2026-11-27T10:30').toISOString());
  await tick();
  [step] = await steps();
  expect(step).toMatchObject({ count: 1, next: at('2026-11-27T16:00') }); // 1.5 h before lunch, 2.5 h after
  h.clock.set(at('2026-11-27T16:00').toISOString());
  await tick();
  [step] = await steps();
  expect(step).toMatchObject({ count: 2, next: at('2026-11-30T11:00') }); // 2 h on Friday, then Monday 09:00 + 2 h
  expect(reminderKeys()).toEqual([`reminder:${step!.id}:1`, `reminder:${step!.id}:2`]);
});

it('starts after the National Day holiday when the time limit spans it', async () => {
  h = await startHarness({ now: at('2026-09-30T10:00').toISOString() });
  await contract('3万');
  const [step] = await steps();
  expect(step).toMatchObject({ due: at('2026-10-08T10:30'), next: at('2026-10-08T10:30') });
});

it('is cleared by approval (the next step gets its own), rejection and withdrawal; reset by a transfer', async () => {
  h = await startHarness({ now: at('2026-11-23T10:00').toISOString() }); // Monday
  await contract('30万'); // 李四 (sales manager), then 王五 (legal)
  let [first, second] = await steps();
  expect(first).toMatchObject({ status: 'pending', next: first!.due });
  expect(second).toMatchObject({ status: 'waiting', due: null, next: null });

  // Reminded twice, then transferred: a full time limit from now, reminders start over.
  h.clock.set(at('2026-11-24T16:00').toISOString()); // due Tuesday 10:30, reminded then and at 16:00
  await tick();
  [first] = await steps();
  expect(first!.count).toBe(2);
  await h.say('lisi', '转交 HT-2026-0001 赵六');
  [first] = await steps();
  expect(first).toMatchObject({ assignee: 'zhaoliu', count: 0, due: at('2026-11-25T16:30'), next: at('2026-11-25T16:30') });

  await h.say('zhaoliu', '同意 HT-2026-0001');
  [first, second] = await steps();
  expect(first).toMatchObject({ status: 'approved', next: null });
  expect(second).toMatchObject({ status: 'pending', next: second!.due });
  expect(second!.due).not.toBeNull();

  await h.say('wangwu', '驳回 HT-2026-0001 付款条件不清楚');
  [, second] = await steps();
  expect(second).toMatchObject({ status: 'rejected', next: null });

  // Resubmitted, then withdrawn: the new round's step is cancelled and off the schedule.
  await h.say('zhangsan', '提交 HT-2026-0001');
  const third = (await steps())[2]!;
  expect(third).toMatchObject({ status: 'pending', next: third.due });
  await h.say('zhangsan', '撤回 HT-2026-0001');
  expect((await steps())[2]).toMatchObject({ status: 'cancelled', next: null });
  expect((await steps()).filter((s) => s.next !== null)).toEqual([]);
});

/** Open steps, one per contract, straight into the database: [due_at, reminder_count, next_reminder_at, assignee (李四)] each. */
async function seedSteps(kinds: [number, number, number, string?][]): Promise<void> {
  const ds = h.app.dataSource;
  const now = h.clock.now().getTime();
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  const [{ id: customer }] = await ds.query('SELECT id FROM customer');
  const contracts = kinds.map((_, k) => `(${k + 1}, 'HT-2026-${String(k + 1).padStart(5, '0')}', '合同${k + 1}', ${customer}, 'sales', 100, 'CNY', 'low', 0, 'zhangsan', 'in_approval', 1, 1, ${now}, ${now})`);
  const rows = kinds.map(([due, count, next, assignee = 'lisi'], k) => `(${k + 1}, 1, 1, 1, 'sales_manager', '${assignee}', 'pending', 8, ${due - 8 * HOUR}, ${due}, ${count}, ${next})`);
  await ds.query(`INSERT INTO contract (id, number, title, customer_id, type, amount_fen, currency, risk, auto_renew, owner_id, status, version, round, created_at, updated_at) VALUES ${contracts.join(',')}`);
  await ds.query(`INSERT INTO approval_step (contract_id, version, round, seq, role, assignee_id, status, hours, activated_at, due_at, reminder_count, next_reminder_at) VALUES ${rows.join(',')}`);
}
const HOUR = 3_600_000;

/** The reminder tick with the rows listReminderDue returns counted. */
async function countedTick(): Promise<{ sent: number; read: number }> {
  let read = 0;
  const repos = h.app.deps.repos;
  const listReminderDue = async (...a: Parameters<typeof repos.steps.listReminderDue>): Promise<ReminderDue[]> => {
    const due = await repos.steps.listReminderDue(...a);
    read += due.length;
    return due;
  };
  const deps = { ...h.app.deps, repos: { ...repos, steps: { ...repos.steps, listReminderDue } } };
  const sent = await h.app.uow.run((tx) => remindOverdueApprovals(deps, { tx, actor: SYSTEM, now: h.clock.now(), platform: 'system' }, policy));
  return { sent, read };
}
/** The reminders sent, as `stepId:n` (from their audit rows), and the approver's messages' outbox keys. */
const firstReminders = async () =>
  ((await h.app.dataSource.query("SELECT detail FROM audit_event WHERE action = 'step.reminded' ORDER BY id")) as { detail: string }[]).map((r) => {
    const { stepId, n } = JSON.parse(r.detail) as { stepId: number; n: number };
    return `${stepId}:${n}`;
  });
const queuedReminderKeys = async () =>
  ((await h.app.dataSource.query("SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE 'reminder%' ORDER BY id")) as { dedupe_key: string }[]).map((k) => k.dedupe_key);

it('reads only the due steps: many long-overdue steps already reminded and many not yet due do not delay them', async () => {
  h = await startHarness({ now: at('2026-11-23T10:00').toISOString() });
  const now = h.clock.now().getTime();
  // 1,500 due long ago and reminded up to now (next reminder this afternoon), 1,000 not due yet, 3 due
  // an hour ago that owe their first reminder. The landed tick read the 1,000 oldest and sent nothing.
  await seedSteps([
    ...Array.from({ length: 1500 }, (_, i): [number, number, number] => [now - (200 + i) * HOUR, 9, now + 3 * HOUR]),
    ...Array.from({ length: 1000 }, (): [number, number, number] => [now + HOUR, 0, now + HOUR]),
    ...Array.from({ length: 3 }, (): [number, number, number] => [now - HOUR, 0, now - HOUR]),
  ]);
  expect(await countedTick()).toEqual({ sent: 3, read: 3 });
  expect(await firstReminders()).toEqual(['2501:1', '2502:1', '2503:1']);
  // All three are 李四's: one message lists them.
  expect(await queuedReminderKeys()).toEqual(['reminders:2501:1:3']);
  // The next minute: nothing is due, nothing is read.
  h.clock.advanceHours(1 / 60);
  expect(await countedTick()).toEqual({ sent: 0, read: 0 });
});

it('moves steps whose stored time was early (the migration\'s lower bound) to their next reminder, page after page, without a message', async () => {
  h = await startHarness({ now: at('2026-11-23T10:00').toISOString() });
  const now = h.clock.now().getTime();
  // Due Wednesday 10:00, reminded up to now (6 times: 22.5 working hours by Monday 10:00), but stored as due again since
  // the last reminder: 1,200 of them, more than a page; and 2 that really owe a reminder, read last.
  const due = at('2026-11-18T10:00').getTime();
  await seedSteps([
    ...Array.from({ length: 1200 }, (): [number, number, number] => [due, 6, now - 2 * HOUR]),
    ...Array.from({ length: 2 }, (): [number, number, number] => [now - HOUR, 0, now - HOUR]),
  ]);
  expect(await countedTick()).toEqual({ sent: 2, read: 1202 });
  expect(await firstReminders()).toEqual(['1201:1', '1202:1']);
  expect(await queuedReminderKeys()).toEqual(['reminders:1201:1:2']);
  const moved = (await steps()).slice(0, 1200);
  expect(new Set(moved.map((s) => s.next!.toISOString()))).toEqual(new Set([at('2026-11-23T11:30').toISOString()])); // Wed 10:00 + 6 × 4 h
  expect(moved.every((s) => s.count === 6)).toBe(true);
  expect(await countedTick()).toEqual({ sent: 0, read: 0 });
});

it('batches one tick\'s reminders per recipient: one message listing them, the channel one digest; a lone reminder stays as it was', async () => {
  h = await startHarness({ now: at('2026-11-23T10:00').toISOString() });
  const now = h.clock.now().getTime();
  // Due long ago and reminded 5 times (past N = 2 and M = 3): 12 of 李四's (manager 钱七) and 1 of 王五's (manager 钱七).
  const due = at('2026-11-18T10:00').getTime(); // Wed 10:00: by Monday 10:00, 22.5 working hours → 6 reminders owed
  await seedSteps([
    ...Array.from({ length: 12 }, (): [number, number, number, string] => [due, 5, now - HOUR, 'lisi']),
    [due, 5, now - HOUR, 'wangwu'],
  ]);
  expect(await countedTick()).toEqual({ sent: 13, read: 13 });
  expect(await firstReminders()).toEqual(Array.from({ length: 13 }, (_, i) => `${i + 1}:6`));
  const queued: { dedupe_key: string; recipient_key: string; views: string }[] = await h.app.dataSource.query("SELECT dedupe_key, recipient_key, views FROM outbox WHERE dedupe_key NOT LIKE 'reply:%' ORDER BY id");
  const wording = (views: View[]) => views.map((v) => (v.type === 'text' ? v.text : v.type === 'markdown' ? plainOf(v.text) : '')).join('\n');
  const byKey = new Map(queued.map((m) => [m.dedupe_key, { to: m.recipient_key, text: wording(JSON.parse(m.views) as View[]) }]));
  // 李四: one message, ten lines and how many more; 王五: the single reminder as before.
  expect([...byKey.keys()].sort()).toEqual(['overdue-alerts:1:6:13', 'reminder:13:6', 'reminders-manager:1:6:13', 'reminders:1:6:12'].sort());
  const lisi = byKey.get('reminders:1:6:12')!;
  expect(lisi.to).toMatch(/lisi/);
  expect(lisi.text).toContain('你有 12 份合同的审批已超时');
  expect(lisi.text).toContain('合同 HT-2026-00001「合同1」');
  expect(lisi.text).toContain('合同 HT-2026-00010「合同10」');
  expect(lisi.text).not.toContain('合同 HT-2026-00011「');
  expect(lisi.text).toContain('另有 2 份（显示 10 / 共 12 份）');
  expect(byKey.get('reminder:13:6')!.text).toContain('第 6 次提醒：合同 HT-2026-00013「合同13」');
  // 钱七 manages both: one copy naming both approvers; the channel: one digest of all 13.
  const copy = byKey.get('reminders-manager:1:6:13')!;
  expect(copy.to).toMatch(/qianqi/);
  expect(copy.text).toContain('请督促 李四、王五 处理');
  const alert = byKey.get('overdue-alerts:1:6:13')!;
  expect(alert.to).toMatch(/approvals/);
  expect(alert.text).toContain('13 份合同的审批已多次提醒仍未处理');
  expect(alert.text).toContain('另有 3 份（显示 10 / 共 13 份）');
  // Delivered through the outbox: four messages, not 39.
  await h.app.outbox.deliverDue();
  expect(h.notifier.delivered.filter((m) => /^(reminder|overdue-alert)/.test(m.dedupeKey))).toHaveLength(4);
});
