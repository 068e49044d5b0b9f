// Follow-ups: a salesperson logs contact with a customer; the next one falls due by tier unless given.

import { addDays, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { customerOwnersVisibleTo } from './domain/permissions';
import type { FollowUpMethod, IsoDate } from './domain/types';
import { audit, type Ctx, type Deps } from './context';
import { findCustomer } from './customers';
import type { View } from './ports';
import { card } from './views';

export async function logFollowUp(
  deps: Deps,
  ctx: Ctx,
  input: { customer: string; content: string; method?: FollowUpMethod; next?: IsoDate; contractNo?: string },
): Promise<View[]> {
  // Only customers this person may follow up are searched: the rights are checked before the search,
  // and someone else's customer is not found, like one that does not exist.
  const customer = await findCustomer(deps, ctx, input.customer, {
    owners: customerOwnersVisibleTo(deps.directory, ctx.actor, 'follow_up'),
    refusal: '只有负责人及其上级（以及总经理、管理员）可以登记跟进，你只能查到自己和下属负责的客户。',
  });
  let contractId: number | null = null;
  if (input.contractNo) {
    const contract = await deps.repos.contracts.findByNumber(ctx.tx, input.contractNo);
    if (!contract || contract.customerId !== customer.id) {
      throw new AppError('not_found', `客户 ${customer.name} 名下没有合同 ${input.contractNo}。`);
    }
    contractId = contract.id;
  }
  const today = todayIn(ctx.now, deps.policy.timezone);
  const days = deps.policy.tiers[customer.tier].followUpDays;
  const nextDue = input.next ?? addDays(today, days);
  if (nextDue < today) throw new AppError('invalid_input', `下次跟进日期 ${nextDue} 已经过去。例：下次:下周一`);
  const followUp = await deps.repos.followUps.insert(ctx.tx, {
    customerId: customer.id,
    authorId: ctx.actor.id,
    contractId,
    method: input.method ?? null,
    content: input.content,
    at: ctx.now,
    nextDue,
  });
  await deps.repos.customers.setNextFollowUpDue(ctx.tx, customer.id, nextDue);
  await audit(deps, ctx, 'follow_up.logged', { customerId: customer.id, contractId: contractId ?? undefined }, { followUpId: followUp.id, nextDue });
  return [
    card({
      kind: 'follow_up',
      cardKey: `follow-up:${followUp.id}`,
      title: `已记录跟进 · ${customer.name}`,
      fields: [
        { label: '客户', value: `${customer.name}（${customer.code}，${customer.tier} 级）` },
        { label: '方式', value: input.method ?? '—' },
        { label: '内容', value: input.content },
        ...(input.contractNo ? [{ label: '合同', value: input.contractNo }] : []),
        { label: '下次跟进', value: input.next ? nextDue : `${nextDue}（${customer.tier} 级每 ${days} 天）` },
      ],
      buttons: [],
    }),
  ];
}
