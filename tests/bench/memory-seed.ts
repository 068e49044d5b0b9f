// The store of the memory bench: 100,000 contracts (and customers, steps, follow-ups in proportion)
// for the soak's 1,000-member company, written with raw multi-row INSERTs after the migrations ran.

import type { DataSource } from 'typeorm';
import { nameKeys } from '../../storage/repositories/customer-names';
import { companyName } from '../soak/directory';
import { contractRow, customerRow, insertRows, setSequence, stepRow } from './seed';

export interface StoreShape {
  contracts: number;
  customers: number;
  steps: number;
  followUps: number;
  /** The sales member holding many contracts (我的合同 must stay bounded for them). */
  heavyOwner: string;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `contracts` contracts over the sales members (one of them holding 5%), a customer per 4 contracts
 * (a fifth of them with a follow-up overdue), 2 follow-ups per customer; 10% of the contracts in
 * approval (2 steps, the first pending at the owner's manager), 40% signed or performing (end dates
 * spread over two years around `now`, so some are due a notice), the rest drafts and closed ones.
 */
export async function seedStore(ds: DataSource, people: Record<string, unknown>[], contracts: number, now: Date): Promise<StoreShape> {
  const sales = people.filter((p) => (p.roles as string[]).includes('sales'));
  const managerOf = new Map(people.map((p) => [p.id as string, p.manager as string]));
  const heavyOwner = sales[0]!.id as string;
  const ownerOf = (i: number) => (i % 20 === 0 ? heavyOwner : (sales[i % sales.length]!.id as string));
  const at = now.getTime() - 30 * DAY;
  const customers = Math.ceil(contracts / 4);
  const customerRows = Array.from({ length: customers }, (_, k) => {
    const id = k + 1;
    return customerRow(
      { id, name: companyName(id), ownerId: ownerOf(id), nextFollowUpDue: iso(now.getTime() + ((id % 5 === 0 ? -3 : 10) * DAY)) },
      at,
    );
  });
  await insertRows(ds, 'customer', customerRows);
  await insertRows(
    ds,
    'customer_name',
    customerRows.flatMap((c) => nameKeys(String(c.name), []).map((key) => ({ customer_id: c.id as number, name_key: key }))),
  );
  const statuses = ['draft', 'draft', 'in_approval', 'signed', 'performing', 'performing', 'signed', 'completed', 'archived', 'withdrawn'];
  const contractRows = [];
  const steps = [];
  for (let id = 1; id <= contracts; id++) {
    const status = statuses[id % statuses.length]!;
    const customerId = ((id - 1) % customers) + 1;
    const owner = String(customerRows[customerId - 1]!.owner_id);
    const endDate = status === 'signed' || status === 'performing' ? iso(now.getTime() + (((id * 7) % 730) - 180) * DAY) : null;
    contractRows.push(contractRow({ id, customerId, ownerId: owner, status, endDate, autoRenew: id % 3 === 0, createdAt: at }));
    if (status === 'in_approval') {
      const due = now.getTime() + ((id % 4) - 2) * 8 * 3_600_000; // half of them overdue
      steps.push(
        stepRow({ id: steps.length + 1, contractId: id, seq: 1, role: 'sales_manager', assigneeId: managerOf.get(owner)!, status: 'pending', hours: 8, activatedAt: due - 8 * 3_600_000, dueAt: due }),
        stepRow({ id: steps.length + 2, contractId: id, seq: 2, role: 'legal', assigneeId: 'legal1', status: 'waiting', hours: 16, activatedAt: null, dueAt: null }),
      );
    }
  }
  await insertRows(ds, 'contract', contractRows);
  await insertRows(ds, 'approval_step', steps);
  const followUps = customerRows.flatMap((c, k) =>
    [1, 2].map((n) => ({
      customer_id: c.id as number,
      author_id: String(c.owner_id),
      contract_id: null,
      method: '电话',
      content: `第 ${n} 次回访：客户 ${k + 1} 对报价有疑问，下周再联系。`,
      at: at + n * DAY,
      next_due: String(c.next_follow_up_due),
    })),
  );
  await insertRows(ds, 'follow_up', followUps);
  await setSequence(ds, 'HT-2026', contracts);
  await setSequence(ds, 'KH', customers);
  return { contracts, customers, steps: steps.length, followUps: followUps.length, heavyOwner };
}
