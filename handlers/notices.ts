// Scheduled notices (product.md §3, §5, §8): follow-ups that fell due, a weekly digest of each team's
// overdue follow-ups, contracts about to end, and a daily digest of what is overdue per channel.
// Every message has a key that makes it once per subject and period, so these run as often as
// needed (hourly) and catch up after a pause.

import { DateTime } from 'luxon';
import { addDays, diffDays, formatDateTime, todayIn } from './domain/dates';
import { nextStatus } from './domain/contract-state';
import { audit, notify, toPerson, type Ctx, type Deps } from './context';
import type { CustomerRecord, Markup, NoticePolicy } from './ports';
import { markdown, md, mdLines, text } from './views';

const overdueFollowUps = (customers: CustomerRecord[], today: string) =>
  customers.filter((c) => c.nextFollowUpDue && c.nextFollowUpDue <= today);

/** Each customer whose next follow-up is due: its owner is told once per due date. */
export async function nudgeFollowUps(deps: Deps, ctx: Ctx): Promise<number> {
  if (!deps.calendar.isWorkingTime(ctx.now)) return 0;
  const today = todayIn(ctx.now, deps.policy.timezone);
  let sent = 0;
  for (const c of overdueFollowUps(await deps.repos.customers.listAll(ctx.tx), today)) {
    const late = diffDays(c.nextFollowUpDue!, today);
    await notify(deps, ctx, toPerson(c.ownerId), `followup:${c.id}:${c.nextFollowUpDue}`, [
      text(
        `📞 客户 ${c.name}（${c.code}，${c.tier} 级）应于 ${c.nextFollowUpDue} 跟进${late > 0 ? `，已逾期 ${late} 天` : ''}。` +
          `跟进后记录：跟进 ${c.name} <内容> 方式:电话`,
      ),
    ]);
    sent++;
  }
  return sent;
}

/** Monday: each sales manager gets one message listing their team's overdue follow-ups. */
export async function weeklyFollowUpDigest(deps: Deps, ctx: Ctx): Promise<number> {
  const local = DateTime.fromJSDate(ctx.now, { zone: deps.policy.timezone });
  if (local.weekday !== 1 || !deps.calendar.isWorkingTime(ctx.now)) return 0;
  const today = todayIn(ctx.now, deps.policy.timezone);
  const overdue = overdueFollowUps(await deps.repos.customers.listAll(ctx.tx), today);
  let sent = 0;
  for (const manager of deps.directory.holdersOf('sales_manager')) {
    const team = overdue.filter((c) => deps.directory.managersOf(c.ownerId).some((m) => m.id === manager.id));
    if (team.length === 0) continue;
    const lines = team.map((c) => md`· ${deps.directory.nameOf(c.ownerId)}：${c.name}（${c.tier} 级）应于 ${c.nextFollowUpDue!} 跟进`);
    await notify(deps, ctx, toPerson(manager.id), `followup-digest:${manager.id}:${local.weekYear}-W${local.weekNumber}`, [
      markdown('本周逾期跟进', mdLines([md`团队逾期未跟进的客户共 ${team.length} 个：`, ...lines])),
    ]);
    sent++;
  }
  return sent;
}

/**
 * Contracts nearing their end date: the owner is told N days before (policy, e.g. 30 and 7), with
 * the deadline to object for auto-renew contracts. Past the end date, a contract that does not
 * renew itself becomes `expired`.
 */
export async function contractExpiryNotices(deps: Deps, ctx: Ctx, policy: NoticePolicy): Promise<number> {
  const today = todayIn(ctx.now, deps.policy.timezone);
  let sent = 0;
  for (const c of await deps.repos.contracts.listByStatus(ctx.tx, ['signed', 'performing'])) {
    if (!c.endDate) continue;
    const left = diffDays(today, c.endDate);
    if (left < 0 && !c.autoRenew) {
      const status = nextStatus(c.status, 'expire');
      if (await deps.repos.contracts.update(ctx.tx, c.id, { version: c.version, status: c.status }, { status, updatedAt: ctx.now })) {
        await audit(deps, ctx, 'contract.expired', { contractId: c.id }, { endDate: c.endDate });
        await notify(deps, ctx, toPerson(c.ownerId), `expired:${c.id}`, [text(`合同 ${c.number}「${c.title}」已于 ${c.endDate} 到期。`)]);
        sent++;
      }
      continue;
    }
    // The nearest notice threshold reached (a contract signed 10 days before its end gets the 30-day one once).
    const threshold = [...policy.expiryNoticeDays].sort((a, b) => a - b).find((d) => left >= 0 && left <= d);
    if (threshold === undefined) continue;
    const renewal = c.autoRenew
      ? `该合同将自动续约；如不续约，请在 ${addDays(c.endDate, -policy.renewalObjectionDays)} 前向客户提出。`
      : '如需续签，请尽早与客户沟通。';
    await notify(deps, ctx, toPerson(c.ownerId), `expiry:${c.id}:${threshold}`, [
      text(`📅 合同 ${c.number}「${c.title}」将于 ${c.endDate} 到期（还有 ${left} 天）。${renewal}`),
    ]);
    sent++;
  }
  return sent;
}

/**
 * One message a working day per group channel, about what is overdue among the alert kinds routed to
 * it (`approval_overdue` → approvals, `follow_up_overdue` → follow-ups, `digest` → everything); none
 * when there is nothing to say. Returns the channels that got one.
 */
export async function dailyDigest(deps: Deps, ctx: Ctx, policy: NoticePolicy): Promise<string[]> {
  if (!deps.calendar.isWorkingTime(ctx.now)) return [];
  const tz = deps.policy.timezone;
  const today = todayIn(ctx.now, tz);
  const steps = await deps.repos.steps.listOverdue(ctx.tx, ctx.now, 50);
  const followUps = overdueFollowUps(await deps.repos.customers.listAll(ctx.tx), today);
  const approvalLines: Markup[] = [];
  for (const s of steps) {
    const c = (await deps.repos.contracts.findById(ctx.tx, s.contractId))!;
    approvalLines.push(md`· ${c.number} ${c.title}：${deps.directory.nameOf(s.assigneeId)}，截止 ${formatDateTime(s.dueAt!, tz)}`);
  }
  const followUpLines = followUps.map((c) => md`· ${c.name}：${deps.directory.nameOf(c.ownerId)}，应于 ${c.nextFollowUpDue!}`);
  const channels = new Map<string, { approvals: boolean; followUps: boolean }>();
  const route = (kind: string, what: 'approvals' | 'followUps' | 'both') => {
    const channel = policy.channels[kind];
    if (!channel) return;
    const c = channels.get(channel) ?? { approvals: false, followUps: false };
    if (what !== 'followUps') c.approvals = true;
    if (what !== 'approvals') c.followUps = true;
    channels.set(channel, c);
  };
  route('approval_overdue', 'approvals');
  route('follow_up_overdue', 'followUps');
  route('digest', 'both');
  const posted: string[] = [];
  for (const [channel, wants] of channels) {
    const lines = [
      ...(wants.approvals && approvalLines.length ? [md`**超时审批 ${approvalLines.length}**`, ...approvalLines] : []),
      ...(wants.followUps && followUpLines.length ? [md`**逾期跟进 ${followUpLines.length}**`, ...followUpLines] : []),
    ];
    if (lines.length === 0) continue;
    await notify(deps, ctx, { kind: 'channel', channel }, `digest:${channel}:${today}`, [markdown(`每日提醒 ${today}`, mdLines(lines))]);
    posted.push(channel);
  }
  return posted;
}
