import type { Person } from '../handlers/domain/types';
import type { DirectoryMemberRecord, DirectoryStore, Tx, UnitOfWork } from '../handlers/ports';
import { DirectoryMemberEntity, PersonEntity, PersonIdentityEntity } from './entities';
import { managerOf } from './unit-of-work';

/**
 * Mirrors the directory (the policy's people and the synced ones) into the person tables, so
 * contracts and steps can reference people. People no longer in it are kept (their history points at
 * them) but marked inactive.
 */
export async function syncDirectory(uow: UnitOfWork, people: readonly Person[]): Promise<void> {
  // Through the unit of work: on SQLite its write transaction begins IMMEDIATE, so an instance
  // starting while another is writing waits for the lock instead of failing with "database is locked".
  await uow.run((tx) => mirrorPeople(tx, people));
}

async function mirrorPeople(tx: Tx, people: readonly Person[]): Promise<void> {
  const em = managerOf(tx);
  const listed = new Set(people.map((p) => p.id));
  for (const existing of await em.find(PersonEntity)) {
    if (!listed.has(existing.id) && existing.active) await em.update(PersonEntity, { id: existing.id }, { active: false });
  }
  for (const p of people) {
    const values = { name: p.name, roles: p.roles, managerId: p.manager ?? null, active: true };
    if (await em.existsBy(PersonEntity, { id: p.id })) await em.update(PersonEntity, { id: p.id }, values as never);
    else await em.insert(PersonEntity, { id: p.id, ...values } as never);
  }
  await em.createQueryBuilder().delete().from(PersonIdentityEntity).execute();
  for (const p of people) {
    for (const identity of p.identities) await em.insert(PersonIdentityEntity, { identity, personId: p.id });
  }
}

const asMember = (e: DirectoryMemberEntity): DirectoryMemberRecord => ({ ...e });

export function createDirectoryStore(): DirectoryStore {
  return {
    async listMembers(tx) {
      return (await managerOf(tx).find(DirectoryMemberEntity, { order: { platform: 'ASC', userId: 'ASC' } })).map(asMember);
    },
    async saveMembers(tx, members) {
      if (members.length) await managerOf(tx).save(DirectoryMemberEntity, members.map((m) => ({ ...m })), { chunk: 200 });
    },
    mirrorPeople,
    async revision(tx) {
      const row = await managerOf(tx)
        .createQueryBuilder(DirectoryMemberEntity, 'm')
        .select('MAX(m.updated_at)', 'latest')
        .addSelect('COUNT(*)', 'count')
        .getRawOne<{ latest: string | number | null; count: string | number }>();
      return `${row?.latest ?? 0}:${row?.count ?? 0}`;
    },
  };
}
