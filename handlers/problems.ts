// Fulfilment problems (履约问题, product.md §4, §8): 问题 opens WT-<year>-<seq> with a deadline from
// the policy; 解决 records the resolution. Escalation of unresolved ones is in fulfilment-alerts.ts.

import { formatDateTime, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { canRaiseProblem, canUpdateFulfilment } from './domain/permissions';
import { audit, loadContract, notify, toPerson, type Ctx, type Deps } from './context';
import { AFTER_SIGNING_STATES, fulfilmentPolicy, namedPerson, requireState } from './fulfilment-common';
import type { ProblemRecord, View } from './ports';
import { text } from './views';

/** When a problem raised at `at` must be resolved: natural or working hours, per the policy. */
export function problemDeadline(deps: Deps, at: Date): Date {
  const policy = fulfilmentPolicy(deps).problems;
  return policy.workingHours ? deps.calendar.addWorkingHours(at, policy.resolveHours) : new Date(at.getTime() + policy.resolveHours * 3_600_000);
}

export async function raiseProblem(
  deps: Deps,
  ctx: Ctx,
  input: { contractNo: string; description: string; impact?: string; responsible?: string },
): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  if (!canRaiseProblem(deps.directory, ctx.actor, contract.ownerId)) {
    throw new AppError('forbidden', `只有合同负责人及其上级、法务/财务/总经理/管理员和售后服务人员可以登记合同 ${contract.number} 的履约问题。`);
  }
  requireState(contract, AFTER_SIGNING_STATES, '履约问题');
  const responsible = input.responsible
    ? namedPerson(deps, input.responsible, `问题 ${contract.number} 现场设备无法开机 负责人:吴九`)
    : deps.directory.get(contract.ownerId)!;
  const year = todayIn(ctx.now, deps.policy.timezone).slice(0, 4);
  const seq = await deps.repos.sequences.next(ctx.tx, `WT-${year}`);
  const number = `WT-${year}-${String(seq).padStart(4, '0')}`;
  const deadlineAt = problemDeadline(deps, ctx.now);
  const problem = await deps.repos.problems.insert(ctx.tx, {
    number,
    contractId: contract.id,
    description: input.description,
    impact: input.impact ?? null,
    raisedBy: ctx.actor.id,
    responsibleId: responsible.id,
    raisedAt: ctx.now,
    deadlineAt,
    status: 'open',
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
  });
  await audit(deps, ctx, 'problem.raised', { contractId: contract.id }, { number, responsible: responsible.id, deadline: deadlineAt.toISOString() });
  const due = formatDateTime(deadlineAt, deps.policy.timezone);
  const body = `合同 ${contract.number}「${contract.title}」履约问题 ${number}（${ctx.actor.name} 登记）：${input.description}${input.impact ? `\n影响：${input.impact}` : ''}\n请于 ${due} 前解决，解决后发送：解决 ${number} <说明>`;
  const told = new Set([ctx.actor.id]);
  for (const personId of [responsible.id, contract.ownerId]) {
    if (told.has(personId)) continue;
    told.add(personId);
    await notify(deps, ctx, toPerson(personId), `problem-raised:${problem.id}:${personId}`, [text(`⚠️ ${body}`)]);
  }
  return [text(`已登记履约问题 ${number}，负责人 ${responsible.name}，须于 ${due} 前解决。`)];
}

/** 解决 WT-…: records how a fulfilment problem was resolved (the parser sends WT- numbers here). */
export async function resolveProblem(deps: Deps, ctx: Ctx, input: { number: string; note: string }): Promise<View[]> {
  const problem = await deps.repos.problems.findByNumber(ctx.tx, input.number);
  if (!problem) throw new AppError('not_found', `找不到履约问题 ${input.number}，请检查编号。`);
  const contract = (await deps.repos.contracts.findById(ctx.tx, problem.contractId))!;
  if (!canUpdateFulfilment(deps.directory, ctx.actor, contract.ownerId, problem.responsibleId)) {
    throw new AppError('forbidden', `只有问题负责人 ${deps.directory.nameOf(problem.responsibleId)}、合同负责人及其上级或管理员可以登记 ${problem.number} 已解决。`);
  }
  if (problem.status === 'resolved' || !(await deps.repos.problems.resolve(ctx.tx, problem.id, { resolvedAt: ctx.now, resolvedBy: ctx.actor.id, resolution: input.note }))) {
    throw new AppError('already_decided', `履约问题 ${problem.number} 已经登记为解决。`);
  }
  const onTime = ctx.now <= problem.deadlineAt;
  await audit(deps, ctx, 'problem.resolved', { contractId: contract.id }, { number: problem.number, onTime, resolution: input.note });
  const told = new Set([ctx.actor.id]);
  for (const personId of [problem.raisedBy, contract.ownerId]) {
    if (told.has(personId)) continue;
    told.add(personId);
    await notify(deps, ctx, toPerson(personId), `problem-resolved:${problem.id}:${personId}`, [
      text(`✅ 履约问题 ${problem.number}（合同 ${contract.number}）已由 ${ctx.actor.name} 解决：${input.note}`),
    ]);
  }
  return [text(`已登记 ${problem.number} 已解决${onTime ? '' : '（已超过期限）'}：${input.note}`)];
}

/** The problem section of 合同 <号>. */
export function problemLines(deps: Deps, problems: ProblemRecord[]): string[] {
  if (problems.length === 0) return [];
  const tz = deps.policy.timezone;
  const open = problems.filter((p) => p.status === 'open').length;
  return [
    `履约问题：${problems.length} 个，未解决 ${open} 个`,
    ...problems.map((p) =>
      p.status === 'resolved'
        ? `· ${p.number} ✓ ${formatDateTime(p.resolvedAt!, tz)} 解决：${p.description}`
        : `· ${p.number} 未解决（期限 ${formatDateTime(p.deadlineAt, tz)}，负责人 ${deps.directory.nameOf(p.responsibleId)}）：${p.description}`,
    ),
  ];
}
