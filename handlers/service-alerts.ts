// SLA warnings and alerts of service tickets (product.md §8), run by a scheduled job every minute.
// Each ticket stores when it next needs a look (next_check_at); a tick reads only those tickets. For
// each running clock (受理, 首次响应, 解决, 回访, 异议处理) the latest stage reached is sent:
//   warn      (policy warn_at, e.g. 80 % of the clock) → the handler;
//   breach    (the deadline) → the handler and their manager, `urgent` (passes quiet hours);
//   escalate  (escalate_after_hours after the deadline) → the service channel, `urgent` (a tick's
//             escalations in one digest when there are several: channel-digest.ts).
// Every message has an outbox key per ticket, clock, run and stage: a tick run twice, a catch-up after
// a pause, or two instances send each one once. A warning for a working-hours clock is not urgent
// (it waits out quiet hours like other notices); one for a natural-hours clock is.

import { JOB_BATCH } from './notices';
import { formatDateTime } from './domain/dates';
import { CLOCK_LABEL, PRIORITY_LABEL, nextCheck, runningClocks, stageReached, type RunningClock, type Stage } from './domain/service-sla';
import { auditEvent, toPerson, type Ctx, type Deps } from './context';
import type { ContractRecord, Recipient, ServiceTicketRecord, View } from './ports';
import { servicePolicyOf } from './service';
import { channelDigest, type ChannelAlert } from './channel-digest';
import { markdown, md, text } from './views';

/** Sends what each ticket's clocks owe by `now`; returns how many messages were new. */
export async function checkServiceClocks(deps: Deps, ctx: Ctx): Promise<number> {
  let sent = 0;
  // The tick's escalations to the channel: one digest when there are several (channel-digest.ts).
  const escalations: ChannelAlert[] = [];
  for (let after = 0; ; ) {
    const batch = await deps.repos.serviceTickets.listCheckDue(ctx.tx, ctx.now, after, JOB_BATCH);
    const contracts = new Map((await deps.repos.contracts.findByIds(ctx.tx, batch.map((t) => t.contractId))).map((c) => [c.id, c]));
    for (const t of batch) sent += await checkTicket(deps, ctx, t, contracts.get(t.contractId)!, escalations);
    if (batch.length < JOB_BATCH) break;
    after = batch[batch.length - 1]!.id;
  }
  const channel = servicePolicyOf(deps).channel;
  if (!channel) return sent;
  const kind = { title: '服务工单超时', heading: (n: number) => md`**服务工单超时**：${n} 个工单已超过时限并升级`, urgent: true };
  for (const message of await channelDigest(deps, ctx, channel, kind, escalations)) if (await deps.repos.outbox.enqueue(ctx.tx, message, ctx.now)) sent++;
  return sent;
}

async function checkTicket(deps: Deps, ctx: Ctx, t: ServiceTicketRecord, contract: ContractRecord, escalations: ChannelAlert[]): Promise<number> {
  const clocks = runningClocks(deps.calendar, servicePolicyOf(deps), deps.policy.timezone, t);
  let sent = 0;
  for (const clock of clocks) {
    const stage = stageReached(clock, ctx.now);
    if (!stage) continue;
    // A late tick that finds a deadline long past still tells the handler and manager (breach) before the channel.
    const stages: Stage[] = stage === 'escalate' ? ['breach', 'escalate'] : [stage];
    for (const s of stages) sent += await sendStage(deps, ctx, t, contract, clock, s, escalations);
  }
  // Only this field changes: a ticket changed meanwhile keeps its own (newer) value.
  await deps.repos.serviceTickets.update(ctx.tx, t.id, t.version, { nextCheckAt: nextCheck(clocks, ctx.now) });
  return sent;
}

/** The stage's messages to people; an escalation to the channel is added to `escalations`. */
async function sendStage(deps: Deps, ctx: Ctx, t: ServiceTicketRecord, contract: ContractRecord, clock: RunningClock, stage: Stage, escalations: ChannelAlert[]): Promise<number> {
  const policy = servicePolicyOf(deps);
  const tz = deps.policy.timezone;
  const key = `sla:${t.id}:${clock.name}:${clock.run}:${stage}`;
  const what = `工单 ${t.number}（${PRIORITY_LABEL[t.priority]} · 合同 ${contract.number}）${CLOCK_LABEL[clock.name]}`;
  const handler = deps.directory.nameOf(t.handlerId);
  const action = actionFor(t, clock);
  const targets: { to: Recipient; views: View[]; urgent: boolean; suffix: string }[] = [];
  if (stage === 'warn') {
    targets.push({
      to: toPerson(t.handlerId),
      views: [text(`⏰ ${what}即将超时：截止 ${formatDateTime(clock.due, tz)}。${action}`)],
      urgent: clock.kind === 'natural',
      suffix: 'handler',
    });
  } else if (stage === 'breach') {
    const views = [text(`🚨 ${what}已超时（截止 ${formatDateTime(clock.due, tz)}），处理人 ${handler}。${action}`)];
    targets.push({ to: toPerson(t.handlerId), views, urgent: true, suffix: 'handler' });
    const manager = deps.directory.managersOf(t.handlerId)[0];
    if (manager) targets.push({ to: toPerson(manager.id), views, urgent: true, suffix: 'manager' });
  } else if (policy.channel) {
    const line = md`${t.number}（${PRIORITY_LABEL[t.priority]}）${CLOCK_LABEL[clock.name]}截止 ${formatDateTime(clock.due, tz)}，处理人 ${handler}，合同 ${contract.number}：${t.description}`;
    escalations.push({ key: `${key}:channel`, views: [markdown(`工单超时 ${t.number}`, md`**服务工单超时**：${line}`)], line: md`· ${line}` });
  }
  let sent = 0;
  for (const target of targets) {
    const fresh = await deps.repos.outbox.enqueue(ctx.tx, { dedupeKey: `${key}:${target.suffix}`, to: target.to, views: target.views, ...(target.urgent ? { urgent: true } : {}) }, ctx.now);
    if (!fresh) continue;
    sent++;
    if (stage === 'breach' && target.suffix === 'handler') {
      await deps.repos.audit.append(ctx.tx, auditEvent(ctx, 'ticket.sla_breached', { contractId: contract.id }, { ticket: t.number, clock: clock.name, due: clock.due.toISOString() }));
    }
  }
  return sent;
}

function actionFor(t: ServiceTicketRecord, clock: RunningClock): string {
  switch (clock.name) {
    case 'confirm':
      return `请受理：受理 ${t.number}`;
    case 'respond':
      return `请响应：响应 ${t.number} <说明>`;
    case 'resolve':
    case 'objection':
      return `处理后：解决 ${t.number} <说明>`;
    case 'callback':
      return `回访后：回访 ${t.number} <说明>`;
  }
}
