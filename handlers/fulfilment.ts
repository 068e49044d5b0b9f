// After signing: the plan made at 签订 (milestones, payment nodes) and the fulfilment sections of
// 合同 <号> (progress, receivables, problems).

import { formatFen } from './domain/money';
import { todayIn } from './domain/dates';
import type { IsoDate } from './domain/types';
import type { Ctx, Deps } from './context';
import { createMilestonePlan, milestoneLines } from './milestones';
import { createPaymentPlan, receivableLines } from './payments';
import { problemLines } from './problems';
import type { ContractRecord } from './ports';

/** Creates the milestone plan and the payment nodes of a contract just signed; the lines that say so. */
export async function fulfilmentPlanLines(deps: Deps, ctx: Ctx, contract: ContractRecord, signedDate: IsoDate): Promise<string[]> {
  const milestones = await createMilestonePlan(deps, ctx, contract, signedDate);
  const payments = await createPaymentPlan(deps, ctx, contract, signedDate, milestones);
  const lines: string[] = [];
  if (milestones.length) {
    lines.push(`里程碑计划：${milestones.map((m) => `${m.seq}.${m.name} ${m.plannedDate}`).join('；')}`);
    lines.push(`完成时发送：完成 ${contract.number} <里程碑>；调整：延期 ${contract.number} <里程碑> <新日期> <原因>`);
  }
  if (payments.nodes.length) lines.push(`付款节点：${payments.nodes.map((n) => `${n.plannedDate} ${formatFen(n.amountFen)}`).join('；')}`);
  if (payments.note) lines.push(payments.note);
  return lines;
}

/** Progress, receivables and problems of a contract, for 合同 <号> (nothing before signing). */
export async function fulfilmentSections(deps: Deps, ctx: Ctx, contract: ContractRecord): Promise<string[]> {
  if (!contract.signedDate) return [];
  const today = todayIn(ctx.now, deps.policy.timezone);
  const milestones = await deps.repos.milestones.listByContract(ctx.tx, contract.id);
  const problems = await deps.repos.problems.listByContract(ctx.tx, contract.id);
  return [
    ...milestoneLines(milestones, today, (id) => deps.directory.nameOf(id)),
    ...(await receivableLines(deps, ctx, contract, today)),
    ...problemLines(deps, problems),
  ];
}
