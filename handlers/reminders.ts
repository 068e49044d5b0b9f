// Overdue approval steps (product.md §3): remind the approver at the policy interval in working
// hours; from reminder N+1 on, copy their manager; from M+1 on, also alert the group channel.
// Never auto-approve. Each reminder has its own outbox key, so running this twice (two instances,
// a restart, a catch-up after a missed minute) sends it once.
//
// Several reminders of one tick to the same recipient go out as one message listing them (product.md
// §5: group alerts are "batched into a digest when several are due", within the robots' 20 messages a
// minute; a person's inbox and WeCom's 30 messages a minute per member deserve the same): a wave of
// overdue steps is a few messages, not thousands. A recipient owed one reminder gets it as before.
//
// Each pending step stores when its next reminder is due (nextReminderAt): a tick reads only the
// steps whose time has come, so its cost follows the reminders due, not the steps open. A tick's
// reminders are written together: one update of the steps, the messages and audit rows in bulk.

import { ROLE_LABEL } from './domain/contract-state';
import { formatDateTime } from './domain/dates';
import { auditEvent, toPerson, type Ctx, type Deps } from './context';
import type { AuditEventRecord, Markup, OutgoingMessage, ReminderDue, ReminderPolicy, ReminderUpdate } from './ports';
import { listing, markdown, md, plainOf, text } from './views';

/** Reminders per tick at most; the rest go out on the next tick, the longest-waiting first. */
export const REMINDERS_PER_TICK = 1000;
/**
 * Pages of due steps a tick may read. Only a step whose stored time was early (the migration's lower
 * bound, a policy change) is read without a reminder; it is advanced, so the next page is new steps.
 */
const PAGES_PER_TICK = 10;

/** How many reminders a step overdue since `dueAt` should have had by `now` (working hours). */
export function remindersDue(deps: Deps, step: { dueAt: Date | null }, now: Date, intervalHours: number): number {
  if (!step.dueAt || step.dueAt > now) return 0;
  const elapsed = deps.calendar.workingHoursBetween(step.dueAt, now);
  return 1 + Math.floor(elapsed / intervalHours + 1e-9);
}

/** When reminder `count + 1` is due: the due time, then every `intervalHours` working hours after it. */
export function nextReminderAt(deps: Deps, dueAt: Date, count: number, intervalHours: number): Date {
  return deps.calendar.addWorkingHours(dueAt, count * intervalHours);
}

export async function remindOverdueApprovals(deps: Deps, ctx: Ctx, policy: ReminderPolicy): Promise<number> {
  // Reminders go out in working time only; the first run of the next working period catches up.
  if (!deps.calendar.isWorkingTime(ctx.now)) return 0;
  let sent = 0;
  for (let page = 0; page < PAGES_PER_TICK && sent < REMINDERS_PER_TICK; page++) {
    const wanted = REMINDERS_PER_TICK - sent;
    const due = await deps.repos.steps.listReminderDue(ctx.tx, ctx.now, wanted);
    sent += await remindAll(deps, ctx, policy, due);
    if (due.length < wanted) break; // every due step was read
  }
  return sent;
}

/**
 * Each due step gets the one reminder it is owed (numbered, however many periods were missed) and its
 * next reminder time. listReminderDue holds the steps, so none was decided since it was read.
 */
async function remindAll(deps: Deps, ctx: Ctx, policy: ReminderPolicy, due: ReminderDue[]): Promise<number> {
  const updates: ReminderUpdate[] = [];
  const events: Omit<AuditEventRecord, 'id'>[] = [];
  const owed: Owed[] = [];
  for (const { step, contract } of due) {
    const n = remindersDue(deps, step, ctx.now, policy.intervalHours);
    // Never at or before now: a tick must not read this step again.
    const after = (count: number) => {
      const at = nextReminderAt(deps, step.dueAt!, count, policy.intervalHours);
      return at > ctx.now ? at : new Date(ctx.now.getTime() + 1);
    };
    if (n <= step.reminderCount) {
      // Its stored time was early (see PAGES_PER_TICK): move it to the reminder it is owed next.
      updates.push({ id: step.id, nextReminderAt: after(step.reminderCount) });
      continue;
    }
    updates.push({ id: step.id, nextReminderAt: after(n), sent: { reminderCount: n, at: ctx.now } });
    owed.push({ step, contract, n, overdue: overdueOf(deps, { step, contract }) });
    events.push(auditEvent(ctx, 'step.reminded', { contractId: contract.id }, { stepId: step.id, n }));
  }
  // The claim: every step read is still pending (held since it was read). Should one not be, the
  // whole tick rolls back, nothing is sent, and the next tick reads afresh.
  const recorded = await deps.repos.steps.recordReminders(ctx.tx, updates);
  if (recorded !== updates.length) throw new Error(`reminders: ${updates.length - recorded} due step(s) changed while held; nothing sent, the next tick retries`);
  await deps.repos.outbox.enqueueMany(ctx.tx, reminderMessages(deps, policy, owed), ctx.now);
  await deps.repos.audit.appendMany(ctx.tx, events);
  return events.length;
}

/** A step owed reminder `n` this tick, and what every message about it says (overdueOf). */
interface Owed extends ReminderDue {
  n: number;
  overdue: Markup;
}

/**
 * Reminder `n` to the approver; from N+1 on a copy to their manager; from M+1 on the channel alert.
 * Per recipient: one reminder as its own message, several as one message listing them.
 */
function reminderMessages(deps: Deps, policy: ReminderPolicy, owed: Owed[]): OutgoingMessage[] {
  const toApprover = groupBy(owed, (o) => o.step.assigneeId);
  const toManager = groupBy(
    owed.filter((o) => o.n > policy.copyManagerAfter),
    (o) => deps.directory.managersOf(o.step.assigneeId)[0]?.id,
  );
  const toChannel = policy.channel ? owed.filter((o) => o.n > policy.alertChannelAfter) : [];
  const out: OutgoingMessage[] = [];
  for (const [assigneeId, items] of toApprover) {
    out.push(
      items.length === 1
        ? { dedupeKey: `reminder:${items[0]!.step.id}:${items[0]!.n}`, to: toPerson(assigneeId), views: [text(approverReminder(items[0]!))] }
        : { dedupeKey: batchKey('reminders', items), to: toPerson(assigneeId), views: [text(plainOf(listed(md`⏰ 你有 ${items.length} 份合同的审批已超时，请尽快处理：`, items, (o) => md`· 第 ${o.n} 次提醒：${o.overdue}`, md`处理：同意 <合同号> / 驳回 <合同号> <原因> / 转交 <合同号> <人>；发送「待办」查看全部待审批。`)))] },
    );
  }
  for (const [managerId, items] of toManager) {
    const assignees = [...new Set(items.map((o) => deps.directory.nameOf(o.step.assigneeId)))].join('、');
    out.push(
      items.length === 1
        ? { dedupeKey: `reminder-manager:${items[0]!.step.id}:${items[0]!.n}`, to: toPerson(managerId), views: [text(managerCopy(deps, items[0]!))] }
        : { dedupeKey: batchKey('reminders-manager', items), to: toPerson(managerId), views: [text(plainOf(listed(md`⏰ 抄送：${items.length} 份合同的审批已多次提醒仍超时：`, items, (o) => md`· 已提醒 ${o.n} 次：${o.overdue}`, md`请督促 ${assignees} 处理，或转交他人。`)))] },
    );
  }
  if (toChannel.length === 1) {
    const o = toChannel[0]!;
    out.push({ dedupeKey: `overdue-alert:${o.step.id}:${o.n}`, to: { kind: 'channel', channel: policy.channel! }, views: [markdown('审批超时', md`**审批超时**：${o.overdue}，已提醒 ${o.n} 次。`)] });
  } else if (toChannel.length > 1) {
    out.push({
      dedupeKey: batchKey('overdue-alerts', toChannel),
      to: { kind: 'channel', channel: policy.channel! },
      views: [markdown('审批超时', listed(md`**审批超时**：${toChannel.length} 份合同的审批已多次提醒仍未处理`, toChannel, (o) => md`· ${o.overdue}，已提醒 ${o.n} 次`))],
    });
  }
  return out;
}

/** "合同 HT-…「title」的法务审批（第 2 步，王五）已于 … 超时": what every reminder says of a step. */
function overdueOf(deps: Deps, { step, contract }: ReminderDue): Markup {
  const role = step.role === 'person' ? '审批' : ROLE_LABEL[step.role];
  return md`合同 ${contract.number}「${contract.title}」的${role}审批（第 ${step.seq} 步，${deps.directory.nameOf(step.assigneeId)}）已于 ${formatDateTime(step.dueAt!, deps.policy.timezone)} 超时`;
}

const approverReminder = (o: Owed) =>
  `⏰ 第 ${o.n} 次提醒：${plainOf(o.overdue)}，请尽快处理：同意 ${o.contract.number} / 驳回 ${o.contract.number} <原因> / 转交 ${o.contract.number} <人>`;

const managerCopy = (deps: Deps, o: Owed) =>
  `⏰ 抄送（已提醒 ${o.n} 次）：${plainOf(o.overdue)}。请督促 ${deps.directory.nameOf(o.step.assigneeId)} 处理，或转交他人。`;

/** The items of a batched reminder, in a listing (views.ts). */
const listed = (heading: Markup, items: Owed[], line: (o: Owed) => Markup, closing?: Markup): Markup => listing(heading, items, line, '份', closing);

/**
 * A batched message's outbox key: its kind, then the first step with its reminder number and how many
 * it lists. A step's reminder `n` is in exactly one message (the tick that sends it advances the step),
 * so the key is that message's alone, and the same on a retry of the same tick.
 */
const batchKey = (kind: string, items: Owed[]) => `${kind}:${items[0]!.step.id}:${items[0]!.n}:${items.length}`;

/** Items by key, in their order; items without a key are left out. */
function groupBy<T>(items: T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
