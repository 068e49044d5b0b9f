// The repositories of handlers/ports.ts on TypeORM. Each method takes the transaction first.

import { randomUUID } from 'node:crypto';
import { In, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type {
  ApprovalStepRecord,
  Attachment,
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
  OutgoingMessage,
  ReminderStep,
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
import { insertRows, updateIntegersById } from './bulk';
import { nameKeys } from './customer-names';
import { columnList, dialectOf, execute, hydrate, selectRows, updateRows } from './rows';
import { createReportRepository } from './reports';
import { createServiceTicketRepository } from './service-tickets';
import { sqliteConnection, statement } from './sqlite-statements';
import { createFulfilmentRepositories } from './fulfilment';

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

const OUTBOX_INSERT_COLUMNS = ['dedupe_key', 'recipient', 'views', 'attachments', 'urgent', 'updates_card', 'recipient_key', 'status', 'attempts', 'next_attempt_at', 'created_at'];

/** An outbox row as the entity's columns store it (JSON text, epoch milliseconds). */
const outboxRow = (m: OutgoingMessage, now: Date, status: 'pending' | 'merged' = 'pending') => [
  m.dedupeKey, JSON.stringify(m.to), JSON.stringify(m.views), m.attachments?.length ? JSON.stringify(m.attachments) : null, m.urgent ?? false, m.updatesCard ?? null, recipientKey(m.to), status, 0, now.getTime(), now.getTime(),
];

export function createRepositories(): Repositories {
  return {
    ...createFulfilmentRepositories(),
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
      findById: async (tx, id) => (await selectRows<CustomerRecord>(managerOf(tx), CustomerEntity, 'id = ?', [id]))[0] ?? null,
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
      findById: async (tx, id) => (await selectRows<ContractRecord>(managerOf(tx), ContractEntity, 'id = ?', [id]))[0] ?? null,
      findByNumber: async (tx, number) => (await selectRows<ContractRecord>(managerOf(tx), ContractEntity, 'number = ?', [number]))[0] ?? null,
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
        const [where, params] = expected.status ? ['id = ? AND version = ? AND status = ?', [id, expected.version, expected.status]] : ['id = ? AND version = ?', [id, expected.version]];
        return (await updateRows(managerOf(tx), ContractEntity, patch, where, params)) === 1;
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
      findById: async (tx, id) => (await selectRows<ApprovalStepRecord>(managerOf(tx), ApprovalStepEntity, 'id = ?', [id]))[0] ?? null,
      listByContract: (tx, contractId) => selectRows<ApprovalStepRecord>(managerOf(tx), ApprovalStepEntity, 'contract_id = ?', [contractId], 'ORDER BY round, seq'),
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
      async listOpenForAssignees(tx, assigneeIds, limit) {
        if (assigneeIds.length === 0) return [];
        const rows = await managerOf(tx)
          .createQueryBuilder(ApprovalStepEntity, 's')
          .where('s.status IN (:...statuses)', { statuses: ['pending', 'waiting'] })
          .andWhere('s.assignee_id IN (:...ids)', { ids: assigneeIds })
          .orderBy('s.id', 'ASC')
          .take(limit)
          .getMany();
        return rows.map(asStep);
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
      async listReminderDue(tx, now, limit) {
        const em = managerOf(tx);
        // Served by IDX_approval_step_next_reminder (status, next_reminder_at): reads the due rows only,
        // and only the columns a reminder needs (a tick reads a thousand: building the rows costs
        // more than the query).
        const sqlite = sqliteConnection(em);
        if (sqlite) {
          // One statement with the contracts, rows as arrays. The tick's BEGIN IMMEDIATE holds the write lock.
          const rows = statement(sqlite, REMINDER_DUE_SQLITE).raw(true).all(now.getTime(), Math.floor(limit)) as unknown[][];
          return rows.map((r) => ({ step: reminderStep(r), contract: { id: Number(r[1]), number: r[7] as string, title: r[8] as string } }));
        }
        // The due steps held (FOR UPDATE SKIP LOCKED: another instance skips them), then their contracts.
        const q = (name: string) => em.connection.driver.escape(name);
        const rows: Record<string, unknown>[] = await em.query(
          `SELECT ${REMINDER_STEP_COLUMNS.map(q).join(', ')} FROM ${q('approval_step')} WHERE ${q('status')} = 'pending' AND ${q('next_reminder_at')} <= ${now.getTime()} ` +
            `ORDER BY ${q('next_reminder_at')}, ${q('id')} LIMIT ${Math.floor(limit)} FOR UPDATE SKIP LOCKED`,
        );
        if (rows.length === 0) return [];
        const steps = rows.map((r) => reminderStep(REMINDER_STEP_COLUMNS.map((c) => r[c])));
        const ids = [...new Set(steps.map((st) => st.contractId))];
        const contracts: { id: number | string; number: string; title: string }[] = await em.query(
          `SELECT ${q('id')}, ${q('number')}, ${q('title')} FROM ${q('contract')} WHERE ${q('id')} IN (${ids.join(', ')})`,
        );
        const byId = new Map(contracts.map((c) => [Number(c.id), { id: Number(c.id), number: c.number, title: c.title }]));
        return steps.map((step) => ({ step, contract: byId.get(step.contractId)! }));
      },
      async recordReminders(tx, updates) {
        const em = managerOf(tx);
        const pending = "approval_step.status = 'pending'";
        const sent = updates.filter((u) => u.sent);
        const moved = updates.filter((u) => !u.sent);
        return (
          (await updateIntegersById(em, 'approval_step', ['next_reminder_at', 'reminder_count', 'last_reminded_at'], sent.map((u) => ({ id: u.id, values: [u.nextReminderAt.getTime(), u.sent!.reminderCount, u.sent!.at.getTime()] })), pending)) +
          (await updateIntegersById(em, 'approval_step', ['next_reminder_at'], moved.map((u) => ({ id: u.id, values: [u.nextReminderAt.getTime()] })), pending))
        );
      },
      transition: async (tx, id, from, patch) => (await updateRows(managerOf(tx), ApprovalStepEntity, patch, 'id = ? AND status = ?', [id, from])) === 1,
    },

    reports: createReportRepository(),

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
      append: (tx, e) => appendAudit(tx, [e]),
      appendMany: (tx, events) => appendAudit(tx, events),
      listByContract: async (tx, contractId) =>
        (await managerOf(tx).find(AuditEventEntity, {
          where: { contractId },
          order: { id: 'ASC' },
        })) as unknown as AuditEventRecord[],
      listByContractAndAction: (tx, contractId, action) =>
        selectRows<AuditEventRecord>(managerOf(tx), AuditEventEntity, 'contract_id = ? AND action = ?', [contractId, action], 'ORDER BY id'),
    },

    outbox: {
      // One statement per message: no existence check, no read-back (a decision queues four).
      enqueue: async (tx, message, now) => (await insertRows(managerOf(tx), 'outbox', OUTBOX_INSERT_COLUMNS, [outboxRow(message, now)], { ignoreDuplicates: true })) === 1,
      async enqueueMany(tx, messages, now) {
        // In one INSERT per few thousand; a key already there is skipped (a concurrent instance may
        // have enqueued the same key a moment ago).
        await insertRows(managerOf(tx), 'outbox', OUTBOX_INSERT_COLUMNS, messages.map((m) => outboxRow(m, now)), { ignoreDuplicates: true });
      },
      async existingKeys(tx, keys) {
        if (keys.length === 0) return new Set();
        const em = managerOf(tx);
        const { sql, params } = keyList(em, [...new Set(keys)], 1);
        const rows: { k: string }[] = await em.query(`SELECT dedupe_key AS k FROM outbox WHERE dedupe_key ${sql}`, params);
        return new Set(rows.map((r) => r.k));
      },
      async markCarried(tx, messages, now) {
        // Status `merged`: never claimed or sent (only `pending` rows are), never counted as sent to
        // its recipient; no content: the digest that carried it has that.
        const rows = messages.map((m) => outboxRow({ ...m, views: [] }, now, 'merged'));
        await insertRows(managerOf(tx), 'outbox', OUTBOX_INSERT_COLUMNS, rows, { ignoreDuplicates: true });
      },
      status: (tx, now) => outboxStatus(tx, now),
    },
    serviceTickets: createServiceTicketRepository(),
  };
}

async function appendAudit(tx: Tx, events: Omit<AuditEventRecord, 'id'>[]): Promise<void> {
  const rows = events.map((e) => [e.at.getTime(), e.actorId, e.actingFor, e.action, e.contractId, e.customerId, JSON.stringify(e.detail), e.platform, e.automatic]);
  await insertRows(managerOf(tx), 'audit_event', ['at', 'actor_id', 'acting_for', 'action', 'contract_id', 'customer_id', 'detail', 'platform', 'automatic'], rows);
}

/** What a reminder reads of a due step, in this order (reminderStep). */
const REMINDER_STEP_COLUMNS = ['id', 'contract_id', 'seq', 'role', 'assignee_id', 'due_at', 'reminder_count'];
const REMINDER_DUE_SQLITE =
  `SELECT ${REMINDER_STEP_COLUMNS.map((c) => `s."${c}"`).join(', ')}, c."number", c."title" FROM "approval_step" s JOIN "contract" c ON c."id" = s."contract_id" ` +
  `WHERE s."status" = 'pending' AND s."next_reminder_at" <= ? ORDER BY s."next_reminder_at", s."id" LIMIT ?`;

/** A due step's REMINDER_STEP_COLUMNS as read by a raw query (PostgreSQL returns BIGINT as a string). */
function reminderStep(v: unknown[]): ReminderStep {
  return {
    id: Number(v[0]),
    contractId: Number(v[1]),
    seq: Number(v[2]),
    role: v[3] as ReminderStep['role'],
    assigneeId: v[4] as string,
    dueAt: v[5] === null || v[5] === undefined ? null : new Date(Number(v[5])),
    reminderCount: Number(v[6]),
  };
}

const asInbox = (e: InboxEntity): InboxRecord => e as unknown as InboxRecord;

/** What a pruned payload becomes: small, and says why the event is gone. */
export const PRUNED_PAYLOAD = { pruned: true } as const;

/** Rows per multi-row insert: far below every database's limit of bound parameters (11 per row). */
const ACCEPT_CHUNK = 200;

/** An inbox row this holder may claim: unfinished, and its own, unclaimed, or its claim run out (placeholders: holder, now). */
const CLAIMABLE = "status = 'received' AND (claimed_by = ? OR claim_until IS NULL OR claim_until <= ?)";
/** An unfinished inbox row claimed by the holder: placeholders id, holder. */
const HELD = "id = ? AND status = 'received' AND claimed_by = ?";

export function createInboxStore(): InboxStore {
  const acceptMany: InboxStore['acceptMany'] = async (tx, events, now, claim) => {
    const em = managerOf(tx);
    // The first event with a key is inserted; a later one in the same batch is a redelivery.
    const first = new Map<string, number>();
    events.forEach((e, i) => first.has(e.deliveryKey) || first.set(e.deliveryKey, i));
    const tokens = events.map((e, i) => (first.get(e.deliveryKey) === i ? randomUUID() : null));
    const fresh = events.flatMap((e, i) => (tokens[i] ? [{ e, token: tokens[i]! }] : []));
    const won = new Map<string, number>();
    const dialect = dialectOf(em);
    for (let at = 0; at < fresh.length; at += ACCEPT_CHUNK) {
      const chunk = fresh.slice(at, at + ACCEPT_CHUNK);
      const params: unknown[] = [];
      for (const { e, token } of chunk) {
        params.push(e.deliveryKey, e.platform, e.kind, JSON.stringify(e.payload), token, e.attempted ? 1 : 0, claim?.holder ?? null, claim?.until.getTime() ?? null, now.getTime());
      }
      const values = chunk.map(() => "(?, ?, ?, ?, 'received', ?, ?, ?, ?, ?)").join(', ');
      const into = `INTO inbox (delivery_key, platform, kind, payload, status, claim_token, attempts, claimed_by, claim_until, received_at) VALUES ${values}`;
      // A key recorded before, or by a concurrent transaction a moment ago, is skipped.
      if (dialect !== 'mysql') {
        // The rows inserted come back: the keys this batch won.
        const { records } = await execute(em, `INSERT ${into} ON CONFLICT DO NOTHING RETURNING id, delivery_key, claim_token`, params);
        for (const r of records) won.set(`${r.delivery_key}\n${r.claim_token}`, Number(r.id));
        continue;
      }
      await execute(em, `INSERT IGNORE ${into}`, params);
      // Whoever's token is stored won the insert of that key.
      const { records } = await execute(em, `SELECT id, delivery_key, claim_token FROM inbox WHERE delivery_key IN (${chunk.map(() => '?').join(', ')})`, chunk.map(({ e }) => e.deliveryKey));
      for (const r of records) won.set(`${r.delivery_key}\n${r.claim_token}`, Number(r.id));
    }
    return events.map((e, i) => {
      const id = tokens[i] ? won.get(`${e.deliveryKey}\n${tokens[i]}`) : undefined;
      if (id === undefined) return null;
      const { attempted, ...arrival } = e;
      return {
        id,
        ...arrival,
        status: 'received',
        attempts: attempted ? 1 : 0,
        claimedBy: claim?.holder ?? null,
        claimUntil: claim?.until ?? null,
        receivedAt: now,
        error: null,
      } satisfies InboxRecord;
    });
  };

  return {
    acceptMany,
    async accept(tx, event, now, claim) {
      return (await acceptMany(tx, [event], now, claim))[0]!;
    },
    async claimNext(tx, { holder, until, now }, limit, exclude) {
      const em = managerOf(tx);
      const except = exclude.length ? ` AND id NOT IN (${exclude.map(() => '?').join(', ')})` : '';
      const { records: rows } = await execute(em, `SELECT id, attempts FROM inbox WHERE ${CLAIMABLE}${except} ORDER BY id LIMIT ?`, [holder, now, ...exclude, limit]);
      if (rows.length === 0) return [];
      // Never attempted: taken together. Attempted before: alone (see the port).
      const firstNew = rows.findIndex((r) => Number(r.attempts) > 0);
      const ids = (Number(rows[0]!.attempts) > 0 ? rows.slice(0, 1) : rows.slice(0, firstNew < 0 ? rows.length : firstNew)).map((r) => Number(r.id));
      const token = randomUUID();
      const idList = ids.map(() => '?').join(', ');
      // Conditional: of two instances claiming the same rows at once, each row goes to one of them.
      await execute(em, `UPDATE inbox SET claimed_by = ?, claim_until = ?, claim_token = ?, attempts = attempts + 1 WHERE id IN (${idList}) AND ${CLAIMABLE}`, [holder, until, token, ...ids, holder, now]);
      return selectRows<InboxRecord>(em, InboxEntity, `id IN (${idList}) AND claim_token = ?`, [...ids, token], 'ORDER BY id');
    },
    async claim(tx, id, { holder, until, now }) {
      const em = managerOf(tx);
      // One conditional update: of two instances claiming at once, one matches the row.
      const set = `UPDATE inbox SET claimed_by = ?, claim_until = ?, attempts = attempts + 1 WHERE id = ? AND ${CLAIMABLE}`;
      const params = [holder, until, id, holder, now];
      if (dialectOf(em) !== 'mysql') {
        const { records } = await execute(em, `${set} RETURNING ${columnList(em, InboxEntity)}`, params);
        return records[0] ? hydrate<InboxRecord>(em, InboxEntity, records[0]) : null;
      }
      if ((await execute(em, set, params)).affected !== 1) return null;
      return (await selectRows<InboxRecord>(em, InboxEntity, 'id = ?', [id]))[0]!;
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
    finish: async (tx, id, holder, status, now, error) =>
      (await updateRows(managerOf(tx), InboxEntity, { status, processedAt: now, claimUntil: null, error: error?.slice(0, 2000) ?? null }, HELD, [id, holder])) === 1,
    release: async (tx, id, holder, retryAt, error) =>
      (await updateRows(managerOf(tx), InboxEntity, { claimedBy: null, claimUntil: retryAt, error: error.slice(0, 2000) }, HELD, [id, holder])) === 1,
    releaseHeld: async (tx, holder) =>
      updateRows(managerOf(tx), InboxEntity, { claimedBy: null, claimUntil: null }, "status = 'received' AND claimed_by = ?", [holder]),
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
  // Plain SQL with a fixed text per database, values always bound as parameters: better-sqlite3
  // reuses the prepared statement, and no value (a recipient key with quotes) becomes SQL. Lists of
  // ids and keys travel as one parameter (json_each on SQLite, an array on PostgreSQL); MySQL gets
  // one placeholder per element.
  return {
    async claimDue(tx, { now, limit, holder, until }) {
      const em = managerOf(tx);
      const at = now.getTime();
      switch (dialectOf(em)) {
        case 'sqlite': {
          // Transactions start with BEGIN IMMEDIATE (unit-of-work.ts): no other claim runs between
          // the listing and the update, so one statement lists and claims.
          const rows: OutboxRow[] = await em.query(
            `UPDATE outbox SET claimed_by = ?, claim_until = ? WHERE id IN (${dueIds('?', '?', '?', '?', '?', 'o.id', SQLITE_DUE_FROM)}) RETURNING ${OUTBOX_COLUMNS}`,
            [holder, until.getTime(), at, at, at, at, limit],
          );
          return { messages: rows.map(fromOutboxRow).sort((a, b) => a.id - b.id), contended: false };
        }
        case 'postgres': {
          // One statement: list, then claim what is still unclaimed once a concurrent claimer has
          // committed (the update re-checks a row it waited for). Unclaimed listed rows come back too.
          const rows: (OutboxRow & ListedRow)[] = await em.query(
            `WITH due AS (${dueIds('$1', '$1', '$1', '$1', '$4', 'o.id, o.recipient_key, o.urgent')}),` +
              ` claimed AS (UPDATE outbox u SET claimed_by = $2, claim_until = $3 FROM due WHERE u.id = due.id AND u.status = 'pending'` +
              ` AND (u.claim_until IS NULL OR u.claim_until < $1) RETURNING ${OUTBOX_COLUMNS.replace(/(^|, )/g, '$1u.')})` +
              ' SELECT due.id AS listed_id, due.recipient_key AS listed_key, due.urgent AS listed_urgent, claimed.* FROM due LEFT JOIN claimed ON claimed.id = due.id ORDER BY due.id',
            [at, holder, until.getTime(), limit],
          );
          return keepOrder(em, rows, holder);
        }
        case 'mysql': {
          // MySQL cannot update a table it reads in a subquery: list, claim, read back what was claimed.
          const listed: { id: number; recipient_key: string; urgent: unknown }[] = await em.query(dueIds('?', '?', '?', '?', '?', 'o.id, o.recipient_key, o.urgent'), [at, at, at, at, limit]);
          if (listed.length === 0) return { messages: [], contended: false };
          const ids = listed.map((l) => Number(l.id));
          await em.query(
            `UPDATE outbox SET claimed_by = ?, claim_until = ? WHERE id IN (${placeholders(ids)}) AND status = 'pending' AND (claim_until IS NULL OR claim_until < ?)`,
            [holder, until.getTime(), ...ids, at],
          );
          const claimed: OutboxRow[] = await em.query(
            `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id IN (${placeholders(ids)}) AND claimed_by = ? AND claim_until = ?`,
            [...ids, holder, until.getTime()],
          );
          const byId = new Map(claimed.map((r) => [Number(r.id), r]));
          return keepOrder(
            em,
            listed.map((l) => ({ ...(byId.get(Number(l.id)) ?? ({} as OutboxRow)), listed_id: l.id, listed_key: l.recipient_key, listed_urgent: l.urgent })),
            holder,
          );
        }
      }
    },
    async renew(tx, ids, holder, until) {
      if (ids.length === 0) return [];
      const em = managerOf(tx);
      const { sql, params } = idList(em, ids, 2);
      const set = `UPDATE outbox SET claim_until = ${param(em, 1)} WHERE id ${sql} AND status = 'pending' AND claimed_by = ${param(em, params.length + 2)}`;
      if (dialectOf(em) !== 'mysql') {
        const rows: { id: number | string }[] = await em.query(`${set} RETURNING id`, [until.getTime(), ...params, holder]);
        return rows.map((r) => Number(r.id));
      }
      await em.query(set, [until.getTime(), ...params, holder]);
      const rows: { id: number | string }[] = await em.query(`SELECT id FROM outbox WHERE id ${sql} AND status = 'pending' AND claimed_by = ? AND claim_until = ?`, [...params, holder, until.getTime()]);
      return rows.map((r) => Number(r.id));
    },
    async release(tx, ids, holder) {
      if (ids.length === 0) return;
      const em = managerOf(tx);
      const { sql, params } = idList(em, ids, 1);
      await em.query(`UPDATE outbox SET claimed_by = NULL, claim_until = NULL WHERE id ${sql} AND claimed_by = ${param(em, params.length + 1)}`, [...params, holder]);
    },
    async sentSince(tx, keys, since) {
      const counts = new Map<string, { count: number; earliest: Date }>();
      if (keys.length === 0) return counts;
      const em = managerOf(tx);
      const { sql, params } = keyList(em, [...new Set(keys)], 1);
      // sent_at is set only when a message is sent; IDX_outbox_recipient_sent answers this alone.
      const rows: { k: string; n: number | string; earliest: number | string }[] = await em.query(
        `SELECT recipient_key AS k, COUNT(*) AS n, MIN(sent_at) AS earliest FROM outbox WHERE recipient_key ${sql} AND sent_at > ${param(em, params.length + 1)} GROUP BY recipient_key`,
        [...params, since.getTime()],
      );
      for (const r of rows) counts.set(r.k, { count: Number(r.n), earliest: new Date(Number(r.earliest)) });
      return counts;
    },
    async markSent(tx, ids, now) {
      if (ids.length === 0) return;
      const em = managerOf(tx);
      const { sql, params } = idList(em, ids, 2);
      await em.query(
        `UPDATE outbox SET status = 'sent', sent_at = ${param(em, 1)}, attempts = attempts + 1, last_error = NULL, claim_until = NULL WHERE id ${sql}`,
        [now.getTime(), ...params],
      );
    },
    async markFailed(tx, id, error, nextAttemptAt) {
      const em = managerOf(tx);
      const p = (n: number) => param(em, n);
      await em.query(
        `UPDATE outbox SET status = ${p(1)}, attempts = attempts + 1, claim_until = NULL, last_error = ${p(2)}, next_attempt_at = COALESCE(${p(3)}, next_attempt_at) WHERE id = ${p(4)}`,
        [nextAttemptAt ? 'pending' : 'dead', error.slice(0, 2000), nextAttemptAt?.getTime() ?? null, id],
      );
    },
    async defer(tx, ids, at, reason) {
      if (ids.length === 0) return;
      const em = managerOf(tx);
      const { sql, params } = idList(em, ids, 3);
      await em.query(`UPDATE outbox SET next_attempt_at = ${param(em, 1)}, last_error = ${param(em, 2)}, claim_until = NULL WHERE id ${sql}`, [
        at.getTime(),
        reason.slice(0, 2000),
        ...params,
      ]);
    },
    status: (tx, now) => outboxStatus(tx, now),
    async findAttachments(tx, id) {
      const row = await managerOf(tx).findOne(OutboxEntity, { where: { id }, select: { id: true, attachments: true } });
      return row ? ((row.attachments as Attachment[] | null) ?? []) : null;
    },
    async prune(tx, before, now, limit) {
      const em = managerOf(tx);
      // Served by IDX_outbox_retention (pruned_at, sent_at): rows already pruned are never read again.
      const rows: { id: number | string }[] = await em.query(
        `SELECT id FROM outbox WHERE pruned_at IS NULL AND sent_at < ${param(em, 1)} AND status = 'sent' ORDER BY sent_at LIMIT ${Math.floor(limit)}`,
        [before.getTime()],
      );
      if (rows.length === 0) return 0;
      const { sql, params } = idList(em, rows.map((r) => Number(r.id)), 2);
      await em.query(`UPDATE outbox SET views = '[]', attachments = NULL, last_error = NULL, pruned_at = ${param(em, 1)} WHERE id ${sql}`, [now.getTime(), ...params]);
      return rows.length;
    },
  };
}

/** The n-th (1-based) parameter's placeholder. */
const param = (em: EntityManager, n: number): string => (dialectOf(em) === 'postgres' ? `$${n}` : '?');
const placeholders = (values: readonly unknown[]): string => values.map(() => '?').join(', ');

/** `IN (…)` for a list of ids as SQL and parameters, its first parameter being the `first`-th. */
function idList(em: EntityManager, ids: readonly number[], first: number): { sql: string; params: unknown[] } {
  switch (dialectOf(em)) {
    case 'sqlite':
      return { sql: 'IN (SELECT value FROM json_each(?))', params: [JSON.stringify(ids)] };
    case 'postgres':
      return { sql: `= ANY($${first}::int[])`, params: [[...ids]] };
    case 'mysql':
      return { sql: `IN (${placeholders(ids)})`, params: [...ids] };
  }
}

function keyList(em: EntityManager, keys: readonly string[], first: number): { sql: string; params: unknown[] } {
  switch (dialectOf(em)) {
    case 'sqlite':
      return { sql: 'IN (SELECT value FROM json_each(?))', params: [JSON.stringify(keys)] };
    case 'postgres':
      return { sql: `= ANY($${first}::text[])`, params: [[...keys]] };
    case 'mysql':
      return { sql: `IN (${placeholders(keys)})`, params: [...keys] };
  }
}

/**
 * The ids (or `columns`) of pending messages due now, oldest first: not claimed, and no earlier
 * message to the same recipient waiting (retry, throttle, quiet hours) or claimed; urgent ones may
 * overtake. Placeholders: now ×4, limit.
 */
const dueIds = (now1: string, now2: string, now3: string, now4: string, limit: string, columns = 'o.id', from = 'outbox o'): string =>
  `SELECT ${columns} FROM ${from} WHERE o.status = 'pending' AND o.next_attempt_at <= ${now1} AND (o.claim_until IS NULL OR o.claim_until < ${now2})` +
  ' AND (o.urgent = true OR NOT EXISTS (SELECT 1 FROM outbox e WHERE e.recipient_key = o.recipient_key AND e.status = \'pending\' AND e.id < o.id' +
  ` AND (e.next_attempt_at > ${now3} OR e.claim_until >= ${now4})))` +
  ` ORDER BY o.id LIMIT ${limit}`;

/** SQLite without statistics prefers (status, next_attempt_at) and sorts every pending row: walk in id order instead. */
const SQLITE_DUE_FROM = 'outbox o INDEXED BY IDX_outbox_pending_order';

const OUTBOX_COLUMNS = 'id, dedupe_key, recipient, views, attachments, urgent, updates_card, status, attempts, next_attempt_at, created_at, sent_at, last_error';

interface OutboxRow {
  id: number | string;
  dedupe_key: string;
  recipient: unknown;
  views: unknown;
  attachments: unknown;
  urgent: unknown;
  updates_card: string | null;
  status: OutboxRecord['status'];
  attempts: number | string;
  next_attempt_at: number | string;
  created_at: number | string;
  sent_at: number | string | null;
  last_error: string | null;
}

/** A row a claim listed, with the claimed row's columns when this claim got it (null otherwise). */
interface ListedRow {
  listed_id: number | string;
  listed_key: string;
  listed_urgent: unknown;
}

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
const instant = (v: number | string | null): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));
const flag = (v: unknown): boolean => v === true || v === 1 || v === '1';

const fromOutboxRow = (r: OutboxRow): OutboxRecord => ({
  id: Number(r.id),
  dedupeKey: r.dedupe_key,
  to: json(r.recipient) as OutboxRecord['to'],
  views: json(r.views) as OutboxRecord['views'],
  ...(r.attachments ? { attachments: json(r.attachments) as Attachment[] } : {}),
  urgent: flag(r.urgent),
  updatesCard: r.updates_card ?? undefined,
  status: r.status,
  attempts: Number(r.attempts),
  nextAttemptAt: instant(r.next_attempt_at)!,
  createdAt: instant(r.created_at)!,
  sentAt: instant(r.sent_at),
  lastError: r.last_error,
});

/**
 * What a claim may keep, in id order: a listed message that a concurrent claimer took holds back
 * the later ones to its recipient (urgent ones excepted), which are released again at once.
 */
async function keepOrder(em: EntityManager, listed: (Partial<OutboxRow> & ListedRow)[], holder: string): Promise<{ messages: OutboxRecord[]; contended: boolean }> {
  const held = new Set<string>();
  const keep: OutboxRecord[] = [];
  const release: number[] = [];
  for (const row of listed) {
    if (row.id === null || row.id === undefined) held.add(row.listed_key);
    else if (held.has(row.listed_key) && !flag(row.listed_urgent)) release.push(Number(row.id));
    else keep.push(fromOutboxRow(row as OutboxRow));
  }
  if (release.length) {
    const { sql, params } = idList(em, release, 1);
    await em.query(`UPDATE outbox SET claimed_by = NULL, claim_until = NULL WHERE id ${sql} AND claimed_by = ${param(em, params.length + 1)}`, [...params, holder]);
  }
  return { messages: keep, contended: held.size > 0 };
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
    async prune(tx, before, afterId, limit) {
      const em = managerOf(tx);
      const rows = await em
        .createQueryBuilder(CardDeliveryEntity, 'c')
        .select(['c.id', 'c.cardKey', 'c.usedAt'])
        .where('c.id > :afterId AND c.sent_at < :before', { afterId, before: before.getTime() })
        .orderBy('c.id', 'ASC')
        .take(limit)
        .getMany();
      if (rows.length === 0) return { looked: 0, deleted: 0, lastId: afterId };
      // The card of an approval step still pending may be updated when it is decided: kept.
      const stepOf = (key: string) => /^approval:(\d+)$/.exec(key)?.[1];
      const stepIds = [...new Set(rows.filter((r) => !r.usedAt).map((r) => stepOf(r.cardKey)).filter((id): id is string => !!id).map(Number))];
      const pending = new Set(
        stepIds.length === 0 ? [] : (await em.find(ApprovalStepEntity, { select: { id: true }, where: { id: In(stepIds), status: 'pending' } })).map((s) => s.id),
      );
      const ids = rows.filter((r) => r.usedAt || !pending.has(Number(stepOf(r.cardKey)))).map((r) => r.id);
      if (ids.length) await em.delete(CardDeliveryEntity, { id: In(ids) });
      return { looked: rows.length, deleted: ids.length, lastId: rows[rows.length - 1]!.id };
    },
  };
}

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
