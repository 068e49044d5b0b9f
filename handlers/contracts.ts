// Contracts: draft, edit (a new version each time), submit, cancel, withdraw, sign, read.

import { EDITABLE_STATES, nextStatus, RISK_LABEL, STATUS_LABEL, TYPE_LABEL } from './domain/contract-state';
import { formatDateTime, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { formatFen } from './domain/money';
import { canCreate, canReadContract, canSign } from './domain/permissions';
import type { ContractFields as ContractInput } from './commands/command';
import type { ContractStatus, ContractType, FieldChange, IsoDate, Risk } from './domain/types';
import { planChain } from './approval-chain';
import { cancelOpenSteps, openRound, positionLine, tellAsked } from './approval-round';
import { audit, customerOf, loadContract, notify, requireOwner, toPerson, type Ctx, type Deps } from './context';
import { findCustomer } from './customers';
import { fulfilmentPlanLines, fulfilmentSections } from './fulfilment';
import type { ContractFieldsSnapshot, ContractRecord, View } from './ports';
import { card, chainLine, contractFields, personWithProxy, previewCard, text } from './views';

const snapshotOf = (c: ContractFieldsSnapshot): ContractFieldsSnapshot => ({
  title: c.title,
  customerId: c.customerId,
  type: c.type,
  amountFen: c.amountFen,
  risk: c.risk,
  startDate: c.startDate,
  endDate: c.endDate,
  autoRenew: c.autoRenew,
  paymentTerms: c.paymentTerms,
});

function diff(before: ContractFieldsSnapshot | null, after: ContractFieldsSnapshot): FieldChange[] {
  return (Object.keys(after) as (keyof ContractFieldsSnapshot)[])
    .filter((k) => !before || before[k] !== after[k])
    .map((k) => ({ field: k, from: before ? before[k] : null, to: after[k] }));
}

function checkPeriod(s: ContractFieldsSnapshot): void {
  if (s.startDate && s.endDate && s.startDate > s.endDate) {
    throw new AppError('invalid_input', `开始日期 ${s.startDate} 晚于结束日期 ${s.endDate}。例：修改 <合同号> 开始:2027-01-01 结束:2027-12-31`);
  }
}

export async function newContract(
  deps: Deps,
  ctx: Ctx,
  input: { fields: ContractInput & { customer: string } },
): Promise<View[]> {
  if (!canCreate(ctx.actor)) throw new AppError('forbidden', '只有销售、销售经理、总经理和管理员可以新建合同。');
  const f = input.fields;
  const customer = await findCustomer(deps, ctx, f.customer);
  const fields: ContractFieldsSnapshot = {
    title: f.title,
    customerId: customer.id,
    type: f.type,
    amountFen: f.amountFen,
    risk: f.risk ?? deps.policy.defaultRisk,
    startDate: f.startDate ?? null,
    endDate: f.endDate ?? null,
    autoRenew: f.autoRenew ?? false,
    paymentTerms: f.paymentTerms ?? null,
  };
  checkPeriod(fields);
  const plan = planChain(deps, ctx.actor.id, fields); // refuses now, not at submit, when nobody can approve
  const year = todayIn(ctx.now, deps.policy.timezone).slice(0, 4);
  const seq = await deps.repos.sequences.next(ctx.tx, `HT-${year}`);
  const number = `HT-${year}-${String(seq).padStart(4, '0')}`;
  const contract = await deps.repos.contracts.insert(ctx.tx, number, {
    ...fields,
    currency: 'CNY',
    ownerId: ctx.actor.id,
    status: 'draft',
    version: 1,
    round: 0,
    routeRule: null,
    routeExplanation: null,
    submittedAt: null,
    signedDate: null,
    createdAt: ctx.now,
  });
  await deps.repos.versions.insert(ctx.tx, {
    contractId: contract.id,
    version: 1,
    authorId: ctx.actor.id,
    createdAt: ctx.now,
    snapshot: fields,
    changes: diff(null, fields),
  });
  await audit(deps, ctx, 'contract.created', { contractId: contract.id, customerId: customer.id }, { number });
  return [text(`已创建合同草稿 ${number}。`), card(previewCard(deps, contract, customer, plan))];
}

export async function submitContract(deps: Deps, ctx: Ctx, input: { contractNo: string }): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  requireOwner(deps, ctx, contract, '提交');
  nextStatus(contract.status, 'submit');
  const { contract: submitted, steps } = await openRound(deps, ctx, contract);
  await audit(deps, ctx, 'contract.submitted', { contractId: contract.id }, { version: contract.version, round: submitted.round, rule: submitted.routeRule });
  return [
    text(
      `已提交审批 ${contract.number}（v${contract.version}）。\n审批链：${chainLine(deps.directory, steps)}\n` +
        `当前：${positionLine(deps, steps, ctx.now)}\n路由：${submitted.routeExplanation}`,
    ),
  ];
}

/** 取消: abandons a draft (its number is never reused). */
export async function cancelDraft(deps: Deps, ctx: Ctx, input: { contractNo: string }): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  requireOwner(deps, ctx, contract, '取消');
  const status = nextStatus(contract.status, 'cancel');
  await deps.repos.contracts.update(ctx.tx, contract.id, { version: contract.version, status: contract.status }, { status, updatedAt: ctx.now });
  await audit(deps, ctx, 'contract.cancelled', { contractId: contract.id });
  return [text(`已取消合同草稿 ${contract.number}。`)];
}

export async function withdrawContract(deps: Deps, ctx: Ctx, input: { contractNo: string }): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  requireOwner(deps, ctx, contract, '撤回');
  const status = nextStatus(contract.status, 'withdraw');
  const asked = await cancelOpenSteps(deps, ctx, contract, `已撤回 · ${ctx.actor.name} · ${formatDateTime(ctx.now, deps.policy.timezone)}`);
  await deps.repos.contracts.update(ctx.tx, contract.id, { version: contract.version, status: contract.status }, { status, updatedAt: ctx.now });
  await tellAsked(deps, ctx, asked, `${ctx.actor.name} 已撤回合同 ${contract.number}，无需再审批。`, `withdrawn:r${contract.round}`);
  await audit(deps, ctx, 'contract.withdrawn', { contractId: contract.id }, { round: contract.round });
  return [text(`已撤回 ${contract.number}。修改后可重新提交：提交 ${contract.number}`)];
}

export async function editContract(
  deps: Deps,
  ctx: Ctx,
  input: { contractNo: string; changes: Partial<ContractInput & { customer: string }> },
): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  requireOwner(deps, ctx, contract, '修改');
  if (!EDITABLE_STATES.includes(contract.status)) {
    throw new AppError('invalid_state', `合同 ${contract.number} 当前${STATUS_LABEL[contract.status]}，不能修改。`);
  }
  const { customer: customerQuery, ...changes } = input.changes;
  const before = snapshotOf(contract);
  const after: ContractFieldsSnapshot = { ...before };
  if (customerQuery !== undefined) after.customerId = (await findCustomer(deps, ctx, customerQuery)).id;
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) (after as unknown as Record<string, unknown>)[k] = v;
  checkPeriod(after);
  const changed = diff(before, after);
  if (changed.length === 0) throw new AppError('invalid_input', `修改内容与当前版本 v${contract.version} 相同，没有变化。`);

  const version = contract.version + 1;
  const ok = await deps.repos.contracts.update(ctx.tx, contract.id, { version: contract.version }, { ...after, version, updatedAt: ctx.now });
  if (!ok) throw new AppError('stale_version', `合同 ${contract.number} 刚被修改过，请查看最新版本后重试。`);
  await deps.repos.versions.insert(ctx.tx, { contractId: contract.id, version, authorId: ctx.actor.id, createdAt: ctx.now, snapshot: after, changes: changed });
  await audit(deps, ctx, 'contract.edited', { contractId: contract.id }, { version, changes: changed });
  const summary = (await describeChanges(deps, ctx, changed)).join('；');
  const edited: ContractRecord = { ...contract, ...after, version };

  if (contract.status !== 'in_approval') {
    return [text(`已修改 ${contract.number}，生成 v${version}：${summary}`)];
  }
  // Approvals are bound to a version: the old round ends and a new one starts on the new version.
  const asked = await cancelOpenSteps(deps, ctx, contract, `已作废 · 合同已修改为 v${version}`);
  await tellAsked(
    deps,
    ctx,
    asked,
    `合同 ${contract.number} 已被 ${ctx.actor.name} 修改为 v${version}（${summary}），之前 v${contract.version} 的审批已作废，审批将按新版本重新开始。`,
    `restarted:v${version}`,
  );
  nextStatus(contract.status, 'restart');
  const { steps } = await openRound(deps, ctx, edited);
  await audit(deps, ctx, 'approval.restarted', { contractId: contract.id }, { version, round: contract.round + 1 });
  return [
    text(
      `已修改 ${contract.number}，生成 v${version}：${summary}\n审批已按新版本重新开始：${chainLine(deps.directory, steps)}`,
    ),
  ];
}

const FIELD_LABEL: Record<string, string> = {
  title: '标题',
  customerId: '客户',
  type: '类型',
  amountFen: '金额',
  risk: '风险',
  startDate: '开始',
  endDate: '结束',
  autoRenew: '自动续约',
  paymentTerms: '付款',
};

function show(field: string, v: unknown, customerNames: Map<number, string>): string {
  if (v === null || v === undefined || v === '') return '—';
  if (field === 'amountFen') return formatFen(v as number);
  if (field === 'type') return TYPE_LABEL[v as ContractType];
  if (field === 'risk') return RISK_LABEL[v as Risk];
  if (field === 'autoRenew') return v ? '是' : '否';
  if (field === 'customerId') return customerNames.get(v as number) ?? `#${v}`;
  return String(v);
}

/** `金额 ¥300,000.00 → ¥600,000.00`, one per change; customers by name. */
async function describeChanges(deps: Deps, ctx: Ctx, changes: FieldChange[]): Promise<string[]> {
  const names = new Map<number, string>();
  for (const c of changes.filter((x) => x.field === 'customerId')) {
    for (const id of [c.from, c.to] as number[]) {
      const customer = id ? await customerOf(deps, ctx, id) : null;
      if (customer) names.set(id, customer.name);
    }
  }
  return changes.map((c) => `${FIELD_LABEL[c.field] ?? c.field} ${show(c.field, c.from, names)} → ${show(c.field, c.to, names)}`);
}

export async function signContract(deps: Deps, ctx: Ctx, input: { contractNo: string; date?: IsoDate }): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  if (!canSign(ctx.actor, contract.ownerId)) {
    throw new AppError('forbidden', `只有合同负责人、法务或管理员可以登记合同 ${contract.number} 的签订。`);
  }
  const status = nextStatus(contract.status, 'sign');
  const today = todayIn(ctx.now, deps.policy.timezone);
  const date = input.date ?? today;
  if (date > today) throw new AppError('invalid_input', `签订日期 ${date} 晚于今天，请填写实际签订日期。例：签订 ${contract.number} ${today}`);
  await deps.repos.contracts.update(ctx.tx, contract.id, { version: contract.version, status: contract.status }, { status, signedDate: date, updatedAt: ctx.now });
  await audit(deps, ctx, 'contract.signed', { contractId: contract.id }, { date });
  if (contract.ownerId !== ctx.actor.id) {
    await notify(deps, ctx, toPerson(contract.ownerId), `signed:${contract.id}`, [
      text(`${ctx.actor.name} 已登记合同 ${contract.number} 于 ${date} 签订。`),
    ]);
  }
  const plan = await fulfilmentPlanLines(deps, ctx, { ...contract, status }, date);
  return [text([`已登记 ${contract.number} 于 ${date} 签订，状态：${STATUS_LABEL[status]}。`, ...plan].join('\n'))];
}

const AUDIT_LABEL: Record<string, string> = {
  'contract.created': '创建草稿',
  'contract.submitted': '提交审批',
  'contract.edited': '修改',
  'approval.restarted': '审批重新开始',
  'contract.cancelled': '取消草稿',
  'contract.withdrawn': '撤回',
  'contract.signed': '登记签订',
  'step.approved': '同意',
  'step.rejected': '驳回',
  'step.transferred': '转交',
  'step.urged': '催办',
  'contract.approved': '审批通过',
  'milestone.added': '添加里程碑',
  'milestone.done': '里程碑完成',
  'milestone.delayed': '里程碑延期',
  'payment_node.added': '添加付款节点',
  'payment.received': '登记回款',
  'problem.raised': '登记履约问题',
  'problem.resolved': '履约问题已解决',
};

export async function contractDetails(deps: Deps, ctx: Ctx, input: { contractNo: string }): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  const steps = await deps.repos.steps.listByContract(ctx.tx, contract.id);
  const approvers = steps.flatMap((s) => [s.assigneeId, s.actingFor ?? '']).filter(Boolean);
  if (!canReadContract(deps.directory, ctx.actor, contract.ownerId, approvers)) {
    throw new AppError('forbidden', `合同 ${contract.number} 仅负责人、其上级、审批人及法务/财务/总经理/管理员可以查看。`);
  }
  const customer = await customerOf(deps, ctx, contract.customerId);
  const versions = await deps.repos.versions.listByContract(ctx.tx, contract.id);
  const events = await deps.repos.audit.listByContract(ctx.tx, contract.id);
  const tz = deps.policy.timezone;
  const round = steps.filter((s) => s.round === contract.round);
  const lines: string[] = [];
  if (contract.routeExplanation) lines.push(`路由：${contract.routeExplanation}`);
  if (round.length) {
    lines.push(`审批链（第 ${contract.round} 轮，v${round[0]!.version}）：${chainLine(deps.directory, round)}`);
    const position = positionLine(deps, round, ctx.now);
    if (position) lines.push(`当前：${position}`);
  }
  lines.push('版本：');
  for (const v of versions) {
    const what = v.version === 1 ? '创建' : (await describeChanges(deps, ctx, v.changes)).join('；');
    lines.push(`· v${v.version} ${formatDateTime(v.createdAt, tz)} ${deps.directory.nameOf(v.authorId)}：${what}`);
  }
  lines.push('时间线：');
  for (const e of events) {
    const who = personWithProxy(deps.directory, e.actorId ?? 'system', e.actingFor);
    const note = typeof e.detail.comment === 'string' && e.detail.comment ? `：${e.detail.comment}` : typeof e.detail.reason === 'string' ? `：${e.detail.reason}` : '';
    lines.push(`· ${formatDateTime(e.at, tz)} ${who} ${AUDIT_LABEL[e.action] ?? e.action}${note}`);
  }
  return [
    card({
      kind: 'contract',
      cardKey: `contract:${contract.id}`,
      title: `合同 ${contract.number}（${STATUS_LABEL[contract.status]}）`,
      subtitle: contract.title,
      fields: [
        ...contractFields(deps, contract, customer).filter((f) => f.label !== '合同'),
        { label: '版本', value: `v${contract.version}` },
        ...(contract.signedDate ? [{ label: '签订', value: contract.signedDate }] : []),
      ],
      lines: [...(await fulfilmentSections(deps, ctx, contract)), ...lines],
      buttons: [],
    }),
  ];
}

const STATUS_ORDER: ContractStatus[] = ['draft', 'in_approval', 'rejected', 'withdrawn', 'approved', 'signed', 'performing', 'completed', 'terminated', 'expired', 'archived'];

/** Contracts listed by 我的合同 (the newest); the counts per state cover all of them. */
export const MY_CONTRACTS_SHOWN = 50;

export async function myContracts(deps: Deps, ctx: Ctx): Promise<View[]> {
  const counts = await deps.repos.contracts.countByOwnerPerStatus(ctx.tx, ctx.actor.id);
  const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  if (total === 0) return [text('你还没有合同。新建：新建合同 客户:… 金额:50万 类型:销售 标题:…')];
  const shown = await deps.repos.contracts.listByOwnerInStates(ctx.tx, ctx.actor.id, STATUS_ORDER, MY_CONTRACTS_SHOWN);
  const lines: string[] = [];
  for (const status of STATUS_ORDER) {
    const n = counts[status] ?? 0;
    if (n === 0) continue;
    const group = shown.filter((c) => c.status === status).sort((a, b) => a.id - b.id);
    lines.push(`【${STATUS_LABEL[status]}】${n}${group.length < n ? `（显示最近 ${group.length} 个）` : ''}`);
    for (const c of group) lines.push(`· ${c.number} ${c.title} ${formatFen(c.amountFen)}`);
  }
  if (shown.length < total) lines.push(`显示最近 ${shown.length} / 共 ${total} 个。查看某个合同：合同 <合同号>`);
  return [card({ kind: 'list', title: `我的合同（${total}）`, fields: [], lines, buttons: [] })];
}
