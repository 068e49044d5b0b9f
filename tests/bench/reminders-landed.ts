// The approval-reminder tick as it landed before issue 9 (handlers/reminders.ts at da4bc52), kept for
// the reminders bench's comparison only: it reads every pending step with due_at <= now (1,000 a tick,
// oldest due first) and works out in memory which of them owe a reminder.

import { ROLE_LABEL } from '../../handlers/domain/contract-state';
import { formatDateTime } from '../../handlers/domain/dates';
import { audit, notify, toPerson, type Ctx, type Deps } from '../../handlers/context';
import type { ReminderPolicy } from '../../handlers/ports';
import { remindersDue } from '../../handlers/reminders';
import { markdown, md, plainOf, text } from '../../handlers/views';

export async function landedReminderTick(deps: Deps, ctx: Ctx, policy: ReminderPolicy): Promise<number> {
  // Reminders go out in working time only; the first run of the next working period catches up.
  if (!deps.calendar.isWorkingTime(ctx.now)) return 0;
  const tz = deps.policy.timezone;
  let sent = 0;
  for (const step of await deps.repos.steps.listOverdue(ctx.tx, ctx.now, 1000)) {
    const n = remindersDue(deps, step, ctx.now, policy.intervalHours);
    if (n <= step.reminderCount) continue;
    // Claim the reminder first: if the step was decided meanwhile, nothing is sent.
    if (!(await deps.repos.steps.transition(ctx.tx, step.id, 'pending', { reminderCount: n, lastRemindedAt: ctx.now }))) continue;
    const contract = (await deps.repos.contracts.findById(ctx.tx, step.contractId))!;
    const assignee = deps.directory.nameOf(step.assigneeId);
    const role = step.role === 'person' ? '审批' : ROLE_LABEL[step.role];
    const overdueMd = md`合同 ${contract.number}「${contract.title}」的${role}审批（第 ${step.seq} 步，${assignee}）已于 ${formatDateTime(step.dueAt!, tz)} 超时`;
    const overdue = plainOf(overdueMd);
    await notify(deps, ctx, toPerson(step.assigneeId), `reminder:${step.id}:${n}`, [
      text(`⏰ 第 ${n} 次提醒：${overdue}，请尽快处理：同意 ${contract.number} / 驳回 ${contract.number} <原因> / 转交 ${contract.number} <人>`),
    ]);
    const manager = deps.directory.managersOf(step.assigneeId)[0];
    if (n > policy.copyManagerAfter && manager) {
      await notify(deps, ctx, toPerson(manager.id), `reminder-manager:${step.id}:${n}`, [
        text(`⏰ 抄送（已提醒 ${n} 次）：${overdue}。请督促 ${assignee} 处理，或转交他人。`),
      ]);
    }
    if (n > policy.alertChannelAfter && policy.channel) {
      await notify(deps, ctx, { kind: 'channel', channel: policy.channel }, `overdue-alert:${step.id}:${n}`, [
        markdown('审批超时', md`**审批超时**：${overdueMd}，已提醒 ${n} 次。`),
      ]);
    }
    await audit(deps, ctx, 'step.reminded', { contractId: contract.id }, { stepId: step.id, n });
    sent++;
  }
  return sent;
}
