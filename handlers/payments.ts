// Payment nodes (付款节点) and receipts (回款): the nodes from a contract's structured 付款 at signing
// or added by command, receipts that can never take the received total above the contract amount,
// and the receivable status (planned, received, outstanding, overdue) for 合同 <号>.

import { diffDays, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { formatFen } from './domain/money';
import { MAX_PAYMENT_NODES, parsePaymentTerms, resolvePaymentPlan } from './domain/payment-terms';
import { canPlanFulfilment, canRecordReceipt } from './domain/permissions';
import type { IsoDate } from './domain/types';
import { audit, loadContract, notify, toPerson, type Ctx, type Deps } from './context';
import { AFTER_SIGNING_STATES, PERFORMING_STATES, requireState } from './fulfilment-common';
import type { ContractRecord, MilestoneRecord, PaymentNodeRecord, View } from './ports';
import { text } from './views';

/**
 * The nodes of a contract's structured 付款 at signing (none for free text). Returns a note for the
 * signing reply when the terms could not become nodes.
 */
export async function createPaymentPlan(
  deps: Deps,
  ctx: Ctx,
  contract: ContractRecord,
  signedDate: IsoDate,
  milestones: MilestoneRecord[],
): Promise<{ nodes: PaymentNodeRecord[]; note?: string }> {
  if (!contract.paymentTerms) return { nodes: [] };
  const terms = parsePaymentTerms(contract.paymentTerms, ctx.now, deps.policy.timezone);
  if (terms.kind === 'free') return { nodes: [] };
  const manual = `可用「付款节点 ${contract.number} <日期> <金额>」逐笔添加。`;
  if (terms.kind === 'invalid') return { nodes: [], note: `付款条件未能生成付款节点（${terms.reason}）。${manual}` };
  // 验收: the planned date of the last milestone about acceptance, if the plan has one.
  const acceptance = [...milestones].reverse().find((m) => /验收/.test(m.name))?.plannedDate ?? null;
  const plan = resolvePaymentPlan(terms.items, contract, { signed: signedDate, acceptance });
  if ('reason' in plan) return { nodes: [], note: `付款条件未能生成付款节点（${plan.reason}）。${manual}` };
  await deps.repos.payments.insertNodes(
    ctx.tx,
    plan.nodes.map((n, i) => ({
      contractId: contract.id,
      seq: i + 1,
      plannedDate: n.plannedDate,
      amountFen: n.amountFen,
      receivedFen: 0,
      label: n.label,
      source: 'terms' as const,
      createdBy: ctx.actor.id,
      createdAt: ctx.now,
    })),
  );
  return { nodes: await allocate(deps, ctx, contract.id) };
}

/**
 * Spreads the contract's received total over its nodes, earliest planned first, and stores what
 * changed. Receipts are not tied to nodes: money received pays the oldest open node.
 */
async function allocate(deps: Deps, ctx: Ctx, contractId: number): Promise<PaymentNodeRecord[]> {
  const nodes = await deps.repos.payments.listNodes(ctx.tx, contractId);
  let left = await deps.repos.payments.receivedOf(ctx.tx, contractId);
  const changed: { id: number; receivedFen: number }[] = [];
  const out = nodes.map((n) => {
    const receivedFen = Math.min(n.amountFen, left);
    left -= receivedFen;
    if (receivedFen !== n.receivedFen) changed.push({ id: n.id, receivedFen });
    return { ...n, receivedFen };
  });
  await deps.repos.payments.setNodeReceived(ctx.tx, changed);
  return out;
}

export async function addPaymentNode(
  deps: Deps,
  ctx: Ctx,
  input: { contractNo: string; date: IsoDate; amountFen: number; label?: string },
): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  if (!canPlanFulfilment(deps.directory, ctx.actor, contract.ownerId)) {
    throw new AppError('forbidden', `只有合同负责人 ${deps.directory.nameOf(contract.ownerId)}、其上级或管理员可以为合同 ${contract.number} 添加付款节点。`);
  }
  requireState(contract, PERFORMING_STATES, '添加付款节点');
  const nodes = await deps.repos.payments.listNodes(ctx.tx, contract.id);
  if (nodes.length >= MAX_PAYMENT_NODES) throw new AppError('invalid_input', `一个合同最多 ${MAX_PAYMENT_NODES} 个付款节点。`);
  const planned = nodes.reduce((sum, n) => sum + n.amountFen, 0);
  if (planned + input.amountFen > contract.amountFen) {
    throw new AppError(
      'invalid_input',
      `付款节点合计将达 ${formatFen(planned + input.amountFen)}，超过合同金额 ${formatFen(contract.amountFen)}（已计划 ${formatFen(planned)}，最多还可计划 ${formatFen(contract.amountFen - planned)}）。`,
    );
  }
  const seq = Math.max(0, ...nodes.map((n) => n.seq)) + 1;
  const label = input.label ?? `${input.date} 付款`;
  await deps.repos.payments.insertNodes(ctx.tx, [
    { contractId: contract.id, seq, plannedDate: input.date, amountFen: input.amountFen, receivedFen: 0, label, source: 'manual', createdBy: ctx.actor.id, createdAt: ctx.now },
  ]);
  await allocate(deps, ctx, contract.id);
  await audit(deps, ctx, 'payment_node.added', { contractId: contract.id }, { date: input.date, amountFen: input.amountFen, label });
  return [text(`已为 ${contract.number} 添加付款节点：${input.date} ${formatFen(input.amountFen)}（${label}）。已计划 ${formatFen(planned + input.amountFen)} / 合同金额 ${formatFen(contract.amountFen)}。`)];
}

export async function recordReceipt(deps: Deps, ctx: Ctx, input: { contractNo: string; amountFen: number; date?: IsoDate }): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  if (!canRecordReceipt(deps.directory, ctx.actor, contract.ownerId)) {
    throw new AppError('forbidden', `只有合同负责人、其上级、财务或管理员可以登记合同 ${contract.number} 的回款。`);
  }
  requireState(contract, AFTER_SIGNING_STATES, '登记回款');
  const today = todayIn(ctx.now, deps.policy.timezone);
  const date = input.date ?? today;
  if (date > today) throw new AppError('invalid_input', `回款日期 ${date} 晚于今天，请填写实际到账日期。例：回款 ${contract.number} ${formatFen(input.amountFen).replace(/[¥,]/g, '')} ${today}`);
  if (contract.signedDate && date < contract.signedDate) {
    throw new AppError('invalid_input', `回款日期 ${date} 早于签订日期 ${contract.signedDate}。`);
  }
  // The guard: one conditional update of the contract's total. Nothing else is written before it.
  const total = await deps.repos.payments.addReceived(ctx.tx, contract.id, input.amountFen);
  if (total === null) {
    const received = await deps.repos.payments.receivedOf(ctx.tx, contract.id, { latest: true });
    throw new AppError(
      'invalid_input',
      `回款未登记：登记后累计回款 ${formatFen(received + input.amountFen)} 将超过合同金额 ${formatFen(contract.amountFen)}。` +
        `已回款 ${formatFen(received)}，最多还可登记 ${formatFen(contract.amountFen - received)}。`,
    );
  }
  await deps.repos.payments.insertReceipt(ctx.tx, { contractId: contract.id, amountFen: input.amountFen, receivedDate: date, recordedBy: ctx.actor.id, recordedAt: ctx.now });
  const nodes = await allocate(deps, ctx, contract.id);
  await audit(deps, ctx, 'payment.received', { contractId: contract.id }, { amountFen: input.amountFen, date, total });
  if (contract.ownerId !== ctx.actor.id) {
    await notify(deps, ctx, toPerson(contract.ownerId), `receipt:${contract.id}:${total}`, [
      text(`${ctx.actor.name} 已登记合同 ${contract.number} 回款 ${formatFen(input.amountFen)}（${date}），累计 ${formatFen(total)} / ${formatFen(contract.amountFen)}。`),
    ]);
  }
  const status = receivableStatus({ ...contract, receivedFen: total }, nodes, today);
  return [text(`已登记 ${contract.number} 回款 ${formatFen(input.amountFen)}（${date}）。\n${status.summary}`)];
}

export interface ReceivableStatus {
  plannedFen: number;
  receivedFen: number;
  /** Contract amount not yet received. */
  outstandingFen: number;
  /** Planned before today and not received. */
  overdueFen: number;
  summary: string;
}

export function receivableStatus(contract: Pick<ContractRecord, 'amountFen'> & { receivedFen: number }, nodes: PaymentNodeRecord[], today: IsoDate): ReceivableStatus {
  const plannedFen = nodes.reduce((sum, n) => sum + n.amountFen, 0);
  const overdueFen = nodes.filter((n) => n.plannedDate < today).reduce((sum, n) => sum + n.amountFen - n.receivedFen, 0);
  const outstandingFen = contract.amountFen - contract.receivedFen;
  const summary =
    `应收：计划 ${formatFen(plannedFen)}，已收 ${formatFen(contract.receivedFen)}，未收 ${formatFen(outstandingFen)}` +
    (overdueFen ? `，逾期 ${formatFen(overdueFen)}` : '');
  return { plannedFen, receivedFen: contract.receivedFen, outstandingFen, overdueFen, summary };
}

/** The receivable section of 合同 <号>. */
export async function receivableLines(deps: Deps, ctx: Ctx, contract: ContractRecord, today: IsoDate): Promise<string[]> {
  const nodes = await deps.repos.payments.listNodes(ctx.tx, contract.id);
  const receivedFen = await deps.repos.payments.receivedOf(ctx.tx, contract.id);
  if (nodes.length === 0 && receivedFen === 0) return [];
  const lines = [receivableStatus({ ...contract, receivedFen }, nodes, today).summary];
  for (const n of nodes) {
    const open = n.amountFen - n.receivedFen;
    const state = open === 0 ? '✓ 已收齐' : n.plannedDate < today ? `逾期 ${diffDays(n.plannedDate, today)} 天，未收 ${formatFen(open)}` : n.receivedFen ? `已收 ${formatFen(n.receivedFen)}` : '未到期';
    lines.push(`· ${n.plannedDate} ${formatFen(n.amountFen)} ${n.label}：${state}`);
  }
  return lines;
}
