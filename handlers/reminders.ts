// Overdue approval steps (product.md §3): remind the approver at the policy interval in working
// hours; from reminder N+1 on, copy their manager; from M+1 on, also alert the group channel.
// Never auto-approve. Each reminder has its own outbox key, so running this twice (two instances,
// a restart, a catch-up after a missed minute) sends it once.
//
// Each pending step stores when its next reminder is due (nextReminderAt): a tick reads only the
// steps whose time has come, so its cost follows the reminders due, not the steps open. A tick's
// reminders are written together: one update of the steps, the messages and audit rows in bulk.

import { ROLE_LABEL } from './domain/contract-state';
import { formatDateTime } from './domain/dates';
import { auditEvent, toPerson, type Ctx, type Deps } from './context';
import type { AuditEventRecord, OutgoingMessage, ReminderDue, ReminderPolicy, ReminderUpdate } from './ports';
import { markdown, md, plainOf, text } from './views';

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
  const messages: OutgoingMessage[] = [];
  const events: Omit<AuditEventRecord, 'id'>[] = [];
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
    messages.push(...reminderMessages(deps, policy, { step, contract }, n));
    events.push(auditEvent(ctx, 'step.reminded', { contractId: contract.id }, { stepId: step.id, n }));
  }
  // The claim: every step read is still pending (held since it was read). Should one not be, the
  // whole tick rolls back, nothing is sent, and the next tick reads afresh.
  const recorded = await deps.repos.steps.recordReminders(ctx.tx, updates);
  if (recorded !== updates.length) throw new Error(`reminders: ${updates.length - recorded} due step(s) changed while held; nothing sent, the next tick retries`);
  await deps.repos.outbox.enqueueMany(ctx.tx, messages, ctx.now);
  await deps.repos.audit.appendMany(ctx.tx, events);
  return events.length;
}

/** Reminder `n` to the approver; from N+1 on a copy to their manager; from M+1 on the channel alert. */
function reminderMessages(deps: Deps, policy: ReminderPolicy, { step, contract }: ReminderDue, n: number): OutgoingMessage[] {
  const tz = deps.policy.timezone;
  const assignee = deps.directory.nameOf(step.assigneeId);
  const role = step.role === 'person' ? '审批' : ROLE_LABEL[step.role];
  const overdueMd = md`合同 ${contract.number}「${contract.title}」的${role}审批（第 ${step.seq} 步，${assignee}）已于 ${formatDateTime(step.dueAt!, tz)} 超时`;
  const overdue = plainOf(overdueMd);
  const out: OutgoingMessage[] = [
    {
      dedupeKey: `reminder:${step.id}:${n}`,
      to: toPerson(step.assigneeId),
      views: [text(`⏰ 第 ${n} 次提醒：${overdue}，请尽快处理：同意 ${contract.number} / 驳回 ${contract.number} <原因> / 转交 ${contract.number} <人>`)],
    },
  ];
  const manager = deps.directory.managersOf(step.assigneeId)[0];
  if (n > policy.copyManagerAfter && manager) {
    out.push({
      dedupeKey: `reminder-manager:${step.id}:${n}`,
      to: toPerson(manager.id),
      views: [text(`⏰ 抄送（已提醒 ${n} 次）：${overdue}。请督促 ${assignee} 处理，或转交他人。`)],
    });
  }
  if (n > policy.alertChannelAfter && policy.channel) {
    out.push({
      dedupeKey: `overdue-alert:${step.id}:${n}`,
      to: { kind: 'channel', channel: policy.channel },
      views: [markdown('审批超时', md`**审批超时**：${overdueMd}，已提醒 ${n} 次。`)],
    });
  }
  return out;
}
