// The service-ticket repository of handlers/ports.ts on TypeORM.

import { And, LessThan, LessThanOrEqual, MoreThan, MoreThanOrEqual, Not, IsNull, Raw } from 'typeorm';
import type { NewServiceTicket, ServiceTicketRecord, ServiceTicketRepository, TicketRatings, Tx } from '../../handlers/ports';
import { ServiceTicketEntity } from '../entities';
import { managerOf } from '../unit-of-work';
import { ownedContracts, ownersParam } from './owned-contracts';

type Patch = Partial<Omit<ServiceTicketRecord, 'id' | 'number' | 'version'>>;

function toRecord(e: ServiceTicketEntity): ServiceTicketRecord {
  const { ratingSpeed, ratingAbility, ratingAttitude, ratingProfessional, ...rest } = e;
  const ratings: TicketRatings | null =
    ratingSpeed === null ? null : { speed: ratingSpeed, ability: ratingAbility!, attitude: ratingAttitude!, professional: ratingProfessional! };
  return { ...(rest as unknown as Omit<ServiceTicketRecord, 'ratings'>), ratings };
}

function toColumns(patch: Patch): Partial<ServiceTicketEntity> {
  const { ratings, ...rest } = patch;
  const out = { ...rest } as Partial<ServiceTicketEntity>;
  if (ratings !== undefined) {
    out.ratingSpeed = ratings?.speed ?? null;
    out.ratingAbility = ratings?.ability ?? null;
    out.ratingAttitude = ratings?.attitude ?? null;
    out.ratingProfessional = ratings?.professional ?? null;
  }
  return out;
}

/** A find() condition for tickets of contracts `owners` own (nothing for null: everyone's). */
const ownedBy = (owners: readonly string[] | null) =>
  owners === null ? {} : { contractId: Raw((column) => `${column} IN ${ownedContracts(owners)}`, ownersParam(owners)) };

export function createServiceTicketRepository(): ServiceTicketRepository {
  return {
    async insert(tx, number, t: NewServiceTicket) {
      const em = managerOf(tx);
      const result = await em.insert(ServiceTicketEntity, { ...toColumns(t), number, version: 1 } as never);
      const id = result.identifiers[0]?.id as number;
      return toRecord(await em.findOneByOrFail(ServiceTicketEntity, { id }));
    },
    async findByNumber(tx, number) {
      const e = await managerOf(tx).findOneBy(ServiceTicketEntity, { number });
      return e ? toRecord(e) : null;
    },
    async update(tx, id, version, patch) {
      const result = await managerOf(tx).update(ServiceTicketEntity, { id, version }, { ...toColumns(patch), version: version + 1 } as never);
      return (result.affected ?? 0) === 1;
    },
    listCheckDue: (tx, now, afterId, limit) => page(tx, { nextCheckAt: And(Not(IsNull()), LessThanOrEqual(now)) }, afterId, limit),
    listOpenedBetween: (tx, from, to, afterId, limit, owners = null) =>
      page(tx, { openedAt: And(MoreThanOrEqual(from), LessThan(to)), ...ownedBy(owners) }, afterId, limit),
    listRatedBetween: (tx, from, to, afterId, limit, owners = null) =>
      page(tx, { ratedAt: And(MoreThanOrEqual(from), LessThan(to)), ...ownedBy(owners) }, afterId, limit),
  };
}

/** One page of tickets matching `where`, by id after `afterId` (the jobs and reports read in pages). */
async function page(tx: Tx, where: Record<string, unknown>, afterId: number, limit: number) {
  const rows = await managerOf(tx).find(ServiceTicketEntity, { where: { ...where, id: MoreThan(afterId) } as never, order: { id: 'ASC' }, take: limit });
  return rows.map(toRecord);
}
