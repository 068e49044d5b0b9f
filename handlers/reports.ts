// Reports (product.md §7): `报表 [时间段]` in chat, the quarterly report to the management channel,
// and CSV exports of a report and of the contract ledger. The figures come from REPORT_SECTIONS.
//
// Who may ask: legal, finance, gm and admin see the whole company; a sales manager sees their team
// (themselves and everyone reporting to them); a salesperson sees their own figures; anyone else is
// refused. The scope is decided before any figure is read.

import { STATUS_LABEL, TYPE_LABEL, RISK_LABEL } from './domain/contract-state';
import { toCsv, type CsvCell } from './domain/csv';
import { diffDays, formatFullDateTime, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { READ_ALL_ROLES } from './domain/permissions';
import { previousQuarter, type Period } from './domain/period';
import type { Person } from './domain/types';
import { notify, type Ctx, type Deps } from './context';
import type { Attachment, Markup, View } from './ports';
import { REPORT_SECTIONS, type ReportQuery, type ReportSection } from './report-sections';
import { markdown, md, mdLines, text } from './views';

export interface Report {
  period: Period;
  scopeLabel: string;
  generatedAt: Date;
  sections: ReportSection[];
}

export interface ReportScope {
  owners: string[] | null;
  label: string;
}

/** Most ledger rows one export carries (the rest: export by team, or ask an administrator). */
export const LEDGER_EXPORT_LIMIT = 10_000;

export function reportScope(deps: Deps, actor: Person): ReportScope {
  if (actor.roles.some((r) => READ_ALL_ROLES.includes(r))) return { owners: null, label: '全公司' };
  if (actor.roles.includes('sales_manager')) return { owners: [actor.id, ...deps.directory.reportsOf(actor.id).map((p) => p.id)], label: '本团队' };
  if (actor.roles.includes('sales')) return { owners: [actor.id], label: `${actor.name} 本人` };
  throw new AppError('forbidden', '报表仅对销售、销售经理、法务、财务、总经理和管理员开放。');
}

export async function buildReport(deps: Deps, ctx: Ctx, period: Period, scope: ReportScope): Promise<Report> {
  const q: ReportQuery = { period, owners: scope.owners };
  const sections: ReportSection[] = [];
  for (const source of REPORT_SECTIONS) {
    const section = await source.compute(deps, ctx, q);
    if (section) sections.push(section);
  }
  return { period, scopeLabel: scope.label, generatedAt: ctx.now, sections };
}

const reportTitle = (r: Report) => `合同报表 · ${r.period.label}（${r.scopeLabel}）`;

/** The report as one markdown message. */
export function reportMarkdown(deps: Deps, r: Report): View {
  const lines: Markup[] = [md`统计区间 ${r.period.fromDate} 至 ${r.period.toDate}（不含），生成于 ${formatFullDateTime(r.generatedAt, deps.policy.timezone)}`];
  for (const s of r.sections) {
    lines.push(md`**${s.title}**`);
    for (const l of s.lines) lines.push(md`${l.label}：${l.value}`);
  }
  return markdown(reportTitle(r), mdLines(lines));
}

export const chartAttachments = (r: Report): Attachment[] =>
  r.sections.flatMap((s) => (s.chart ? [{ kind: 'chart' as const, fileName: `report-${r.period.key}-${s.key}.png`, chart: s.chart }] : []));

/** The report as CSV: one row per figure line, then each section's table row by row. */
export function reportCsv(r: Report): string {
  const rows: CsvCell[][] = [];
  for (const s of r.sections) {
    for (const l of s.lines) rows.push([r.period.label, s.title, l.label, l.value]);
    for (const row of s.table?.rows ?? []) {
      const [who, ...values] = row;
      s.table!.header.slice(1).forEach((h, i) => rows.push([r.period.label, s.title, `${String(who ?? '')} · ${h}`, values[i]]));
    }
  }
  return toCsv(['期间', '板块', '项目', '数值'], rows);
}

/** `报表 [时间段]`: the figures in chat, with the charts as images. */
export async function showReport(deps: Deps, ctx: Ctx, input: { period: Period }): Promise<View[]> {
  const scope = reportScope(deps, ctx.actor);
  const report = await buildReport(deps, ctx, input.period, scope);
  ctx.attachments?.push(...chartAttachments(report));
  return [reportMarkdown(deps, report)];
}

/** `导出 报表 [时间段]` / `导出 台账`: a CSV file (or a download link, by platform). */
export async function exportData(deps: Deps, ctx: Ctx, input: { what: 'report'; period: Period } | { what: 'ledger' }): Promise<View[]> {
  const scope = reportScope(deps, ctx.actor);
  if (!ctx.attachments) throw new AppError('invalid_state', '这里不能发送文件，请在与机器人的单聊或群聊中导出。');
  if (input.what === 'report') {
    const report = await buildReport(deps, ctx, input.period, scope);
    ctx.attachments.push({ kind: 'csv', fileName: `report-${input.period.key}.csv`, content: reportCsv(report) });
    return [text(`已导出 ${reportTitle(report)} 的 CSV 文件（UTF-8，可用 Excel 打开）。`)];
  }
  const contracts = await deps.repos.reports.listLedger(ctx.tx, scope.owners, LEDGER_EXPORT_LIMIT + 1);
  const shown = contracts.slice(0, LEDGER_EXPORT_LIMIT);
  const customers = new Map((await deps.repos.customers.findByIds(ctx.tx, [...new Set(shown.map((c) => c.customerId))])).map((c) => [c.id, c]));
  const tz = deps.policy.timezone;
  const rows: CsvCell[][] = shown.map((c) => [
    c.number,
    c.title,
    customers.get(c.customerId)?.code ?? '',
    customers.get(c.customerId)?.name ?? '',
    TYPE_LABEL[c.type],
    (c.amountFen / 100).toFixed(2),
    RISK_LABEL[c.risk],
    STATUS_LABEL[c.status],
    deps.directory.nameOf(c.ownerId),
    c.startDate ?? '',
    c.endDate ?? '',
    c.signedDate ?? '',
    formatFullDateTime(c.createdAt, tz),
  ]);
  const header = ['合同号', '标题', '客户编码', '客户', '类型', '金额(元)', '风险', '状态', '负责人', '开始', '结束', '签订日期', '创建时间'];
  const today = todayIn(ctx.now, tz);
  ctx.attachments.push({ kind: 'csv', fileName: `ledger-${today}.csv`, content: toCsv(header, rows) });
  const more = contracts.length > LEDGER_EXPORT_LIMIT ? `（只导出了前 ${LEDGER_EXPORT_LIMIT} 份）` : '';
  return [text(`已导出合同台账（${scope.label}，${shown.length} 份合同${more}）的 CSV 文件。`)];
}

/** Days into a quarter during which the previous quarter's report is still sent if it was missed. */
export const QUARTERLY_CATCH_UP_DAYS = 15;

export interface ReportPolicy {
  /** The channel the quarterly report goes to (policy `alerts.report`); none: no quarterly report. */
  channel?: string;
}

/**
 * The quarterly report for the whole company, on the first working day after the quarter, to the
 * report channel, once per quarter (its outbox key). Runs as often as the job runs: it catches up
 * on a later working day if the first one was missed. Returns the quarter's key when it queued it.
 */
export async function quarterlyReport(deps: Deps, ctx: Ctx, policy: ReportPolicy): Promise<string | null> {
  if (!policy.channel || !deps.calendar.isWorkingTime(ctx.now)) return null;
  const quarter = previousQuarter(ctx.now, deps.policy.timezone);
  // Catch-up window: a bot that was down on the first working day still sends it, a little later.
  if (diffDays(quarter.toDate, todayIn(ctx.now, deps.policy.timezone)) >= QUARTERLY_CATCH_UP_DAYS) return null;
  const report = await buildReport(deps, ctx, quarter, { owners: null, label: '全公司' });
  await notify(deps, ctx, { kind: 'channel', channel: policy.channel }, `report:quarterly:${quarter.key}`, [reportMarkdown(deps, report)], {
    attachments: [...chartAttachments(report), { kind: 'csv', fileName: `report-${quarter.key}.csv`, content: reportCsv(report) }],
  });
  return quarter.key;
}
