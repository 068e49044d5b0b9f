// Deciding approval steps: approve, reject, transfer, urge, and the approver's to-do list.

import { nextStatus } from './domain/contract-state';
import { formatDateTime, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import type { Person } from './domain/types';
import { activation, dueClock } from './approval-chain';
import { handoversOf, sendApprovalCard, updateHeldCard } from './approval-round';
import { audit, customerOf, loadContract, notify, toPerson, type Ctx, type Deps } from './context';
import type { ApprovalStepRecord, ContractRecord, View } from './ports';
import { approvalCard, card, decisionStamp, personWithProxy, text } from './views';

/** A card button names the exact step and version it was issued for; a typed command means "the current step". */
export interface StepRef {
  stepId: number;
  version: number;
}

interface Target {
  contract: ContractRecord;
  step: ApprovalStepRecord;
  roundSteps: ApprovalStepRecord[];
  /** Whom the actor acts for when deciding (the assignee, when the actor is their delegate). */
  actingFor: string | null;
}

const VERB: Record<string, string> = { approved: '已同意', rejected: '已驳回', cancelled: '已作废' };

/** Finds the step to decide and checks that the actor may decide it; throws a coded error otherwise. */
async function decidableStep(deps: Deps, ctx: Ctx, contractNo: string, ref?: StepRef): Promise<Target> {
  const contract = await loadContract(deps, ctx, contractNo);
  const all = await deps.repos.steps.listByContract(ctx.tx, contract.id);
  let step: ApprovalStepRecord | undefined;
  if (ref) {
    step = all.find((s) => s.id === ref.stepId);
    if (!step) throw new AppError('not_found', `合同 ${contract.number} 没有这个审批步骤。`);
    if (step.status === 'cancelled' || step.version !== contract.version || ref.version !== step.version) {
      throw new AppError(
        'stale_version',
        `这张卡片对应合同 ${contract.number} 的 v${ref.version}，合同已修改为 v${contract.version}，旧版本的审批已作废。` +
          (contract.status === 'in_approval' ? '请在新版本的审批卡片上处理（发送「待办」查看）。' : ''),
      );
    }
  } else {
    step = all.find((s) => s.round === contract.round && s.status === 'pending');
    if (!step) throw new AppError('invalid_state', `合同 ${contract.number} 当前没有待审批的步骤。`);
  }
  if (step.status !== 'pending') {
    if (step.status === 'waiting') throw new AppError('invalid_state', `这一步还没轮到（合同 ${contract.number} 的前面步骤尚未完成）。`);
    throw alreadyDecided(deps, step);
  }
  if (ctx.actor.id === contract.ownerId) {
    throw new AppError('forbidden', `不能审批自己提交的合同 ${contract.number}（职责分离）。`);
  }
  const actingFor = actingForOf(deps, ctx, step);
  if (actingFor === undefined) {
    throw new AppError(
      'forbidden',
      `合同 ${contract.number} 的这一步由 ${personWithProxy(deps.directory, step.assigneeId, step.actingFor)} 审批，你不能处理。`,
    );
  }
  return { contract, step, roundSteps: all.filter((s) => s.round === step.round), actingFor };
}

/** null: the actor is the assignee; a person id: the actor is that person's delegate; undefined: neither. */
function actingForOf(deps: Deps, ctx: Ctx, step: ApprovalStepRecord): string | null | undefined {
  if (ctx.actor.id === step.assigneeId) return step.actingFor;
  const delegate = deps.directory.activeDelegate(step.assigneeId, todayIn(ctx.now, deps.policy.timezone));
  return delegate?.id === ctx.actor.id ? step.assigneeId : undefined;
}

function alreadyDecided(deps: Deps, step: ApprovalStepRecord): AppError {
  const at = step.decidedAt ? ` · ${formatDateTime(step.decidedAt, deps.policy.timezone)}` : '';
  const who = step.decidedBy ? ` · ${personWithProxy(deps.directory, step.decidedBy, step.decidedActingFor)}` : '';
  return new AppError('already_decided', `这一步已经处理过了：${VERB[step.status] ?? step.status}${who}${at}。`);
}

/** The conditional update that makes a decision happen once, whatever arrives twice. */
async function decide(deps: Deps, ctx: Ctx, t: Target, status: 'approved' | 'rejected', comment: string | null) {
  const patch = { status, decidedAt: ctx.now, decidedBy: ctx.actor.id, decidedActingFor: t.actingFor, comment, nextReminderAt: null };
  const won = await deps.repos.steps.transition(ctx.tx, t.step.id, 'pending', patch);
  if (!won) throw alreadyDecided(deps, (await deps.repos.steps.findCommitted(ctx.tx, t.step.id)) ?? t.step);
  const decided = { ...t.step, ...patch };
  return { decided, roundSteps: t.roundSteps.map((s) => (s.id === decided.id ? decided : s)) };
}

export async function approveStep(
  deps: Deps,
  ctx: Ctx,
  input: { contractNo: string; comment?: string; ref?: StepRef },
): Promise<View[]> {
  const t = await decidableStep(deps, ctx, input.contractNo, input.ref);
  const { decided, roundSteps } = await decide(deps, ctx, t, 'approved', input.comment ?? null);
  await audit(deps, ctx, 'step.approved', { contractId: t.contract.id, actingFor: t.actingFor }, {
    stepId: decided.id,
    seq: decided.seq,
    version: decided.version,
    ...(input.comment ? { comment: input.comment } : {}),
  });
  const customer = await customerOf(deps, ctx, t.contract.customerId);
  const stamp = decisionStamp(deps, '已同意', decided, ctx.now);
  await updateHeldCard(deps, ctx, t.contract, decided, roundSteps, t.step.assigneeId, stamp);
  const next = roundSteps.find((s) => s.seq === decided.seq + 1);
  const owner = toPerson(t.contract.ownerId);
  const by = personWithProxy(deps.directory, ctx.actor.id, t.actingFor);
  const comment = input.comment ? `，意见：${input.comment}` : '';

  if (next) {
    const clock = activation(deps, ctx, next.assigneeId, next.hours, t.contract.ownerId);
    await deps.repos.steps.transition(ctx.tx, next.id, 'waiting', clock);
    const activated = { ...next, ...clock };
    const steps = roundSteps.map((s) => (s.id === next.id ? activated : s));
    await sendApprovalCard(deps, ctx, t.contract, activated, steps);
    await notify(deps, ctx, owner, `decision:${decided.id}`, [
      text(`${by} 已同意合同 ${t.contract.number}（第 ${decided.seq}/${steps.length} 步${comment}）。下一步：${deps.directory.nameOf(activated.assigneeId)}。`),
    ]);
    return [text(`已同意 ${t.contract.number}，已转给下一步 ${deps.directory.nameOf(activated.assigneeId)}。`), card(approvalCard(deps, t.contract, customer, decided, steps, stamp))];
  }

  const status = nextStatus(t.contract.status, 'approve_final');
  await deps.repos.contracts.update(ctx.tx, t.contract.id, { version: t.contract.version, status: t.contract.status }, { status, updatedAt: ctx.now });
  await audit(deps, ctx, 'contract.approved', { contractId: t.contract.id }, { round: t.contract.round, version: t.contract.version });
  await notify(deps, ctx, owner, `decision:${decided.id}`, [
    text(`合同 ${t.contract.number} 审批通过（最后一步：${by}${comment}）。签订后请登记：签订 ${t.contract.number} [日期]`),
  ]);
  return [text(`已同意 ${t.contract.number}，审批全部通过。`), card(approvalCard(deps, t.contract, customer, decided, roundSteps, stamp))];
}

export async function rejectStep(
  deps: Deps,
  ctx: Ctx,
  input: { contractNo: string; reason: string; ref?: StepRef },
): Promise<View[]> {
  if (!input.reason.trim()) throw new AppError('invalid_input', `驳回必须填写原因。例：驳回 ${input.contractNo} 付款条件不清楚`);
  const t = await decidableStep(deps, ctx, input.contractNo, input.ref);
  const { decided, roundSteps } = await decide(deps, ctx, t, 'rejected', input.reason);
  for (const s of roundSteps) if (s.status === 'waiting') await deps.repos.steps.transition(ctx.tx, s.id, 'waiting', { status: 'cancelled', decidedAt: ctx.now });
  const status = nextStatus(t.contract.status, 'reject');
  await deps.repos.contracts.update(ctx.tx, t.contract.id, { version: t.contract.version, status: t.contract.status }, { status, updatedAt: ctx.now });
  await audit(deps, ctx, 'step.rejected', { contractId: t.contract.id, actingFor: t.actingFor }, { stepId: decided.id, seq: decided.seq, version: decided.version, reason: input.reason });
  const by = personWithProxy(deps.directory, ctx.actor.id, t.actingFor);
  await notify(deps, ctx, toPerson(t.contract.ownerId), `decision:${decided.id}`, [
    text(`合同 ${t.contract.number} 被 ${by} 驳回，原因：${input.reason}\n修改后可重新提交：修改 ${t.contract.number} 字段:值，然后 提交 ${t.contract.number}`),
  ]);
  const customer = await customerOf(deps, ctx, t.contract.customerId);
  const stamp = decisionStamp(deps, '已驳回', decided, ctx.now);
  await updateHeldCard(deps, ctx, t.contract, decided, roundSteps, t.step.assigneeId, stamp);
  return [text(`已驳回 ${t.contract.number}，已通知 ${deps.directory.nameOf(t.contract.ownerId)}。`), card(approvalCard(deps, t.contract, customer, decided, roundSteps, stamp))];
}

export async function transferStep(
  deps: Deps,
  ctx: Ctx,
  input: { contractNo: string; to: string; ref?: StepRef },
): Promise<View[]> {
  const t = await decidableStep(deps, ctx, input.contractNo, input.ref);
  const target = transferTarget(deps, input.to, t.contract.number);
  if (target.id === t.contract.ownerId) throw new AppError('forbidden', `不能转交给提交人 ${target.name}：提交人不能审批自己的合同。`);
  if (target.id === t.step.assigneeId) throw new AppError('invalid_input', `这一步已经由 ${target.name} 审批。`);
  // The new approver gets a full time limit from now; reminders start over.
  const patch = { assigneeId: target.id, actingFor: null, activatedAt: ctx.now, ...dueClock(deps, ctx.now, t.step.hours), reminderCount: 0, lastRemindedAt: null };
  const won = await deps.repos.steps.transition(ctx.tx, t.step.id, 'pending', patch);
  if (!won) throw alreadyDecided(deps, (await deps.repos.steps.findCommitted(ctx.tx, t.step.id)) ?? t.step);
  const moved = { ...t.step, ...patch };
  const steps = t.roundSteps.map((s) => (s.id === moved.id ? moved : s));
  await audit(deps, ctx, 'step.transferred', { contractId: t.contract.id, actingFor: t.actingFor }, { stepId: moved.id, from: t.step.assigneeId, to: target.id });
  const holding = await handoversOf(deps, ctx, moved); // counts this transfer: A → B → A sends A a second card
  await sendApprovalCard(deps, ctx, t.contract, moved, steps, `:to:${target.id}:h${holding}`);
  await notify(deps, ctx, toPerson(t.contract.ownerId), `transferred:${moved.id}:h${holding}`, [
    text(`合同 ${t.contract.number} 第 ${moved.seq} 步已由 ${ctx.actor.name} 转交给 ${target.name}。`),
  ]);
  const customer = await customerOf(deps, ctx, t.contract.customerId);
  const stamp = `已转交 ${target.name} · ${ctx.actor.name} · ${formatDateTime(ctx.now, deps.policy.timezone)}`;
  await updateHeldCard(deps, ctx, t.contract, t.step, t.roundSteps, t.step.assigneeId, stamp);
  return [text(`已转交给 ${target.name}。`), card(approvalCard(deps, t.contract, customer, t.step, t.roundSteps, stamp))];
}

/** The person a transfer names: by id, identity or unique name; several with the name → the reply lists them. */
function transferTarget(deps: Deps, reference: string, contractNo: string): Person {
  const found = deps.directory.resolve(reference);
  if (found.person) return found.person;
  if (found.candidates.length === 0) throw new AppError('not_found', `通讯录里没有「${reference}」。例：转交 ${contractNo} 王五`);
  const list = found.candidates.map((p) => `${p.name}（账号 ${p.id}）`).join('、');
  const first = found.candidates[0]!;
  throw new AppError(
    'invalid_input',
    `通讯录里有 ${found.candidates.length} 位「${first.name}」：${list}。请用账号指明转交给谁，例：转交 ${contractNo} ${first.id}`,
  );
}

export async function urgeStep(deps: Deps, ctx: Ctx, input: { contractNo: string }): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  if (contract.ownerId !== ctx.actor.id) throw new AppError('forbidden', `只有提交人 ${deps.directory.nameOf(contract.ownerId)} 可以催办合同 ${contract.number}。`);
  if (contract.status !== 'in_approval') throw new AppError('invalid_state', `合同 ${contract.number} 不在审批中，无需催办。`);
  const all = await deps.repos.steps.listByContract(ctx.tx, contract.id);
  const step = all.find((s) => s.round === contract.round && s.status === 'pending');
  if (!step) throw new AppError('invalid_state', `合同 ${contract.number} 当前没有待审批的步骤。`);
  const throttle = deps.policy.urgeThrottleHours;
  if (step.lastUrgedAt && deps.calendar.workingHoursBetween(step.lastUrgedAt, ctx.now) < throttle) {
    const again = deps.calendar.addWorkingHours(step.lastUrgedAt, throttle);
    throw new AppError(
      'throttled',
      `已于 ${formatDateTime(step.lastUrgedAt, deps.policy.timezone)} 催办过；同一步骤每 ${throttle} 个工作小时最多催办一次，${formatDateTime(again, deps.policy.timezone)} 后可再催办。`,
    );
  }
  await deps.repos.steps.transition(ctx.tx, step.id, 'pending', { lastUrgedAt: ctx.now });
  await audit(deps, ctx, 'step.urged', { contractId: contract.id }, { stepId: step.id });
  await sendApprovalCard(deps, ctx, contract, step, all.filter((s) => s.round === step.round), `:urge:${ctx.now.getTime()}`);
  await notify(deps, ctx, toPerson(step.assigneeId), `urge:${step.id}:${ctx.now.getTime()}`, [
    text(`${ctx.actor.name} 催办：合同 ${contract.number} 正在等你审批。`),
  ]);
  return [text(`已催办 ${deps.directory.nameOf(step.assigneeId)}（合同 ${contract.number} 第 ${step.seq} 步）。`)];
}

/** Approval cards 待办 shows at once (the oldest); the reply says how many there are in all. */
export const TODO_SHOWN = 10;

/** My pending steps, oldest first, each as its approval card; includes steps I hold as a delegate. */
export async function todo(deps: Deps, ctx: Ctx): Promise<View[]> {
  const today = todayIn(ctx.now, deps.policy.timezone);
  const forWhom = [ctx.actor.id, ...deps.directory.people.filter((p) => deps.directory.activeDelegate(p.id, today)?.id === ctx.actor.id).map((p) => p.id)];
  const steps = await deps.repos.steps.listPendingForAssignees(ctx.tx, forWhom, TODO_SHOWN);
  if (steps.length === 0) return [text('你没有待审批的合同。')];
  const total = steps.length < TODO_SHOWN ? steps.length : await deps.repos.steps.countPendingForAssignees(ctx.tx, forWhom);
  // The contracts, customers and chains of the shown steps, each read once.
  const contracts = new Map((await deps.repos.contracts.findByIds(ctx.tx, steps.map((s) => s.contractId))).map((c) => [c.id, c]));
  const customers = new Map((await deps.repos.customers.findByIds(ctx.tx, [...contracts.values()].map((c) => c.customerId))).map((c) => [c.id, c]));
  const chains = await deps.repos.steps.listByContracts(ctx.tx, [...contracts.keys()]);
  const views: View[] = [text(total > steps.length ? `你有 ${total} 个待审批，显示最早的 ${steps.length} 个：` : `你有 ${total} 个待审批：`)];
  for (const step of steps) {
    const contract = contracts.get(step.contractId)!;
    const roundSteps = chains.filter((s) => s.contractId === contract.id && s.round === step.round);
    views.push(card(approvalCard(deps, contract, customers.get(contract.customerId) ?? null, step, roundSteps)));
  }
  return views;
}
