// The report sections of what happens after signing (product.md §7): milestone delay rate by month,
// fulfilment-problem resolution, service tickets by priority with SLA attainment, satisfaction per
// dimension. Each reads through the feature's own read functions, limited to the report's owners.
// Figures are exact ratios (0–1) and means; the lines show percentages and rounded values.

import { addDays } from './domain/dates';
import type { Period } from './domain/period';
import { PRIORITY_LABEL } from './domain/service-sla';
import { formatRate, mean, percent, ratio } from './domain/stats';
import { milestonesDueIn, problemsRaisedIn, REPORT_ROWS, type MilestoneDue } from './fulfilment-reads';
import type { TicketPriority } from './ports';
import type { ReportSection, ReportSectionSource } from './report-sections';
import { averageRatings, ratingFigures, ticketFigures, type TicketFigure } from './service-figures';
import { RATING_KEYS, RATING_LABEL } from './service';

/** The report's half-open period as the inclusive local dates the fulfilment reads take. */
const localDays = (p: Period) => ({ from: p.fromDate, to: addDays(p.toDate, -1) });

/** The months a period covers, `2026-07` style (a period starts on a month's first day). */
export function monthsOf(p: Period): string[] {
  const out: string[] = [];
  let [y, m] = p.fromDate.split('-').map(Number) as [number, number];
  for (let key = p.fromDate.slice(0, 7); `${key}-01` < p.toDate; ) {
    out.push(key);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
    key = `${y}-${String(m).padStart(2, '0')}`;
  }
  return out;
}

const monthLabel = (key: string) => `${Number(key.slice(5))}月`;
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const round2 = (n: number) => (Math.round(n * 100) / 100).toFixed(2);
const fmtHours = (h: number | null) => (h === null ? '—' : `${round1(h)} 小时`);
const truncatedLine = (what: string) => ({ label: '注意', value: `期内${what}超过 ${REPORT_ROWS} 条，只统计了前 ${REPORT_ROWS} 条` });

export const milestoneDelaySection: ReportSectionSource = {
  key: 'milestone_delays',
  async compute(deps, ctx, { period, owners }) {
    const { milestones, truncated } = await milestonesDueIn(deps, ctx, localDays(period), owners);
    const delayed = milestones.filter((m) => m.delayed);
    const months = monthsOf(period).map((key) => {
      const due = milestones.filter((m) => m.originalDate.startsWith(key));
      return { key, due: due.length, delayed: due.filter((m) => m.delayed).length };
    });
    const figures: Record<string, number | null> = {
      milestonesDue: milestones.length,
      milestonesDelayed: delayed.length,
      milestoneDelayRate: ratio(delayed.length, milestones.length),
    };
    for (const m of months) {
      figures[`milestones:${m.key}:due`] = m.due;
      figures[`milestones:${m.key}:delayed`] = m.delayed;
      figures[`milestones:${m.key}:delayRate`] = ratio(m.delayed, m.due);
    }
    const latest = [...delayed].filter((m) => m.daysLate > 0).sort((a, b) => b.daysLate - a.daysLate).slice(0, 3);
    const describe = (m: MilestoneDue) => `${m.contractNo} ${m.name} ${m.daysLate} 天`;
    return {
      key: 'milestone_delays',
      title: '里程碑延期率（延期 / 到期）',
      figures,
      lines: [
        { label: '期内到期', value: `${milestones.length} 个` },
        { label: '延期', value: `${delayed.length} 个` },
        { label: '延期率', value: formatRate(delayed.length, milestones.length) },
        ...(months.length > 1 ? months.map((m) => ({ label: `· ${monthLabel(m.key)}`, value: formatRate(m.delayed, m.due) })) : []),
        ...(latest.length ? [{ label: '逾期最久', value: latest.map(describe).join('；') }] : []),
        ...(truncated ? [truncatedLine('里程碑')] : []),
      ],
      table: {
        header: ['月份', '到期(个)', '延期(个)', '延期率(%)'],
        rows: months.map((m) => [m.key, m.due, m.delayed, percent(ratio(m.delayed, m.due))]),
      },
      chart: milestones.length
        ? {
            title: `里程碑延期率（按月）${period.label}`,
            labels: months.map((m) => `${monthLabel(m.key)}（到期 ${m.due}）`),
            series: [{ name: '延期率', values: months.map((m) => percent(ratio(m.delayed, m.due))) }],
            unit: '%',
            width: 800,
            height: 450,
          }
        : undefined,
    };
  },
};

export const problemResolutionSection: ReportSectionSource = {
  key: 'problems',
  async compute(deps, ctx, { period, owners }) {
    const { problems, truncated } = await problemsRaisedIn(deps, ctx, localDays(period), owners);
    const resolved = problems.filter((p) => p.resolvedAt !== null);
    const onTime = problems.filter((p) => p.resolvedOnTime).length;
    const openOverdue = problems.filter((p) => p.resolvedAt === null && p.deadlineAt <= ctx.now).length;
    const meanHours = mean(resolved.map((p) => (p.resolvedAt!.getTime() - p.raisedAt.getTime()) / 3_600_000));
    return {
      key: 'problems',
      title: '履约问题解决率',
      figures: {
        problemsRaised: problems.length,
        problemsResolved: resolved.length,
        problemsResolvedOnTime: onTime,
        problemsOpenOverdue: openOverdue,
        problemResolutionRate: ratio(resolved.length, problems.length),
        problemOnTimeRate: ratio(onTime, problems.length),
        problemMeanResolutionHours: meanHours,
      },
      lines: [
        { label: '期内提出', value: `${problems.length} 个` },
        { label: '解决率（已解决 / 提出）', value: formatRate(resolved.length, problems.length) },
        { label: '按期解决率（期限内解决 / 提出）', value: formatRate(onTime, problems.length) },
        { label: '逾期解决', value: `${resolved.length - onTime} 个` },
        { label: '超期未解决', value: `${openOverdue} 个` },
        { label: '平均解决用时', value: fmtHours(meanHours) },
        ...(truncated ? [truncatedLine('履约问题')] : []),
      ],
    };
  },
};

const PRIORITIES = Object.keys(PRIORITY_LABEL) as TicketPriority[];

/** How a priority's tickets did: counts of met and missed deadlines (undecided ones count in neither). */
function slaOf(tickets: TicketFigure[]) {
  const count = (f: (t: TicketFigure) => boolean | null, v: boolean) => tickets.filter((t) => f(t) === v).length;
  const responseMet = count((t) => t.responseMet, true);
  const responseMissed = count((t) => t.responseMet, false);
  const resolutionMet = count((t) => t.resolutionMet, true);
  const resolutionMissed = count((t) => t.resolutionMet, false);
  const measured = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  return {
    opened: tickets.length,
    responseMet,
    responseMissed,
    resolutionMet,
    resolutionMissed,
    responseAttainment: ratio(responseMet, responseMet + responseMissed),
    resolutionAttainment: ratio(resolutionMet, resolutionMet + resolutionMissed),
    meanResponseHours: mean(measured(tickets.map((t) => t.responseHours))),
    meanResolutionHours: mean(measured(tickets.map((t) => t.resolutionHours))),
  };
}

export const ticketSlaSection: ReportSectionSource = {
  key: 'service_sla',
  async compute(deps, ctx, { period, owners }) {
    const tickets = await ticketFigures(deps, ctx, period.from, period.to, owners);
    const all = slaOf(tickets);
    const byPriority = PRIORITIES.map((p) => ({ p, ...slaOf(tickets.filter((t) => t.priority === p)) }));
    const figures: Record<string, number | null> = {
      ticketsOpened: all.opened,
      ticketResponseAttainment: all.responseAttainment,
      ticketResolutionAttainment: all.resolutionAttainment,
    };
    for (const g of byPriority) {
      figures[`tickets:${g.p}:opened`] = g.opened;
      figures[`tickets:${g.p}:responseAttainment`] = g.responseAttainment;
      figures[`tickets:${g.p}:resolutionAttainment`] = g.resolutionAttainment;
      figures[`tickets:${g.p}:meanResponseHours`] = g.meanResponseHours;
      figures[`tickets:${g.p}:meanResolutionHours`] = g.meanResolutionHours;
    }
    const shown = byPriority.filter((g) => g.opened > 0);
    const rates = (g: ReturnType<typeof slaOf>) =>
      `响应达标 ${formatRate(g.responseMet, g.responseMet + g.responseMissed)}，解决达标 ${formatRate(g.resolutionMet, g.resolutionMet + g.resolutionMissed)}`;
    return {
      key: 'service_sla',
      title: '售后工单 SLA 达成（按优先级）',
      figures,
      lines: [
        { label: '期内报修', value: `${all.opened} 单；${rates(all)}` },
        ...shown.map((g) => ({
          label: `· ${PRIORITY_LABEL[g.p]}`,
          value: `${g.opened} 单；${rates(g)}；平均响应 ${fmtHours(g.meanResponseHours)}，平均解决 ${fmtHours(g.meanResolutionHours)}`,
        })),
      ],
      table: {
        header: ['优先级', '工单数', '响应达标(单)', '响应超时(单)', '响应达标率(%)', '解决达标(单)', '解决超时(单)', '解决达标率(%)', '平均响应(小时)', '平均解决(小时)'],
        rows: byPriority.map((g) => [
          PRIORITY_LABEL[g.p], g.opened, g.responseMet, g.responseMissed, percent(g.responseAttainment),
          g.resolutionMet, g.resolutionMissed, percent(g.resolutionAttainment), round1(g.meanResponseHours), round1(g.meanResolutionHours),
        ]),
      },
      chart: shown.length
        ? {
            title: `售后工单 SLA 达成率 ${period.label}`,
            labels: shown.map((g) => `${PRIORITY_LABEL[g.p]}（${g.opened} 单）`),
            series: [
              { name: '响应达标率', values: shown.map((g) => percent(g.responseAttainment)) },
              { name: '解决达标率', values: shown.map((g) => percent(g.resolutionAttainment)) },
            ],
            unit: '%',
            width: 800,
            height: 450,
          }
        : undefined,
    };
  },
};

export const satisfactionSection: ReportSectionSource = {
  key: 'satisfaction',
  async compute(deps, ctx, { period, owners }): Promise<ReportSection> {
    const ratings = await ratingFigures(deps, ctx, period.from, period.to, owners);
    const averages = averageRatings(ratings);
    const overall = averages ? mean(RATING_KEYS.map((k) => averages[k])) : null;
    const figures: Record<string, number | null> = { ratingsGiven: ratings.length, 'rating:overall': overall };
    for (const k of RATING_KEYS) figures[`rating:${k}`] = averages ? averages[k] : null;
    return {
      key: 'satisfaction',
      title: '客户满意度（1–5 分）',
      figures,
      lines: [
        { label: '期内评价', value: `${ratings.length} 次` },
        ...RATING_KEYS.map((k) => ({ label: RATING_LABEL[k], value: averages ? `${round2(averages[k])} 分` : '—' })),
        { label: '综合', value: overall === null ? '—' : `${round2(overall)} 分` },
      ],
    };
  },
};
