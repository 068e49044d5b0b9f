// Scheduled fulfilment alerts, run by the hourly notices job:
// - milestones due within N days (to the responsible person, once per planned date) and overdue
//   (reminder n every interval days to the responsible person; from n > copy_owner_after also the
//   owner; from n > alert_channel_after also the group channel);
// - payment nodes past their planned date and not received (the owner and finance, every interval;
//   the channel after M reminders);
// - problems past their deadline (the responsible person at the deadline, then every interval of
//   working hours; from n > N also the owner's manager; from n > M the channel).
// Every message has a key made of the subject, its date and the reminder number, so runs after a
// pause catch up with one message each, and two instances send each once. The outbox holds messages
// to people in quiet hours. A run's alerts to one channel go out as one digest when there are several
// (channel-digest.ts).

import { addDays, diffDays, formatDateTime, todayIn } from './domain/dates';
import { formatFen } from './domain/money';
import { reminderNumber } from './domain/fulfilment';
import { toPerson, type Ctx, type Deps } from './context';
import { fulfilmentPolicy } from './fulfilment-common';
import type { OutgoingMessage } from './ports';
import { JOB_BATCH } from './notices';
import { channelDigest, type ChannelAlert } from './channel-digest';
import { markdown, md, text } from './views';

/** Pages each scan goes through, by id; a later run continues with what is left. */
async function* paged<T extends { id: number }>(read: (afterId: number) => Promise<T[]>): AsyncGenerator<T> {
  for (let after = 0; ; ) {
    const batch = await read(after);
    yield* batch;
    if (batch.length < JOB_BATCH) return;
    after = batch[batch.length - 1]!.id;
  }
}

async function enqueue(deps: Deps, ctx: Ctx, messages: OutgoingMessage[]): Promise<number> {
  await deps.repos.outbox.enqueueMany(ctx.tx, messages, ctx.now);
  return messages.length;
}

export async function milestoneAlerts(deps: Deps, ctx: Ctx): Promise<number> {
  if (!deps.calendar.isWorkingTime(ctx.now)) return 0;
  const policy = fulfilmentPolicy(deps);
  const { dueSoonDays, overdue } = policy.milestones;
  const today = todayIn(ctx.now, deps.policy.timezone);
  const messages: OutgoingMessage[] = [];
  const alerts: ChannelAlert[] = [];
  for await (const m of paged((after) => deps.repos.milestones.listOpenDueBy(ctx.tx, addDays(today, dueSoonDays), after, JOB_BATCH))) {
    const c = m.contract;
    const left = diffDays(today, m.plannedDate);
    const what = `合同 ${c.number}「${c.title}」的里程碑「${m.name}」`;
    if (left >= 0) {
      messages.push({
        dedupeKey: `milestone-due:${m.id}:${m.plannedDate}`,
        to: toPerson(m.responsibleId),
        views: [text(`📌 ${what}计划 ${m.plannedDate} 完成（${left === 0 ? '今天到期' : `还有 ${left} 天`}）。完成后发送：完成 ${c.number} ${m.name}；如需调整：延期 ${c.number} ${m.name} <新日期> <原因>`)],
      });
      continue;
    }
    const late = -left;
    const n = reminderNumber(late, overdue.interval);
    const key = `${m.id}:${m.plannedDate}:${n}`;
    messages.push({
      dedupeKey: `milestone-overdue:${key}`,
      to: toPerson(m.responsibleId),
      views: [text(`⏰ 第 ${n} 次提醒：${what}计划 ${m.plannedDate} 完成，已逾期 ${late} 天。完成后发送：完成 ${c.number} ${m.name}；如需延期：延期 ${c.number} ${m.name} <新日期> <原因>`)],
    });
    if (n > overdue.copyAfter && c.ownerId !== m.responsibleId) {
      messages.push({
        dedupeKey: `milestone-overdue-owner:${key}`,
        to: toPerson(c.ownerId),
        views: [text(`⏰ 抄送（已提醒 ${n} 次）：${what}已逾期 ${late} 天，负责人 ${deps.directory.nameOf(m.responsibleId)}。`)],
      });
    }
    if (n > overdue.channelAfter && policy.channels.milestone) {
      const line = md`合同 ${c.number}「${c.title}」的「${m.name}」计划 ${m.plannedDate}，已逾期 ${late} 天（负责人 ${deps.directory.nameOf(m.responsibleId)}，合同负责人 ${deps.directory.nameOf(c.ownerId)}）`;
      alerts.push({ key: `milestone-overdue-alert:${key}`, views: [markdown('里程碑逾期', md`**里程碑逾期**：${line}。`)], line: md`· ${line}` });
    }
  }
  if (policy.channels.milestone) {
    messages.push(...(await channelDigest(deps, ctx, policy.channels.milestone, { title: '里程碑逾期', heading: (n) => md`**里程碑逾期**：${n} 个里程碑已多次提醒仍未完成` }, alerts)));
  }
  return enqueue(deps, ctx, messages);
}

export async function paymentAlerts(deps: Deps, ctx: Ctx): Promise<number> {
  if (!deps.calendar.isWorkingTime(ctx.now)) return 0;
  const policy = fulfilmentPolicy(deps);
  const today = todayIn(ctx.now, deps.policy.timezone);
  const finance = deps.directory.holdersOf('finance').map((p) => p.id);
  const messages: OutgoingMessage[] = [];
  const alerts: ChannelAlert[] = [];
  for await (const node of paged((after) => deps.repos.payments.listOverdueNodes(ctx.tx, today, after, JOB_BATCH))) {
    const c = node.contract;
    const late = diffDays(node.plannedDate, today);
    const n = reminderNumber(late, policy.payments.overdueIntervalDays);
    const open = node.amountFen - node.receivedFen;
    const what = `合同 ${c.number}「${c.title}」的付款节点 ${node.plannedDate}（${node.label}）应收 ${formatFen(node.amountFen)}，未收 ${formatFen(open)}，已逾期 ${late} 天`;
    for (const personId of new Set([c.ownerId, ...finance])) {
      messages.push({
        dedupeKey: `payment-overdue:${node.id}:${node.plannedDate}:${n}:${personId}`,
        to: toPerson(personId),
        views: [text(`💰 ${what}。${personId === c.ownerId ? '请催收；' : ''}到账后登记：回款 ${c.number} <金额> [日期]`)],
      });
    }
    if (n > policy.payments.channelAfter && policy.channels.payment) {
      const line = md`${what}（负责人 ${deps.directory.nameOf(c.ownerId)}）`;
      alerts.push({ key: `payment-overdue-alert:${node.id}:${node.plannedDate}:${n}`, views: [markdown('回款逾期', md`**回款逾期**：${line}。`)], line: md`· ${line}` });
    }
  }
  if (policy.channels.payment) {
    messages.push(...(await channelDigest(deps, ctx, policy.channels.payment, { title: '回款逾期', heading: (n) => md`**回款逾期**：${n} 个付款节点已多次提醒仍未回款` }, alerts)));
  }
  return enqueue(deps, ctx, messages);
}

export async function problemAlerts(deps: Deps, ctx: Ctx): Promise<number> {
  const policy = fulfilmentPolicy(deps);
  const { overdue } = policy.problems;
  const tz = deps.policy.timezone;
  const messages: OutgoingMessage[] = [];
  const alerts: ChannelAlert[] = [];
  for await (const p of paged((after) => deps.repos.problems.listOpenOverdue(ctx.tx, ctx.now, after, JOB_BATCH))) {
    const c = p.contract;
    // The first reminder at the deadline (held by the outbox until working time if it passes at
    // night), then one every interval of working hours: nothing piles up overnight.
    const n = 1 + Math.floor(deps.calendar.workingHoursBetween(p.deadlineAt, ctx.now) / overdue.interval + 1e-9);
    const what = `履约问题 ${p.number}（合同 ${c.number}「${c.title}」）已于 ${formatDateTime(p.deadlineAt, tz)} 超过解决期限`;
    messages.push({
      dedupeKey: `problem-overdue:${p.id}:${n}`,
      to: toPerson(p.responsibleId),
      views: [text(`⏰ 第 ${n} 次提醒：${what}：${p.description}\n解决后发送：解决 ${p.number} <说明>`)],
    });
    const manager = deps.directory.managersOf(c.ownerId)[0];
    if (n > overdue.copyAfter && manager && manager.id !== p.responsibleId) {
      messages.push({
        dedupeKey: `problem-overdue-manager:${p.id}:${n}`,
        to: toPerson(manager.id),
        views: [text(`⏰ 升级（已提醒 ${n} 次）：${what}，负责人 ${deps.directory.nameOf(p.responsibleId)}：${p.description}`)],
      });
    }
    if (n > overdue.channelAfter && policy.channels.problem) {
      const line = md`${what}，负责人 ${deps.directory.nameOf(p.responsibleId)}：${p.description}`;
      alerts.push({ key: `problem-overdue-alert:${p.id}:${n}`, views: [markdown('履约问题超时', md`**履约问题超时**：${line}`)], line: md`· ${line}` });
    }
  }
  if (policy.channels.problem) {
    messages.push(...(await channelDigest(deps, ctx, policy.channels.problem, { title: '履约问题超时', heading: (n) => md`**履约问题超时**：${n} 个履约问题已多次提醒仍未解决` }, alerts)));
  }
  return enqueue(deps, ctx, messages);
}

/** All three, for the notices job. */
export async function fulfilmentAlerts(deps: Deps, ctx: Ctx): Promise<number> {
  return (await milestoneAlerts(deps, ctx)) + (await paymentAlerts(deps, ctx)) + (await problemAlerts(deps, ctx));
}
