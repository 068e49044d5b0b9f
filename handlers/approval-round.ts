// Opening and closing approval rounds: shared by submit, edit (restart), withdraw and reject.

import { formatDateTime } from './domain/dates';
import { ROLE_LABEL } from './domain/contract-state';
import { planChain, stepsForRound } from './approval-chain';
import { customerOf, notify, toPerson, type Ctx, type Deps } from './context';
import type { ApprovalStepRecord, ContractRecord } from './ports';
import { approvalCard, card, text } from './views';

export interface OpenedRound {
  contract: ContractRecord;
  steps: ApprovalStepRecord[];
}

/** Starts a new round on the contract's current version and sends the first approver a card. */
export async function openRound(deps: Deps, ctx: Ctx, contract: ContractRecord): Promise<OpenedRound> {
  const plan = planChain(deps, contract.ownerId, contract);
  const round = contract.round + 1;
  const steps = await deps.repos.steps.insertMany(ctx.tx, stepsForRound(deps, ctx, plan, contract, round));
  const patch = {
    status: 'in_approval' as const,
    round,
    routeRule: plan.ruleName,
    routeExplanation: plan.explanation,
    submittedAt: ctx.now,
    updatedAt: ctx.now,
  };
  await deps.repos.contracts.update(ctx.tx, contract.id, { version: contract.version }, patch);
  const updated = { ...contract, ...patch };
  await sendApprovalCard(deps, ctx, updated, steps[0]!, steps);
  return { contract: updated, steps };
}

/** The approval card to the step's assignee (once per step: the outbox key dedupes). */
export async function sendApprovalCard(
  deps: Deps,
  ctx: Ctx,
  contract: ContractRecord,
  step: ApprovalStepRecord,
  roundSteps: ApprovalStepRecord[],
  keySuffix = '',
): Promise<void> {
  const customer = await customerOf(deps, ctx, contract.customerId);
  const proxy = step.actingFor ? `（你代 ${deps.directory.nameOf(step.actingFor)} 审批）` : '';
  await notify(deps, ctx, toPerson(step.assigneeId), `approval-card:${step.id}${keySuffix}`, [
    text(`${deps.directory.nameOf(contract.ownerId)} 提交的合同 ${contract.number} 等待你审批${proxy}。`),
    card(approvalCard(deps, contract, customer, step, roundSteps)),
  ]);
}

/**
 * Cancels the open steps of the current round, greys out the pending step's card with `why`, and
 * returns the steps whose people had been asked.
 */
export async function cancelOpenSteps(deps: Deps, ctx: Ctx, contract: ContractRecord, why: string): Promise<ApprovalStepRecord[]> {
  const round = (await deps.repos.steps.listByContract(ctx.tx, contract.id)).filter((s) => s.round === contract.round);
  for (const s of round) {
    if (s.status === 'pending' || s.status === 'waiting') {
      await deps.repos.steps.transition(ctx.tx, s.id, s.status, { status: 'cancelled', decidedAt: ctx.now, nextReminderAt: null });
    }
    if (s.status === 'pending') await updateHeldCard(deps, ctx, contract, s, round, s.assigneeId, why);
  }
  return round.filter((s) => s.status === 'pending' || s.status === 'approved');
}

/**
 * How many times a step has changed hands so far (its transfers in the audit trail). A step can come
 * back to someone (A → B → A); this number tells those holdings apart, so each gets its own messages.
 */
export async function handoversOf(deps: Deps, ctx: Ctx, step: ApprovalStepRecord): Promise<number> {
  const transfers = await deps.repos.audit.listByContractAndAction(ctx.tx, step.contractId, 'step.transferred');
  return transfers.filter((e) => e.detail.stepId === step.id).length;
}

/**
 * Makes the approval card a person holds final (greyed out, showing `status`) wherever it was sent:
 * every copy they still hold, including one sent when the step came back to them after a transfer.
 * The key names the holding (see handoversOf): a second holding's update is a new message, not a
 * duplicate of the first one's.
 */
export async function updateHeldCard(
  deps: Deps,
  ctx: Ctx,
  contract: ContractRecord,
  step: ApprovalStepRecord,
  roundSteps: ApprovalStepRecord[],
  holderId: string,
  status: string,
): Promise<void> {
  const customer = await customerOf(deps, ctx, contract.customerId);
  const cardKey = `approval:${step.id}`;
  const holding = await handoversOf(deps, ctx, step);
  await notify(deps, ctx, toPerson(holderId), `card-update:${cardKey}:${holderId}:h${holding}`, [card(approvalCard(deps, contract, customer, step, roundSteps, status))], {
    updatesCard: cardKey,
  });
}

/** Tells the people already asked in a round that it no longer needs them. */
export async function tellAsked(
  deps: Deps,
  ctx: Ctx,
  asked: ApprovalStepRecord[],
  message: string,
  keyPrefix: string,
): Promise<void> {
  for (const s of asked) {
    if (s.assigneeId === ctx.actor.id) continue;
    await notify(deps, ctx, toPerson(s.assigneeId), `${keyPrefix}:${s.id}`, [text(message)]);
  }
}

/** One line on where a round stands: `第 2/3 步 · 王五(法务) · 自 11-22 14:05 · 截止 11-23 10:00`. */
export function positionLine(deps: Deps, steps: ApprovalStepRecord[], now: Date): string | null {
  const current = steps.find((s) => s.status === 'pending');
  if (!current) return null;
  const tz = deps.policy.timezone;
  const role = current.role === 'person' ? '指定审批人' : ROLE_LABEL[current.role];
  const overdue = current.dueAt && current.dueAt < now ? '（已超时）' : '';
  return (
    `第 ${current.seq}/${steps.length} 步 · ${deps.directory.nameOf(current.assigneeId)}(${role})` +
    (current.activatedAt ? ` · 自 ${formatDateTime(current.activatedAt, tz)}` : '') +
    (current.dueAt ? ` · 截止 ${formatDateTime(current.dueAt, tz)}${overdue}` : '') +
    (current.reminderCount ? ` · 已提醒 ${current.reminderCount} 次` : '')
  );
}
