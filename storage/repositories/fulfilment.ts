// Milestones, payment nodes and receipts, fulfilment problems (handlers/ports.ts) on TypeORM.

import { In, type EntityManager, type EntityTarget, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import type {
  MilestoneRecord,
  PaymentNodeRecord,
  PaymentReceiptRecord,
  ProblemRecord,
  Repositories,
  WithContract,
} from '../../handlers/ports';
import { ContractEntity, MilestoneEntity, PaymentNodeEntity, PaymentReceiptEntity, ProblemEntity } from '../entities';
import { managerOf } from '../unit-of-work';
import { ownedContracts, ownersParam } from './owned-contracts';

/** Contracts whose fulfilment is tracked: alerts stop when a contract ends another way. */
const TRACKED = ['signed', 'performing'];
/** Receivables stay due after the work is done. */
const RECEIVABLE = ['signed', 'performing', 'completed'];

/** Each row with the contract fields an alert or a report needs (one query for all of them). */
/** Rows whose date `column` falls in [from, to], by that date, with their contracts (the report reads). */
async function datedIn<R extends { contractId: number }>(
  em: EntityManager,
  entity: EntityTarget<ObjectLiteral>,
  column: string,
  from: string,
  to: string,
  limit: number,
  owners: readonly string[] | null = null,
) {
  const q = em.createQueryBuilder(entity, 'x').where(`x.${column} >= :from AND x.${column} <= :to`, { from, to });
  const rows = await ownedBy(q, 'x', owners).orderBy(`x.${column}`, 'ASC').addOrderBy('x.id', 'ASC').take(limit).getMany();
  return withContracts(em, rows as unknown as R[]);
}

async function withContracts<T extends { contractId: number }>(em: EntityManager, rows: T[]): Promise<WithContract<T>[]> {
  if (rows.length === 0) return [];
  const contracts = await em.find(ContractEntity, {
    select: { id: true, number: true, title: true, ownerId: true, status: true },
    where: { id: In([...new Set(rows.map((r) => r.contractId))]) },
  });
  const byId = new Map(contracts.map((c) => [c.id, c as unknown as WithContract<T>['contract']]));
  return rows.map((r) => ({ ...r, contract: byId.get(r.contractId)! }));
}

/** Only rows of contracts `owners` own (null: everyone's). */
const ownedBy = <E extends ObjectLiteral>(q: SelectQueryBuilder<E>, alias: string, owners: readonly string[] | null) =>
  owners === null ? q : q.andWhere(`${alias}.contract_id IN ${ownedContracts(owners)}`, ownersParam(owners));

const inStates = <E extends ObjectLiteral>(q: SelectQueryBuilder<E>, alias: string, states: string[]) =>
  q.andWhere(`${alias}.contract_id IN (SELECT c.id FROM contract c WHERE c.status IN (:...states))`, { states });

export function createFulfilmentRepositories(): Pick<Repositories, 'milestones' | 'payments' | 'problems'> {
  return {
    milestones: {
      async insertMany(tx, ms) {
        if (ms.length) await managerOf(tx).insert(MilestoneEntity, ms as never);
      },
      listByContract: async (tx, contractId) =>
        (await managerOf(tx).find(MilestoneEntity, { where: { contractId }, order: { seq: 'ASC' } })) as unknown as MilestoneRecord[],
      async update(tx, id, expected, patch) {
        const result = await managerOf(tx).update(MilestoneEntity, { id, status: expected.status, plannedDate: expected.plannedDate }, patch as never);
        return result.affected === 1;
      },
      async listOpenDueBy(tx, until, afterId, limit) {
        const em = managerOf(tx);
        const q = em.createQueryBuilder(MilestoneEntity, 'm').where("m.status = 'open' AND m.planned_date <= :until AND m.id > :afterId", { until, afterId });
        const rows = await inStates(q, 'm', TRACKED).orderBy('m.id', 'ASC').take(limit).getMany();
        return withContracts(em, rows as unknown as MilestoneRecord[]);
      },
      listOriginallyDueIn: (tx, from, to, limit, owners = null) =>
        datedIn<MilestoneRecord>(managerOf(tx), MilestoneEntity, 'original_date', from, to, limit, owners),
    },

    payments: {
      async insertNodes(tx, nodes) {
        if (nodes.length) await managerOf(tx).insert(PaymentNodeEntity, nodes as never);
      },
      listNodes: async (tx, contractId) =>
        (await managerOf(tx).find(PaymentNodeEntity, { where: { contractId }, order: { plannedDate: 'ASC', seq: 'ASC' } })) as unknown as PaymentNodeRecord[],
      async setNodeReceived(tx, updates) {
        const em = managerOf(tx);
        for (const u of updates) await em.update(PaymentNodeEntity, { id: u.id }, { receivedFen: u.receivedFen });
      },
      async addReceived(tx, contractId, amountFen) {
        const em = managerOf(tx);
        // One conditional statement: the row lock it takes (PostgreSQL, MySQL) or SQLite's single writer
        // makes a second concurrent receipt wait for the first and see its total.
        const result = await em
          .createQueryBuilder()
          .update(ContractEntity)
          .set({ receivedFen: () => 'received_fen + :amount' })
          .where('id = :id AND received_fen + :amount <= amount_fen', { id: contractId, amount: amountFen })
          .execute();
        if (result.affected !== 1) return null;
        const row = await em.findOne(ContractEntity, { select: { id: true, receivedFen: true }, where: { id: contractId } });
        return row ? row.receivedFen : null;
      },
      async receivedOf(tx, contractId, options = {}) {
        const em = managerOf(tx);
        const q = em.createQueryBuilder(ContractEntity, 'c').select(['c.id', 'c.receivedFen']).where('c.id = :id', { id: contractId });
        // A locking read sees the latest committed total: after a refused receipt, MySQL's repeatable-read
        // snapshot would still show the total as it was when the transaction began. FOR UPDATE, because
        // MariaDB has no FOR SHARE; SQLite runs one writer at a time and has no such lock.
        if (options.latest && em.connection.options.type !== 'better-sqlite3') q.setLock('pessimistic_write');
        return (await q.getOne())?.receivedFen ?? 0;
      },
      insertReceipt: async (tx, r) => {
        const em = managerOf(tx);
        const result = await em.insert(PaymentReceiptEntity, r as never);
        return (await em.findOneByOrFail(PaymentReceiptEntity, { id: result.identifiers[0]!.id as number })) as unknown as PaymentReceiptRecord;
      },
      listReceipts: async (tx, contractId) =>
        (await managerOf(tx).find(PaymentReceiptEntity, { where: { contractId }, order: { receivedDate: 'ASC', id: 'ASC' } })) as unknown as PaymentReceiptRecord[],
      async listOverdueNodes(tx, today, afterId, limit) {
        const em = managerOf(tx);
        const q = em.createQueryBuilder(PaymentNodeEntity, 'n').where('n.planned_date < :today AND n.received_fen < n.amount_fen AND n.id > :afterId', { today, afterId });
        const rows = await inStates(q, 'n', RECEIVABLE).orderBy('n.id', 'ASC').take(limit).getMany();
        return withContracts(em, rows as unknown as PaymentNodeRecord[]);
      },
      listNodesPlannedIn: (tx, from, to, limit) => datedIn<PaymentNodeRecord>(managerOf(tx), PaymentNodeEntity, 'planned_date', from, to, limit),
      listReceiptsIn: (tx, from, to, limit) => datedIn<PaymentReceiptRecord>(managerOf(tx), PaymentReceiptEntity, 'received_date', from, to, limit),
    },

    problems: {
      insert: async (tx, p) => {
        const em = managerOf(tx);
        const result = await em.insert(ProblemEntity, p as never);
        return (await em.findOneByOrFail(ProblemEntity, { id: result.identifiers[0]!.id as number })) as unknown as ProblemRecord;
      },
      findByNumber: async (tx, number) => ((await managerOf(tx).findOneBy(ProblemEntity, { number })) as unknown as ProblemRecord | null) ?? null,
      listByContract: async (tx, contractId) =>
        (await managerOf(tx).find(ProblemEntity, { where: { contractId }, order: { id: 'ASC' } })) as unknown as ProblemRecord[],
      async resolve(tx, id, patch) {
        const result = await managerOf(tx).update(ProblemEntity, { id, status: 'open' }, { status: 'resolved', ...patch });
        return result.affected === 1;
      },
      async listOpenOverdue(tx, now, afterId, limit) {
        const em = managerOf(tx);
        const rows = await em
          .createQueryBuilder(ProblemEntity, 'p')
          .where("p.status = 'open' AND p.deadline_at <= :now AND p.id > :afterId", { now: now.getTime(), afterId })
          .orderBy('p.id', 'ASC')
          .take(limit)
          .getMany();
        return withContracts(em, rows as unknown as ProblemRecord[]);
      },
      async listRaisedIn(tx, from, to, limit, owners = null) {
        const em = managerOf(tx);
        const q = em.createQueryBuilder(ProblemEntity, 'p').where('p.raised_at >= :from AND p.raised_at < :to', { from: from.getTime(), to: to.getTime() });
        const rows = await ownedBy(q, 'p', owners)
          .orderBy('p.raised_at', 'ASC')
          .addOrderBy('p.id', 'ASC')
          .take(limit)
          .getMany();
        return withContracts(em, rows as unknown as ProblemRecord[]);
      },
    },
  };
}

