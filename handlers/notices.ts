// Scheduled notices (product.md §3, §5, §8): follow-ups that fell due, a weekly digest of each team's
// overdue follow-ups, contracts about to end, and a daily digest of what is overdue per channel.
// Every message has a key that makes it once per subject and period, so these run as often as
// needed (hourly) and catch up after a pause.

import { DateTime } from 'luxon';
import { addDays, diffDays, formatDateTime, todayIn } from './domain/dates';
import { nextStatus } from './domain/contract-state';
import { audit, notify, toPerson, type Ctx, type Deps } from './context';
import type { IsoDate } from './domain/types';
import type { ContractRecord, CustomerRecord, Markup, NoticePolicy } from './ports';
import { markdown, md, mdLines, text } from './views';

/** Rows a job reads per query: its memory stays the same whatever the store holds. */
export const JOB_BATCH = 500;
/** Lines a digest lists per section; the heading gives the full count. */
export const DIGEST_LINES = 30;

/** Each customer whose follow-up is due by `today`, in batches of JOB_BATCH by id. */
async function* followUpsDue(deps: Deps, ctx: Ctx, today: IsoDate): AsyncGenerator<CustomerRecord> {
  for (let after = 0; ; ) {
    const batch = await deps.repos.customers.listFollowUpDue(ctx.tx, today, after, JOB_BATCH);
    yield* batch;
    if (batch.length < JOB_BATCH) return;
    after = batch[batch.length - 1]!.id;
  }
}

/** `N` or, when only some are listed, `显示 n / 共 N`. */
const countOf = (shown: number, total: number) => (shown < total ? `${total}（显示 ${shown} 个）` : `${total}`);

/** Each customer whose next follow-up is due: its owner is told once per due date. */
export async function nudgeFollowUps(deps: Deps, ctx: Ctx): Promise<number> {
  if (!deps.calendar.isWorkingTime(ctx.now)) return 0;
  const today = todayIn(ctx.now, deps.policy.timezone);
  let sent = 0;
  for await (const c of followUpsDue(deps, ctx, today)) {
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
  // One pass over the overdue customers: per manager a count and the first DIGEST_LINES lines.
  const teams = new Map(deps.directory.holdersOf('sales_manager').map((m) => [m.id, { total: 0, lines: [] as Markup[] }]));
  for await (const c of followUpsDue(deps, ctx, today)) {
    for (const m of deps.directory.managersOf(c.ownerId)) {
      const team = teams.get(m.id);
      if (!team) continue;
      team.total++;
      if (team.lines.length < DIGEST_LINES) team.lines.push(md`· ${deps.directory.nameOf(c.ownerId)}：${c.name}（${c.tier} 级）应于 ${c.nextFollowUpDue!} 跟进`);
    }
  }
  let sent = 0;
  for (const [managerId, team] of teams) {
    if (team.total === 0) continue;
    const more = team.total > team.lines.length ? [md`……另有 ${team.total - team.lines.length} 个（显示 ${team.lines.length} / 共 ${team.total} 个）`] : [];
    await notify(deps, ctx, toPerson(managerId), `followup-digest:${managerId}:${local.weekYear}-W${local.weekNumber}`, [
      markdown('本周逾期跟进', mdLines([md`团队逾期未跟进的客户共 ${team.total} 个：`, ...team.lines, ...more])),
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
  // Only contracts ending within the widest notice period (or already ended) can get a notice.
  const until = addDays(today, Math.max(0, ...policy.expiryNoticeDays));
  for await (const c of endingBy(deps, ctx, until)) {
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

/** Signed or performing contracts ending by `until`, in batches of JOB_BATCH by id. */
async function* endingBy(deps: Deps, ctx: Ctx, until: IsoDate): AsyncGenerator<ContractRecord> {
  for (let after = 0; ; ) {
    const batch = await deps.repos.contracts.listEndingBy(ctx.tx, ['signed', 'performing'], until, after, JOB_BATCH);
    yield* batch;
    if (batch.length < JOB_BATCH) return;
    after = batch[batch.length - 1]!.id;
  }
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
  const steps = await deps.repos.steps.listOverdue(ctx.tx, ctx.now, DIGEST_LINES);
  const stepsTotal = steps.length < DIGEST_LINES ? steps.length : await deps.repos.steps.countOverdue(ctx.tx, ctx.now);
  const contracts = new Map((await deps.repos.contracts.findByIds(ctx.tx, steps.map((s) => s.contractId))).map((c) => [c.id, c]));
  const approvalLines: Markup[] = [];
  for (const s of steps) {
    const c = contracts.get(s.contractId)!;
    approvalLines.push(md`· ${c.number} ${c.title}：${deps.directory.nameOf(s.assigneeId)}，截止 ${formatDateTime(s.dueAt!, tz)}`);
  }
  const followUps = await deps.repos.customers.listFollowUpDue(ctx.tx, today, 0, DIGEST_LINES);
  const followUpsTotal = followUps.length < DIGEST_LINES ? followUps.length : await deps.repos.customers.countFollowUpDue(ctx.tx, today);
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
      ...(wants.approvals && approvalLines.length ? [md`**超时审批 ${countOf(approvalLines.length, stepsTotal)}**`, ...approvalLines] : []),
      ...(wants.followUps && followUpLines.length ? [md`**逾期跟进 ${countOf(followUpLines.length, followUpsTotal)}**`, ...followUpLines] : []),
    ];
    if (lines.length === 0) continue;
    await notify(deps, ctx, { kind: 'channel', channel }, `digest:${channel}:${today}`, [markdown(`每日提醒 ${today}`, mdLines(lines))]);
    posted.push(channel);
  }
  return posted;
}
