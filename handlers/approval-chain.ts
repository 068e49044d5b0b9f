// Turning a routing rule into people: who approves each step, and when each step is due.

import { todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { matchRoute } from './domain/routing';
import type { ChainStepSpec, Person } from './domain/types';
import type { Ctx, Deps } from './context';
import type { ApprovalStepRecord, ContractFieldsSnapshot, NewStep } from './ports';

export interface PlannedStep {
  seq: number;
  role: ApprovalStepRecord['role'];
  assignee: Person;
  hours: number;
}

export interface ChainPlan {
  ruleName: string;
  explanation: string;
  steps: PlannedStep[];
}

/** The chain a contract would get if `submitterId` submitted it now. */
export function planChain(deps: Deps, submitterId: string, fields: ContractFieldsSnapshot): ChainPlan {
  const { rule, explanation } = matchRoute(deps.policy.routing, fields);
  const steps = rule.chain.map((spec, i) => ({
    seq: i + 1,
    role: spec.person ? ('person' as const) : spec.role!,
    assignee: resolveAssignee(deps, spec, submitterId),
    hours: stepHours(deps, spec),
  }));
  return { ruleName: rule.name, explanation, steps };
}

function stepHours(deps: Deps, spec: ChainStepSpec): number {
  const byRole = deps.policy.stepHours;
  return spec.hours ?? (spec.person ? byRole.person : byRole[spec.role!]) ?? byRole.default;
}

/**
 * A role step goes to the submitter's own sales manager (for `sales_manager`) or to the first holder
 * of the role. Segregation of duties: a step that would land on the submitter goes to their manager.
 */
function resolveAssignee(deps: Deps, spec: ChainStepSpec, submitterId: string): Person {
  const { directory } = deps;
  let candidate: Person | undefined;
  if (spec.person) candidate = directory.get(spec.person);
  else if (spec.role === 'sales_manager') {
    candidate = directory.managersOf(submitterId).find((m) => m.roles.includes('sales_manager'));
  }
  if (!candidate && spec.role) {
    candidate = directory.holdersOf(spec.role).find((p) => p.id !== submitterId) ?? directory.holdersOf(spec.role)[0];
  }
  if (candidate?.id === submitterId) candidate = directory.managersOf(submitterId)[0];
  if (!candidate) {
    throw new AppError(
      'no_route',
      `找不到可以审批「${spec.person ?? spec.role}」这一步的人（不能是提交人本人），请联系管理员检查策略文件。`,
    );
  }
  return candidate;
}

/** Rows for a new approval round: the first step pending (its clock running), the rest waiting. */
export function stepsForRound(
  deps: Deps,
  ctx: Ctx,
  plan: ChainPlan,
  contract: { id: number; version: number; ownerId: string },
  round: number,
): NewStep[] {
  return plan.steps.map((s, i) => ({
    contractId: contract.id,
    version: contract.version,
    round,
    seq: s.seq,
    role: s.role,
    assigneeId: s.assignee.id,
    actingFor: null,
    status: 'waiting',
    hours: s.hours,
    activatedAt: null,
    dueAt: null,
    reminderCount: 0,
    lastRemindedAt: null,
    nextReminderAt: null,
    lastUrgedAt: null,
    decidedAt: null,
    decidedBy: null,
    decidedActingFor: null,
    comment: null,
    ...(i === 0 ? activation(deps, ctx, s.assignee.id, s.hours, contract.ownerId) : {}),
  }));
}

/**
 * The fields that start a step's clock. When the assignee is out of office and has a delegate, the
 * step goes to the delegate, who acts for the assignee (never to the submitter, though).
 */
export function activation(
  deps: Deps,
  ctx: Ctx,
  assigneeId: string,
  hours: number,
  submitterId: string,
): Pick<ApprovalStepRecord, 'status' | 'assigneeId' | 'actingFor' | 'activatedAt' | 'dueAt' | 'nextReminderAt'> {
  const delegate = deps.directory.activeDelegate(assigneeId, todayIn(ctx.now, deps.policy.timezone));
  const delegated = delegate && delegate.id !== submitterId;
  return {
    status: 'pending',
    assigneeId: delegated ? delegate.id : assigneeId,
    actingFor: delegated ? assigneeId : null,
    activatedAt: ctx.now,
    ...dueClock(deps, ctx.now, hours),
  };
}

/** A step's time limit starting at `now`; the first reminder is due when the limit is. */
export function dueClock(deps: Deps, now: Date, hours: number): Pick<ApprovalStepRecord, 'dueAt' | 'nextReminderAt'> {
  const dueAt = deps.calendar.addWorkingHours(now, hours);
  return { dueAt, nextReminderAt: dueAt };
}
