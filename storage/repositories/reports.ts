// The reads behind the reports (handlers/ports.ts ReportRepository): counts and sums in SQL, and the
// few rows a figure needs (decided steps) through the entities.

import { Brackets, type SelectQueryBuilder } from 'typeorm';
import type { ApprovalStepRecord, ContractRecord, ReportRepository } from '../../handlers/ports';
import { ApprovalStepEntity, ContractEntity, CustomerEntity, FollowUpEntity } from '../entities';
import { managerOf } from '../unit-of-work';
import { ownedContracts, ownersParam } from './owned-contracts';

/** Limits a query to contracts (alias.column) owned by `owners`; `none` makes it match nothing. */
function ownedBy<T extends object>(q: SelectQueryBuilder<T>, column: string, owners: readonly string[] | null): SelectQueryBuilder<T> {
  if (owners === null) return q;
  if (owners.length === 0) return q.andWhere('1 = 0');
  return q.andWhere(`${column} IN (:...owners)`, { owners: [...owners] });
}

const counts = (rows: { personId: string; n: number | string }[]) =>
  rows.map((r) => ({ personId: r.personId, count: Number(r.n) })).sort((a, b) => b.count - a.count || a.personId.localeCompare(b.personId));

export function createReportRepository(): ReportRepository {
  return {
    countCreated: (tx, from, to, owners) =>
      ownedBy(
        managerOf(tx).createQueryBuilder(ContractEntity, 'c').where('c.created_at >= :from AND c.created_at < :to', { from: from.getTime(), to: to.getTime() }),
        'c.owner_id',
        owners,
      ).getCount(),

    async sumSigned(tx, fromDate, toDate, owners) {
      const q = managerOf(tx)
        .createQueryBuilder(ContractEntity, 'c')
        .select('COUNT(*)', 'n')
        .addSelect('COALESCE(SUM(c.amount_fen), 0)', 'total')
        .where('c.signed_date IS NOT NULL AND c.signed_date >= :fromDate AND c.signed_date < :toDate', { fromDate, toDate });
      const row = await ownedBy(q, 'c.owner_id', owners).getRawOne<{ n: number | string; total: number | string }>();
      return { count: Number(row?.n ?? 0), amountFen: Number(row?.total ?? 0) };
    },

    async listDecidedSteps(tx, from, to, owners) {
      const q = managerOf(tx)
        .createQueryBuilder(ApprovalStepEntity, 's')
        .where("s.status IN ('approved', 'rejected') AND s.decided_at >= :from AND s.decided_at < :to", { from: from.getTime(), to: to.getTime() });
      if (owners !== null) q.andWhere(new Brackets((b) => b.where('s.contract_id IN ' + ownedContracts(owners), ownersParam(owners))));
      return (await q.orderBy('s.id', 'ASC').getMany()) as unknown as ApprovalStepRecord[];
    },

    countStepsOverdue(tx, from, to, owners) {
      const q = managerOf(tx)
        .createQueryBuilder(ApprovalStepEntity, 's')
        .where('s.due_at >= :from AND s.due_at < :to', { from: from.getTime(), to: to.getTime() })
        .andWhere('(s.decided_at IS NULL OR s.decided_at > s.due_at)');
      if (owners !== null) q.andWhere('s.contract_id IN ' + ownedContracts(owners), ownersParam(owners));
      return q.getCount();
    },

    async countFollowUpsByAuthor(tx, from, to, owners) {
      const q = managerOf(tx)
        .createQueryBuilder(FollowUpEntity, 'f')
        .select('f.author_id', 'personId')
        .addSelect('COUNT(*)', 'n')
        .where('f.at >= :from AND f.at < :to', { from: from.getTime(), to: to.getTime() })
        .groupBy('f.author_id');
      return counts(await ownedBy(q, 'f.author_id', owners).getRawMany());
    },

    async countOverdueFollowUpsByOwner(tx, today, owners) {
      const q = managerOf(tx)
        .createQueryBuilder(CustomerEntity, 'c')
        .select('c.owner_id', 'personId')
        .addSelect('COUNT(*)', 'n')
        .where('c.next_follow_up_due IS NOT NULL AND c.next_follow_up_due < :today', { today })
        .groupBy('c.owner_id');
      return counts(await ownedBy(q, 'c.owner_id', owners).getRawMany());
    },

    async listLedger(tx, owners, limit) {
      const q = managerOf(tx).createQueryBuilder(ContractEntity, 'c');
      return (await ownedBy(q, 'c.owner_id', owners).orderBy('c.number', 'ASC').take(limit).getMany()) as unknown as ContractRecord[];
    },
  };
}
