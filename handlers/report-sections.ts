// The sections of a report (product.md §7), in the order they are shown. Each section reads what it
// needs for the period and scope and returns its figures (machine-readable, for tests and CSV), the
// lines people read, an optional table (CSV and detail lines) and an optional chart.
//
// To add a section: write a ReportSectionSource here or in its feature's module (the after-signing
// figures are in report-sections-after-signing.ts) and append it to REPORT_SECTIONS. Nothing else changes: the chat reply, the quarterly report and the CSV export
// all walk this list.

import { ROLE_LABEL } from './domain/contract-state';
import type { CsvCell } from './domain/csv';
import { todayIn } from './domain/dates';
import { formatFen } from './domain/money';
import type { Period } from './domain/period';
import { mean, median, percentile } from './domain/stats';
import type { Ctx, Deps } from './context';
import type { ApprovalStepRecord, ChartSpec } from './ports';
import { milestoneDelaySection, problemResolutionSection, satisfactionSection, ticketSlaSection } from './report-sections-after-signing';

export interface ReportQuery {
  period: Period;
  /** Whose contracts and follow-ups count: these owners/authors, or null for the whole company. */
  owners: readonly string[] | null;
}

export interface ReportSection {
  key: string;
  title: string;
  /** Figures by name: numbers (null when there is nothing to measure). */
  figures: Record<string, number | null>;
  /** What people read: `label: value`. */
  lines: { label: string; value: string }[];
  /** Detail rows (shown at most a few in chat, all in the CSV). */
  table?: { header: string[]; rows: CsvCell[][] };
  chart?: ChartSpec;
}

export interface ReportSectionSource {
  key: string;
  compute(deps: Deps, ctx: Ctx, q: ReportQuery): Promise<ReportSection | null>;
}

const HOUR = 3_600_000;
/** Hours with one decimal, for display and figures alike. */
const hours = (ms: number) => Math.round((ms / HOUR) * 10) / 10;
const fmtHours = (h: number | null) => (h === null ? '—' : `${h} 小时`);
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

export const contractsSection: ReportSectionSource = {
  key: 'contracts',
  async compute(deps, ctx, { period, owners }) {
    const r = deps.repos.reports;
    const created = await r.countCreated(ctx.tx, period.from, period.to, owners);
    const decided = await r.listDecidedSteps(ctx.tx, period.from, period.to, owners);
    const { approved, rejected } = await finalDecisions(deps, ctx, decided);
    const signed = await r.sumSigned(ctx.tx, period.fromDate, period.toDate, owners);
    return {
      key: 'contracts',
      title: '合同',
      figures: { created, approved: approved.length, rejected: rejected.length, signed: signed.count, signedAmountFen: signed.amountFen },
      lines: [
        { label: '新建', value: `${created} 份` },
        { label: '审批通过', value: `${approved.length} 份` },
        { label: '驳回', value: `${rejected.length} 次` },
        { label: '签订', value: `${signed.count} 份` },
        { label: '签订金额', value: formatFen(signed.amountFen) },
      ],
    };
  },
};

/** A round's end: its last step approved (the contract approved) or any step rejected. */
interface FinalDecision {
  step: ApprovalStepRecord;
  /** When the round was submitted: its first step's activation. */
  submittedAt: Date;
}

/**
 * Of the steps decided in the period, those that ended their round, with the round's submit time.
 * Rounds are read whole (every step of these contracts) to know which step is last.
 */
async function finalDecisions(deps: Deps, ctx: Ctx, decided: ApprovalStepRecord[]): Promise<{ approved: FinalDecision[]; rejected: FinalDecision[] }> {
  const all = await deps.repos.steps.listByContracts(ctx.tx, [...new Set(decided.map((s) => s.contractId))]);
  const roundOf = (s: ApprovalStepRecord) => all.filter((x) => x.contractId === s.contractId && x.round === s.round);
  const approved: FinalDecision[] = [];
  const rejected: FinalDecision[] = [];
  for (const step of decided) {
    const round = roundOf(step);
    const first = round.reduce((a, b) => (b.seq < a.seq ? b : a));
    const submittedAt = first.activatedAt ?? step.activatedAt ?? step.decidedAt!;
    if (step.status === 'rejected') rejected.push({ step, submittedAt });
    else if (step.seq === Math.max(...round.map((x) => x.seq))) approved.push({ step, submittedAt });
  }
  return { approved, rejected };
}

export const approvalCycleSection: ReportSectionSource = {
  key: 'approval_cycle',
  async compute(deps, ctx, { period, owners }) {
    const decided = await deps.repos.reports.listDecidedSteps(ctx.tx, period.from, period.to, owners);
    const { approved, rejected } = await finalDecisions(deps, ctx, decided);
    const cycles = [...approved, ...rejected].map((d) => hours(d.step.decidedAt!.getTime() - d.submittedAt.getTime()));
    // Per step (by what it is for) and per person: how long a step waited for its decision.
    const held = decided.filter((s) => s.activatedAt).map((s) => ({ s, h: hours(s.decidedAt!.getTime() - s.activatedAt!.getTime()) }));
    const group = (key: (s: ApprovalStepRecord) => string) => {
      const m = new Map<string, number[]>();
      for (const { s, h } of held) m.set(key(s), [...(m.get(key(s)) ?? []), h]);
      return [...m].map(([k, hs]) => ({ key: k, count: hs.length, median: median(hs)!, mean: round1(mean(hs))!, max: Math.max(...hs) }));
    };
    const stepLabel = (role: string) => (role === 'person' ? '指定审批人' : ROLE_LABEL[role as keyof typeof ROLE_LABEL] ?? role);
    const byStep = group((s) => s.role).sort((a, b) => b.median - a.median);
    const byPerson = group((s) => s.decidedBy ?? s.assigneeId).sort((a, b) => b.mean - a.mean || b.count - a.count);
    const figures: Record<string, number | null> = { decisions: cycles.length, cycleMedianHours: median(cycles), cycleP90Hours: percentile(cycles, 90) };
    for (const g of byStep) figures[`step:${g.key}:medianHours`] = g.median;
    for (const g of byPerson) figures[`person:${g.key}:meanHours`] = g.mean;
    const slowest = byPerson.slice(0, 3).map((g) => `${deps.directory.nameOf(g.key)} ${g.mean} 小时（${g.count} 步）`);
    return {
      key: 'approval_cycle',
      title: '审批周期（提交 → 最终决定）',
      figures,
      lines: [
        { label: '完成审批', value: `${cycles.length} 次` },
        { label: '中位数', value: fmtHours(median(cycles)) },
        { label: 'P90', value: fmtHours(percentile(cycles, 90)) },
        ...byStep.map((g) => ({ label: `${stepLabel(g.key)}环节`, value: `中位 ${g.median} 小时，平均 ${g.mean} 小时（${g.count} 步）` })),
        ...(slowest.length ? [{ label: '停留最久', value: slowest.join('；') }] : []),
      ],
      table: {
        header: ['审批人', '审批步数', '平均停留(小时)', '中位停留(小时)', '最长停留(小时)'],
        rows: byPerson.map((g) => [deps.directory.nameOf(g.key), g.count, g.mean, g.median, g.max]),
      },
      chart: byStep.length
        ? {
            title: `各审批环节停留时间 ${period.label}`,
            labels: byStep.map((g) => stepLabel(g.key)),
            series: [
              { name: '中位数', values: byStep.map((g) => g.median) },
              { name: '平均', values: byStep.map((g) => g.mean) },
            ],
            unit: '小时',
            width: 800,
            height: 450,
          }
        : undefined,
    };
  },
};

export const overdueApprovalsSection: ReportSectionSource = {
  key: 'overdue_approvals',
  async compute(deps, ctx, { period, owners }) {
    const overdue = await deps.repos.reports.countStepsOverdue(ctx.tx, period.from, period.to, owners);
    return {
      key: 'overdue_approvals',
      title: '超时审批',
      figures: { overdueSteps: overdue },
      lines: [{ label: '期内到期但超时的审批步骤', value: `${overdue} 个` }],
    };
  },
};

export const followUpsSection: ReportSectionSource = {
  key: 'follow_ups',
  async compute(deps, ctx, { period, owners }) {
    const logged = await deps.repos.reports.countFollowUpsByAuthor(ctx.tx, period.from, period.to, owners);
    const today = todayIn(ctx.now, deps.policy.timezone);
    const overdue = await deps.repos.reports.countOverdueFollowUpsByOwner(ctx.tx, today, owners);
    const figures: Record<string, number | null> = {
      logged: logged.reduce((a, r) => a + r.count, 0),
      overdueNow: overdue.reduce((a, r) => a + r.count, 0),
    };
    for (const r of logged) figures[`person:${r.personId}:logged`] = r.count;
    for (const r of overdue) figures[`person:${r.personId}:overdue`] = r.count;
    const people = [...new Set([...logged.map((r) => r.personId), ...overdue.map((r) => r.personId)])];
    const countOf = (list: { personId: string; count: number }[], id: string) => list.find((r) => r.personId === id)?.count ?? 0;
    return {
      key: 'follow_ups',
      title: '客户跟进',
      figures,
      lines: [
        { label: '期内跟进', value: `${figures.logged} 次` },
        ...logged.slice(0, 5).map((r) => ({ label: `· ${deps.directory.nameOf(r.personId)}`, value: `${r.count} 次` })),
        { label: `逾期未跟进（截至 ${today}）`, value: `${figures.overdueNow} 个客户` },
      ],
      table: {
        header: ['销售', '期内跟进(次)', `逾期未跟进客户(截至${today})`],
        rows: people.map((id) => [deps.directory.nameOf(id), countOf(logged, id), countOf(overdue, id)]),
      },
    };
  },
};

/** Every section, in order. Features that add figures append theirs here. */
export const REPORT_SECTIONS: ReportSectionSource[] = [
  contractsSection,
  approvalCycleSection,
  overdueApprovalsSection,
  followUpsSection,
  milestoneDelaySection,
  problemResolutionSection,
  ticketSlaSection,
  satisfactionSection,
];
