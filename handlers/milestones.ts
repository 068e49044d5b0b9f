// Fulfilment milestones (product.md §2, §4): the plan made at signing from the contract type's
// template, 里程碑 (add), 完成 (done), 延期 (delay, with a reason, history kept), and each contract's
// progress (% done, days late) for 合同 <号>.

import { cleanLine } from './domain/text';
import { addDays, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { MAX_MILESTONES, daysLate, planMilestones } from './domain/fulfilment';
import { nextStatus } from './domain/contract-state';
import { canPlanFulfilment, canUpdateFulfilment } from './domain/permissions';
import type { IsoDate } from './domain/types';
import { audit, loadContract, notify, toPerson, type Ctx, type Deps } from './context';
import { PERFORMING_STATES, fulfilmentPolicy, namedPerson, requireState } from './fulfilment-common';
import type { ContractRecord, MilestoneRecord, View } from './ports';
import { text } from './views';

/** The milestone plan of a contract just signed, from its type's template; returns how it reads. */
export async function createMilestonePlan(deps: Deps, ctx: Ctx, contract: ContractRecord, signedDate: IsoDate): Promise<MilestoneRecord[]> {
  const policy = fulfilmentPolicy(deps).milestones;
  const template = policy.templates[contract.type] ?? [];
  if (template.length === 0) return [];
  const plan = planMilestones(template, contract, signedDate, policy.defaultTermDays);
  await deps.repos.milestones.insertMany(
    ctx.tx,
    plan.map((m, i) => ({
      contractId: contract.id,
      seq: i + 1,
      name: m.name,
      responsibleId: contract.ownerId,
      plannedDate: m.plannedDate,
      originalDate: m.plannedDate,
      status: 'open' as const,
      doneDate: null,
      delays: [],
      createdBy: ctx.actor.id,
      createdAt: ctx.now,
    })),
  );
  return deps.repos.milestones.listByContract(ctx.tx, contract.id);
}

/** A milestone by its position (`2`) or its name (case-insensitive). */
function findMilestone(milestones: MilestoneRecord[], contract: ContractRecord, reference: string): MilestoneRecord {
  const ref = cleanLine(reference);
  const found = /^\d+$/.test(ref)
    ? milestones.find((m) => m.seq === Number(ref))
    : milestones.find((m) => m.name === ref) ?? milestones.find((m) => m.name.toLowerCase() === ref.toLowerCase());
  if (found) return found;
  const names = milestones.map((m) => `${m.seq}.${m.name}`).join('、');
  throw new AppError(
    'not_found',
    milestones.length
      ? `合同 ${contract.number} 没有里程碑「${ref}」。现有：${names}（可写名称或序号）`
      : `合同 ${contract.number} 还没有里程碑。添加：里程碑 ${contract.number} <名称> 计划:<日期>`,
  );
}

export async function addMilestone(
  deps: Deps,
  ctx: Ctx,
  input: { contractNo: string; milestone: string; planned: IsoDate; responsible?: string },
): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  if (!canPlanFulfilment(deps.directory, ctx.actor, contract.ownerId)) {
    throw new AppError('forbidden', `只有合同负责人 ${deps.directory.nameOf(contract.ownerId)}、其上级或管理员可以为合同 ${contract.number} 添加里程碑。`);
  }
  requireState(contract, PERFORMING_STATES, '里程碑');
  if (/^\d+$/.test(input.milestone)) throw new AppError('invalid_input', `里程碑名称不能只是数字（数字表示序号）。例：里程碑 ${contract.number} 设备安装调试 计划:2027-03-15`);
  const responsible = input.responsible
    ? namedPerson(deps, input.responsible, `里程碑 ${contract.number} ${input.milestone} 计划:${input.planned} 负责人:吴九`)
    : deps.directory.get(contract.ownerId)!;
  const existing = await deps.repos.milestones.listByContract(ctx.tx, contract.id);
  if (existing.some((m) => m.name.toLowerCase() === input.milestone.toLowerCase())) {
    throw new AppError('duplicate', `合同 ${contract.number} 已有里程碑「${input.milestone}」，请换一个名称，或用「延期」调整它的日期。`);
  }
  if (existing.length >= MAX_MILESTONES) throw new AppError('invalid_input', `一个合同最多 ${MAX_MILESTONES} 个里程碑。`);
  const seq = Math.max(0, ...existing.map((m) => m.seq)) + 1;
  await deps.repos.milestones.insertMany(ctx.tx, [
    {
      contractId: contract.id,
      seq,
      name: input.milestone,
      responsibleId: responsible.id,
      plannedDate: input.planned,
      originalDate: input.planned,
      status: 'open',
      doneDate: null,
      delays: [],
      createdBy: ctx.actor.id,
      createdAt: ctx.now,
    },
  ]);
  await audit(deps, ctx, 'milestone.added', { contractId: contract.id }, { name: input.milestone, planned: input.planned, responsible: responsible.id });
  if (responsible.id !== ctx.actor.id) {
    await notify(deps, ctx, toPerson(responsible.id), `milestone-assigned:${contract.id}:${seq}`, [
      text(`${ctx.actor.name} 为合同 ${contract.number}「${contract.title}」添加了里程碑「${input.milestone}」，计划 ${input.planned} 完成，负责人：你。完成后发送：完成 ${contract.number} ${input.milestone}`),
    ]);
  }
  return [text(`已为 ${contract.number} 添加里程碑 ${seq}.「${input.milestone}」，计划 ${input.planned}，负责人 ${responsible.name}。`)];
}

export async function completeMilestone(deps: Deps, ctx: Ctx, input: { contractNo: string; milestone: string; date?: IsoDate }): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  const milestones = await deps.repos.milestones.listByContract(ctx.tx, contract.id);
  const m = findMilestone(milestones, contract, input.milestone);
  if (!canUpdateFulfilment(deps.directory, ctx.actor, contract.ownerId, m.responsibleId)) {
    throw new AppError('forbidden', `只有里程碑负责人 ${deps.directory.nameOf(m.responsibleId)}、合同负责人及其上级或管理员可以登记「${m.name}」完成。`);
  }
  requireState(contract, PERFORMING_STATES, '登记里程碑完成');
  if (m.status === 'done') throw new AppError('already_decided', `里程碑「${m.name}」已于 ${m.doneDate} 完成。`);
  const today = todayIn(ctx.now, deps.policy.timezone);
  const date = input.date ?? today;
  if (date > today) throw new AppError('invalid_input', `完成日期 ${date} 晚于今天，请填写实际完成日期。例：完成 ${contract.number} ${m.name} ${today}`);
  if (!(await deps.repos.milestones.update(ctx.tx, m.id, { status: 'open', plannedDate: m.plannedDate }, { status: 'done', doneDate: date }))) {
    throw new AppError('stale_version', `里程碑「${m.name}」刚被他人更新，请查看：合同 ${contract.number}`);
  }
  // The first milestone done means the work has started.
  if (contract.status === 'signed') {
    await deps.repos.contracts.update(ctx.tx, contract.id, { version: contract.version, status: 'signed' }, { status: nextStatus('signed', 'start'), updatedAt: ctx.now });
  }
  const late = daysLate({ ...m, status: 'done', doneDate: date, delayCount: m.delays.length }, today);
  await audit(deps, ctx, 'milestone.done', { contractId: contract.id }, { name: m.name, date, planned: m.plannedDate, late });
  if (contract.ownerId !== ctx.actor.id) {
    await notify(deps, ctx, toPerson(contract.ownerId), `milestone-done:${m.id}`, [text(`${ctx.actor.name} 已登记合同 ${contract.number} 的里程碑「${m.name}」于 ${date} 完成。`)]);
  }
  const done = milestones.filter((x) => x.status === 'done').length + 1;
  return [text(`已登记 ${contract.number} 里程碑「${m.name}」于 ${date} 完成${late ? `（比计划晚 ${late} 天）` : ''}。进度 ${done}/${milestones.length}。`)];
}

export async function delayMilestone(
  deps: Deps,
  ctx: Ctx,
  input: { contractNo: string; milestone: string; newDate: IsoDate; reason: string },
): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  const milestones = await deps.repos.milestones.listByContract(ctx.tx, contract.id);
  const m = findMilestone(milestones, contract, input.milestone);
  if (!canUpdateFulfilment(deps.directory, ctx.actor, contract.ownerId, m.responsibleId)) {
    throw new AppError('forbidden', `只有里程碑负责人 ${deps.directory.nameOf(m.responsibleId)}、合同负责人及其上级或管理员可以延期「${m.name}」。`);
  }
  requireState(contract, PERFORMING_STATES, '里程碑延期');
  if (m.status === 'done') throw new AppError('invalid_state', `里程碑「${m.name}」已于 ${m.doneDate} 完成，不能延期。`);
  if (input.newDate <= m.plannedDate) {
    throw new AppError('invalid_input', `新日期 ${input.newDate} 不晚于当前计划 ${m.plannedDate}，延期须晚于当前计划。例：延期 ${contract.number} ${m.name} ${addDays(m.plannedDate, 14)} <原因>`);
  }
  const delays = [...m.delays, { from: m.plannedDate, to: input.newDate, reason: input.reason, by: ctx.actor.id, at: ctx.now.toISOString() }];
  if (!(await deps.repos.milestones.update(ctx.tx, m.id, { status: 'open', plannedDate: m.plannedDate }, { plannedDate: input.newDate, delays }))) {
    throw new AppError('stale_version', `里程碑「${m.name}」刚被他人更新，请查看：合同 ${contract.number}`);
  }
  await audit(deps, ctx, 'milestone.delayed', { contractId: contract.id }, { name: m.name, from: m.plannedDate, to: input.newDate, reason: input.reason });
  const told = new Set([ctx.actor.id]);
  for (const personId of [contract.ownerId, m.responsibleId]) {
    if (told.has(personId)) continue;
    told.add(personId);
    await notify(deps, ctx, toPerson(personId), `milestone-delayed:${m.id}:${input.newDate}:${personId}`, [
      text(`${ctx.actor.name} 将合同 ${contract.number} 的里程碑「${m.name}」从 ${m.plannedDate} 延期到 ${input.newDate}，原因：${input.reason}`),
    ]);
  }
  return [text(`已将 ${contract.number} 里程碑「${m.name}」从 ${m.plannedDate} 延期到 ${input.newDate}（第 ${delays.length} 次延期），原因：${input.reason}`)];
}

/** The milestone section of 合同 <号>: progress, then one line per milestone. */
export function milestoneLines(milestones: MilestoneRecord[], today: IsoDate, nameOf: (id: string) => string): string[] {
  if (milestones.length === 0) return [];
  const done = milestones.filter((m) => m.status === 'done').length;
  const lateNow = milestones.filter((m) => m.status === 'open').map((m) => daysLate({ ...m, delayCount: m.delays.length }, today));
  const maxLate = Math.max(0, ...lateNow);
  const lines = [`里程碑：完成 ${done}/${milestones.length}（${Math.round((done / milestones.length) * 100)}%）${maxLate ? `，最长逾期 ${maxLate} 天` : ''}`];
  for (const m of milestones) {
    const late = daysLate({ ...m, delayCount: m.delays.length }, today);
    const state =
      m.status === 'done' ? `✓ ${m.doneDate} 完成${late ? `（晚 ${late} 天）` : ''}` : late ? `逾期 ${late} 天` : '未完成';
    const moved = m.delays.length ? `，延期 ${m.delays.length} 次（原计划 ${m.originalDate}；${m.delays[m.delays.length - 1]!.reason}）` : '';
    lines.push(`· ${m.seq}. ${m.name} 计划 ${m.plannedDate} ${state}，负责人 ${nameOf(m.responsibleId)}${moved}`);
  }
  return lines;
}
