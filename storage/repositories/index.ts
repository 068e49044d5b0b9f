// The repositories of handlers/ports.ts on TypeORM. Each method takes the transaction first.

import { randomUUID } from 'node:crypto';
import { In, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type {
  ApprovalStepRecord,
  AuditEventRecord,
  CardDeliveryRecord,
  CardDeliveryStore,
  ContractRecord,
  ContractVersionRecord,
  CustomerRecord,
  FollowUpRecord,
  InboxRecord,
  InboxStore,
  LeaseStore,
  OutboxRecord,
  OutboxStatus,
  OutboxStore,
  Repositories,
  Tx,
} from '../../handlers/ports';
import { recipientKey } from '../../handlers/ports';
import type { ContractStatus } from '../../handlers/domain/types';
import {
  ApprovalStepEntity,
  AuditEventEntity,
  CardDeliveryEntity,
  ContractEntity,
  ContractVersionEntity,
  CustomerEntity,
  CustomerNameEntity,
  FollowUpEntity,
  InboxEntity,
  JobLeaseEntity,
  OutboxEntity,
  SequenceEntity,
} from '../entities';
import { managerOf } from '../unit-of-work';
import { nameKeys } from './customer-names';

/** Inserts a row and reads it back through the entity, so transformers apply both ways. */
async function insertAndLoad<E extends ObjectLiteral, R>(
  em: EntityManager,
  entity: EntityTarget<E>,
  values: Partial<E>,
): Promise<R> {
  const result = await em.insert(entity, values as never);
  const id = result.identifiers[0]?.id as number;
  return (await em.findOneByOrFail(entity, { id } as never)) as unknown as R;
}

const asCustomer = (e: CustomerEntity): CustomerRecord => e as unknown as CustomerRecord;
const asContract = (e: ContractEntity): ContractRecord => e as unknown as ContractRecord;
const asStep = (e: ApprovalStepEntity): ApprovalStepRecord => e as unknown as ApprovalStepRecord;

const customersByIds = async (tx: Tx, ids: readonly number[]): Promise<CustomerRecord[]> =>
  ids.length === 0 ? [] : (await managerOf(tx).find(CustomerEntity, { where: { id: In([...new Set(ids)]) }, order: { id: 'ASC' } })).map(asCustomer);

export function createRepositories(): Repositories {
  return {
    sequences: {
      async next(tx, name) {
        const em = managerOf(tx);
        // One atomic upsert-and-increment: two statements (create if missing, then increment) race
        // on PostgreSQL and deadlock on MySQL when two first uses of a counter meet.
        if (em.connection.options.type === 'mysql') {
          await em.query('INSERT INTO `sequence` (`name`, `value`) VALUES (?, 1) ON DUPLICATE KEY UPDATE `value` = `value` + 1', [name]);
          return (await em.findOneByOrFail(SequenceEntity, { name })).value;
        }
        const p = em.connection.options.type === 'postgres' ? '$1' : '?';
        const rows: { value: number | string }[] = await em.query(
          `INSERT INTO "sequence" ("name", "value") VALUES (${p}, 1) ON CONFLICT ("name") DO UPDATE SET "value" = "sequence"."value" + 1 RETURNING "value"`,
          [name],
        );
        return Number(rows[0]!.value);
      },
    },

    customers: {
      async insert(tx, code, c) {
        const em = managerOf(tx);
        const customer = await insertAndLoad<CustomerEntity, CustomerRecord>(em, CustomerEntity, { ...c, code });
        const keys = nameKeys(customer.name, customer.aliases);
        if (keys.length) await em.insert(CustomerNameEntity, keys.map((nameKey) => ({ customerId: customer.id, nameKey })));
        return customer;
      },
      findById: async (tx, id) => {
        const e = await managerOf(tx).findOneBy(CustomerEntity, { id });
        return e ? asCustomer(e) : null;
      },
      findByIds: customersByIds,
      async findByNameKeys(tx, keys, owners) {
        if (keys.length === 0 || owners?.length === 0) return [];
        const q = managerOf(tx)
          .createQueryBuilder(CustomerEntity, 'c')
          .where('c.id IN (SELECT n.customer_id FROM customer_name n WHERE n.name_key IN (:...keys))', { keys: [...keys] });
        if (owners) q.andWhere('c.owner_id IN (:...owners)', { owners: [...owners] });
        return (await q.orderBy('c.id', 'ASC').take(50).getMany()).map(asCustomer);
      },
      async findNameCandidates(tx, key, owners, limit) {
        if (!key || owners?.length === 0) return [];
        const em = managerOf(tx);
        const mysql = em.connection.options.type === 'mysql';
        const chars = Array.from(key);
        const part = (n: number, end: boolean) => (end ? chars.slice(-n) : chars.slice(0, n)).join('');
        // Strongest first: containment either way, then a shared start or end (3, then 2 characters).
        const contained = mysql ? "(n.name_key LIKE :inner OR :key LIKE CONCAT('%', n.name_key, '%'))" : "(n.name_key LIKE :inner OR :key LIKE '%' || n.name_key || '%')";
        const patterns: [string, Record<string, string>][] = [[contained, { inner: `%${key}%`, key }]];
        for (const n of [3, 2]) {
          if (chars.length > n) patterns.push(['(n.name_key LIKE :start OR n.name_key LIKE :end)', { start: `${part(n, false)}%`, end: `%${part(n, true)}` }]);
        }
        const per = Math.max(1, Math.ceil(limit / patterns.length));
        const ids = new Set<number>();
        for (const [where, params] of patterns) {
          const q = em.createQueryBuilder().select('n.customer_id', 'id').from('customer_name', 'n').where(where, params);
          if (owners) q.andWhere('n.customer_id IN (SELECT c.id FROM customer c WHERE c.owner_id IN (:...owners))', { owners: [...owners] });
          const rows: { id: number | string }[] = await q.orderBy('n.customer_id', 'DESC').limit(per).getRawMany();
          for (const r of rows) ids.add(Number(r.id));
        }
        return customersByIds(tx, [...ids]);
      },
      listFollowUpDue: async (tx, today, afterId, limit) =>
        (
          await managerOf(tx)
            .createQueryBuilder(CustomerEntity, 'c')
            .where('c.next_follow_up_due IS NOT NULL AND c.next_follow_up_due <= :today AND c.id > :afterId', { today, afterId })
            .orderBy('c.id', 'ASC')
            .take(limit)
            .getMany()
        ).map(asCustomer),
      countFollowUpDue: (tx, today) =>
        managerOf(tx).createQueryBuilder(CustomerEntity, 'c').where('c.next_follow_up_due IS NOT NULL AND c.next_follow_up_due <= :today', { today }).getCount(),
      findByCode: async (tx, code) => {
        const e = await managerOf(tx).findOneBy(CustomerEntity, { code });
        return e ? asCustomer(e) : null;
      },
      listAll: async (tx) => (await managerOf(tx).find(CustomerEntity, { order: { id: 'ASC' } })).map(asCustomer),
      listByOwners: async (tx, ownerIds) =>
        ownerIds.length === 0
          ? []
          : (await managerOf(tx).find(CustomerEntity, { where: { ownerId: In([...ownerIds]) }, order: { id: 'ASC' } })).map(asCustomer),
      async setNextFollowUpDue(tx, id, due) {
        await managerOf(tx).update(CustomerEntity, { id }, { nextFollowUpDue: due });
      },
    },

    contracts: {
      insert: (tx, number, c) =>
        insertAndLoad(managerOf(tx), ContractEntity, { ...c, number, updatedAt: c.createdAt } as Partial<ContractEntity>),
      findById: async (tx, id) => {
        const e = await managerOf(tx).findOneBy(ContractEntity, { id });
        return e ? asContract(e) : null;
      },
      findByNumber: async (tx, number) => {
        const e = await managerOf(tx).findOneBy(ContractEntity, { number });
        return e ? asContract(e) : null;
      },
      findByIds: async (tx, ids) =>
        ids.length === 0 ? [] : (await managerOf(tx).find(ContractEntity, { where: { id: In([...new Set(ids)]) }, order: { id: 'ASC' } })).map(asContract),
      listByOwner: async (tx, ownerId) =>
        (await managerOf(tx).find(ContractEntity, { where: { ownerId }, order: { id: 'ASC' } })).map(asContract),
      listByOwnerInStates: async (tx, ownerId, statuses, limit) =>
        statuses.length === 0
          ? []
          : (await managerOf(tx).find(ContractEntity, { where: { ownerId, status: In([...statuses]) }, order: { id: 'DESC' }, take: limit })).map(asContract),
      async countByOwnerPerStatus(tx, ownerId) {
        const rows: { status: ContractStatus; n: number | string }[] = await managerOf(tx)
          .createQueryBuilder(ContractEntity, 'c')
          .select('c.status', 'status')
          .addSelect('COUNT(*)', 'n')
          .where('c.owner_id = :ownerId', { ownerId })
          .groupBy('c.status')
          .getRawMany();
        return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      },
      listByCustomer: async (tx, customerId) =>
        (await managerOf(tx).find(ContractEntity, { where: { customerId }, order: { id: 'ASC' } })).map(asContract),
      async listByCustomerExcept(tx, customerId, except, limit) {
        const where = () => {
          const q = managerOf(tx).createQueryBuilder(ContractEntity, 'c').where('c.customer_id = :customerId', { customerId });
          return except.length ? q.andWhere('c.status NOT IN (:...except)', { except: [...except] }) : q;
        };
        const [contracts, total] = await Promise.all([where().orderBy('c.id', 'ASC').take(limit).getMany(), where().getCount()]);
        return { contracts: contracts.map(asContract), total };
      },
      listByStatus: async (tx, statuses) =>
        (await managerOf(tx).find(ContractEntity, { where: { status: In(statuses) }, order: { id: 'ASC' } })).map(asContract),
      listEndingBy: async (tx, statuses, until, afterId, limit) =>
        statuses.length === 0
          ? []
          : (
              await managerOf(tx)
                .createQueryBuilder(ContractEntity, 'c')
                .where('c.status IN (:...statuses) AND c.end_date IS NOT NULL AND c.end_date <= :until AND c.id > :afterId', {
                  statuses: [...statuses],
                  until,
                  afterId,
                })
                .orderBy('c.id', 'ASC')
                .take(limit)
                .getMany()
            ).map(asContract),
      async update(tx, id, expected, patch) {
        const where: Record<string, unknown> = { id, version: expected.version };
        if (expected.status) where.status = expected.status;
        const result = await managerOf(tx).update(ContractEntity, where, patch as Partial<ContractEntity>);
        return result.affected === 1;
      },
    },

    versions: {
      insert: (tx, v) =>
        insertAndLoad<ContractVersionEntity, ContractVersionRecord>(
          managerOf(tx),
          ContractVersionEntity,
          v as unknown as Partial<ContractVersionEntity>,
        ),
      listByContract: async (tx, contractId) =>
        (await managerOf(tx).find(ContractVersionEntity, {
          where: { contractId },
          order: { version: 'ASC' },
        })) as unknown as ContractVersionRecord[],
    },

    steps: {
      async insertMany(tx, steps) {
        const out: ApprovalStepRecord[] = [];
        for (const s of steps) out.push(await insertAndLoad(managerOf(tx), ApprovalStepEntity, s as Partial<ApprovalStepEntity>));
        return out;
      },
      findById: async (tx, id) => {
        const e = await managerOf(tx).findOneBy(ApprovalStepEntity, { id });
        return e ? asStep(e) : null;
      },
      listByContract: async (tx, contractId) =>
        (
          await managerOf(tx).find(ApprovalStepEntity, { where: { contractId }, order: { round: 'ASC', seq: 'ASC' } })
        ).map(asStep),
      async findCommitted(tx, id) {
        const em = managerOf(tx);
        const q = em.createQueryBuilder(ApprovalStepEntity, 's').where('s.id = :id', { id });
        // A locking read sees the latest committed row; SQLite runs one writer at a time and has no such lock.
        if (em.connection.options.type !== 'better-sqlite3') q.setLock('pessimistic_read');
        const e = await q.getOne();
        return e ? asStep(e) : null;
      },
      listByContracts: async (tx, contractIds) =>
        contractIds.length === 0
          ? []
          : (
              await managerOf(tx).find(ApprovalStepEntity, {
                where: { contractId: In([...new Set(contractIds)]) },
                order: { contractId: 'ASC', round: 'ASC', seq: 'ASC' },
              })
            ).map(asStep),
      async listPendingForAssignees(tx, assigneeIds, limit) {
        if (assigneeIds.length === 0) return [];
        const q = managerOf(tx)
          .createQueryBuilder(ApprovalStepEntity, 's')
          .where('s.status = :status', { status: 'pending' })
          .andWhere('s.assignee_id IN (:...ids)', { ids: assigneeIds })
          .orderBy('s.activated_at', 'ASC')
          .addOrderBy('s.id', 'ASC');
        if (limit !== undefined) q.take(limit);
        return (await q.getMany()).map(asStep);
      },
      countPendingForAssignees: async (tx, assigneeIds) =>
        assigneeIds.length === 0
          ? 0
          : managerOf(tx)
              .createQueryBuilder(ApprovalStepEntity, 's')
              .where("s.status = 'pending' AND s.assignee_id IN (:...ids)", { ids: assigneeIds })
              .getCount(),
      countOverdue: (tx, now) =>
        managerOf(tx).createQueryBuilder(ApprovalStepEntity, 's').where("s.status = 'pending' AND s.due_at <= :now", { now: now.getTime() }).getCount(),
      async listOverdue(tx, now, limit) {
        const rows = await managerOf(tx)
          .createQueryBuilder(ApprovalStepEntity, 's')
          .where("s.status = 'pending' AND s.due_at <= :now", { now: now.getTime() })
          .orderBy('s.due_at', 'ASC')
          .addOrderBy('s.id', 'ASC')
          .take(limit)
          .getMany();
        return rows.map(asStep);
      },
      async transition(tx, id, from, patch) {
        const result = await managerOf(tx).update(ApprovalStepEntity, { id, status: from }, patch as Partial<ApprovalStepEntity>);
        return result.affected === 1;
      },
    },

    followUps: {
      insert: (tx, f) => insertAndLoad<FollowUpEntity, FollowUpRecord>(managerOf(tx), FollowUpEntity, f as Partial<FollowUpEntity>),
      listByCustomer: async (tx, customerId, limit) =>
        (await managerOf(tx).find(FollowUpEntity, {
          where: { customerId },
          order: { at: 'DESC', id: 'DESC' },
          take: limit,
        })) as unknown as FollowUpRecord[],
    },

    audit: {
      async append(tx, e) {
        await managerOf(tx).insert(AuditEventEntity, e as never);
      },
      listByContract: async (tx, contractId) =>
        (await managerOf(tx).find(AuditEventEntity, {
          where: { contractId },
          order: { id: 'ASC' },
        })) as unknown as AuditEventRecord[],
      listByContractAndAction: async (tx, contractId, action) =>
        (await managerOf(tx).find(AuditEventEntity, {
          where: { contractId, action },
          order: { id: 'ASC' },
        })) as unknown as AuditEventRecord[],
    },

    outbox: {
      async enqueue(tx, message, now) {
        const em = managerOf(tx);
        if (await em.existsBy(OutboxEntity, { dedupeKey: message.dedupeKey })) return false;
        await em
          .createQueryBuilder()
          .insert()
          .into(OutboxEntity)
          .values({
            dedupeKey: message.dedupeKey,
            recipient: message.to as never,
            views: message.views,
            urgent: message.urgent ?? false,
            updatesCard: message.updatesCard ?? null,
            recipientKey: recipientKey(message.to),
            status: 'pending',
            attempts: 0,
            nextAttemptAt: now,
            createdAt: now,
          })
          .orIgnore() // a concurrent instance may have enqueued the same key a moment ago
          .execute();
        return true;
      },
      status: (tx, now) => outboxStatus(tx, now),
    },
  };
}

const asInbox = (e: InboxEntity): InboxRecord => e as unknown as InboxRecord;

/** What a pruned payload becomes: small, and says why the event is gone. */
export const PRUNED_PAYLOAD = { pruned: true } as const;

export function createInboxStore(): InboxStore {
  return {
    async accept(tx: Tx, event, now, claim) {
      const em = managerOf(tx);
      if (await em.existsBy(InboxEntity, { deliveryKey: event.deliveryKey })) return null;
      const claimToken = randomUUID();
      await em
        .createQueryBuilder()
        .insert()
        .into(InboxEntity)
        .values({
          ...event,
          status: 'received',
          claimToken,
          attempts: 0,
          claimedBy: claim?.holder ?? null,
          claimUntil: claim?.until ?? null,
          receivedAt: now,
        } as never)
        .orIgnore()
        .execute();
      // Whoever's token is stored won a concurrent insert of the same key.
      const row = await em.findOneBy(InboxEntity, { deliveryKey: event.deliveryKey });
      return row && row.claimToken === claimToken ? asInbox(row) : null;
    },
    async claim(tx, id, { holder, until, now }) {
      const em = managerOf(tx);
      // One conditional update: of two instances claiming at once, one matches the row.
      const result = await em
        .createQueryBuilder()
        .update(InboxEntity)
        .set({ claimedBy: holder, claimUntil: until, attempts: () => 'attempts + 1' })
        .where("id = :id AND status = 'received' AND (claimed_by = :holder OR claim_until IS NULL OR claim_until <= :now)", {
          id,
          holder,
          now: now.getTime(),
        })
        .execute();
      if (result.affected !== 1) return null;
      return asInbox(await em.findOneByOrFail(InboxEntity, { id }));
    },
    listClaimable: async (tx, now, limit) =>
      (
        await managerOf(tx)
          .createQueryBuilder(InboxEntity, 'i')
          .where("i.status = 'received' AND (i.claim_until IS NULL OR i.claim_until <= :now)", { now: now.getTime() })
          .orderBy('i.id', 'ASC')
          .take(limit)
          .getMany()
      ).map(asInbox),
    async finish(tx, id, holder, status, now, error) {
      const result = await managerOf(tx)
        .createQueryBuilder()
        .update(InboxEntity)
        .set({ status, processedAt: now, claimUntil: null, error: error?.slice(0, 2000) ?? null })
        .where("id = :id AND status = 'received' AND claimed_by = :holder", { id, holder })
        .execute();
      return result.affected === 1;
    },
    async release(tx, id, holder, retryAt, error) {
      const result = await managerOf(tx)
        .createQueryBuilder()
        .update(InboxEntity)
        .set({ claimedBy: null, claimUntil: retryAt, error: error.slice(0, 2000) })
        .where("id = :id AND status = 'received' AND claimed_by = :holder", { id, holder })
        .execute();
      return result.affected === 1;
    },
    async prune(tx, before, now, limit) {
      const em = managerOf(tx);
      const rows: { id: number | string }[] = await em
        .createQueryBuilder(InboxEntity, 'i')
        .select('i.id', 'id')
        .where("i.pruned_at IS NULL AND i.received_at < :before AND i.status <> 'received'", { before: before.getTime() })
        .orderBy('i.id', 'ASC')
        .limit(limit)
        .getRawMany();
      if (rows.length === 0) return 0;
      await em
        .createQueryBuilder()
        .update(InboxEntity)
        .set({ payload: PRUNED_PAYLOAD as never, prunedAt: now })
        .where('id IN (:...ids)', { ids: rows.map((r) => Number(r.id)) })
        .execute();
      return rows.length;
    },
  };
}

export function createOutboxStore(): OutboxStore {
  return {
    async listDue(tx, now, limit) {
      const rows = await managerOf(tx)
        .createQueryBuilder(OutboxEntity, 'o')
        .where('o.status = :status', { status: 'pending' })
        .andWhere('o.next_attempt_at <= :now', { now: now.getTime() })
        .andWhere('(o.claim_until IS NULL OR o.claim_until < :now)', { now: now.getTime() })
        // No earlier message to the same recipient that is waiting (retry, throttle, quiet hours) or
        // being sent; urgent messages may overtake.
        .andWhere(
          "(o.urgent = true OR NOT EXISTS (SELECT 1 FROM outbox e WHERE e.status = 'pending' AND e.recipient_key = o.recipient_key AND e.id < o.id" +
            ' AND (e.next_attempt_at > :now OR (e.claim_until IS NOT NULL AND e.claim_until >= :now))))',
          { now: now.getTime() },
        )
        .orderBy('o.id', 'ASC')
        .take(limit)
        .getMany();
      return rows.map(asOutbox);
    },
    async sentSince(tx, key, since) {
      const row: { n: string | number } | undefined = await managerOf(tx)
        .createQueryBuilder(OutboxEntity, 'o')
        .select('COUNT(*)', 'n')
        .where("o.recipient_key = :key AND o.status = 'sent' AND o.sent_at >= :since", { key, since: since.getTime() })
        .getRawOne();
      return Number(row?.n ?? 0);
    },
    async claim(tx, id, holder, until, now) {
      const result = await managerOf(tx)
        .createQueryBuilder()
        .update(OutboxEntity)
        .set({ claimedBy: holder, claimUntil: until })
        .where("id = :id AND status = 'pending' AND (claim_until IS NULL OR claim_until < :now)", { id, now: now.getTime() })
        .execute();
      return result.affected === 1;
    },
    async markSent(tx, id, now) {
      await managerOf(tx)
        .createQueryBuilder()
        .update(OutboxEntity)
        .set({ status: 'sent', sentAt: now, attempts: () => 'attempts + 1', lastError: null, claimUntil: null })
        .where('id = :id', { id })
        .execute();
    },
    async markFailed(tx, id, error, nextAttemptAt) {
      await managerOf(tx)
        .createQueryBuilder()
        .update(OutboxEntity)
        .set({
          status: nextAttemptAt ? 'pending' : 'dead',
          attempts: () => 'attempts + 1',
          claimUntil: null,
          lastError: error.slice(0, 2000),
          ...(nextAttemptAt ? { nextAttemptAt } : {}),
        })
        .where('id = :id', { id })
        .execute();
    },
    async defer(tx, id, at, reason) {
      await managerOf(tx).update(OutboxEntity, { id }, { nextAttemptAt: at, lastError: reason.slice(0, 2000), claimUntil: null });
    },
    status: (tx, now) => outboxStatus(tx, now),
  };
}

export function createCardDeliveryStore(): CardDeliveryStore {
  return {
    async record(tx, card) {
      await managerOf(tx).insert(CardDeliveryEntity, { ...card, usedAt: null } as never);
    },
    listUnused: async (tx, platform, cardKey, recipient) =>
      (await managerOf(tx)
        .createQueryBuilder(CardDeliveryEntity, 'c')
        .where('c.platform = :platform AND c.card_key = :cardKey AND c.recipient = :recipient AND c.used_at IS NULL', { platform, cardKey, recipient })
        .orderBy('c.id', 'ASC')
        .getMany()) as unknown as CardDeliveryRecord[],
    async markUsed(tx, id, at) {
      await managerOf(tx).update(CardDeliveryEntity, { id }, { usedAt: at });
    },
  };
}

const asOutbox = (r: OutboxEntity): OutboxRecord => ({ ...r, to: r.recipient, updatesCard: r.updatesCard ?? undefined }) as unknown as OutboxRecord;

async function outboxStatus(tx: Tx, now: Date): Promise<OutboxStatus> {
  const em = managerOf(tx);
  const rows: { status: string; failing: string | number; n: string | number }[] = await em
    .createQueryBuilder(OutboxEntity, 'o')
    .select('o.status', 'status')
    .addSelect('CASE WHEN o.attempts > 0 THEN 1 ELSE 0 END', 'failing')
    .addSelect('COUNT(*)', 'n')
    .groupBy('o.status')
    .addGroupBy('CASE WHEN o.attempts > 0 THEN 1 ELSE 0 END')
    .getRawMany();
  const status: OutboxStatus = { pending: 0, failing: 0, sent: 0, dead: 0, recentDead: [], nextRetry: null };
  for (const r of rows) {
    const n = Number(r.n);
    if (r.status === 'pending') {
      status.pending += n;
      if (Number(r.failing) === 1) status.failing += n;
    } else if (r.status === 'sent' || r.status === 'dead') status[r.status] += n;
  }
  const dead = await em.find(OutboxEntity, { where: { status: 'dead' }, order: { id: 'DESC' }, take: 5 });
  status.recentDead = dead.map((d) => ({ id: d.id, dedupeKey: d.dedupeKey, lastError: d.lastError, createdAt: d.createdAt }));
  const next = await em
    .createQueryBuilder(OutboxEntity, 'o')
    .where("o.status = 'pending' AND o.attempts > 0")
    .orderBy('o.next_attempt_at', 'ASC')
    .getOne();
  status.nextRetry = next && next.nextAttemptAt > now ? next.nextAttemptAt : null;
  return status;
}

export function createLeaseStore(): LeaseStore {
  return {
    async acquire(tx, name, holder, until, now) {
      const em = managerOf(tx);
      await em.createQueryBuilder().insert().into(JobLeaseEntity).values({ name, holder: '', expiresAt: new Date(0) }).orIgnore().execute();
      const result = await em
        .createQueryBuilder()
        .update(JobLeaseEntity)
        .set({ holder, expiresAt: until })
        .where('name = :name AND (holder = :holder OR expires_at < :now)', { name, holder, now: now.getTime() })
        .execute();
      return result.affected === 1;
    },
    async release(tx, name, holder) {
      await managerOf(tx).update(JobLeaseEntity, { name, holder }, { expiresAt: new Date(0) });
    },
  };
}
