import type { Person } from '../handlers/domain/types';
import type { UnitOfWork } from '../handlers/ports';
import { PersonEntity, PersonIdentityEntity } from './entities';
import { managerOf } from './unit-of-work';

/**
 * Mirrors the policy's directory into the person tables, so contracts and steps can reference people.
 * People who left the policy are kept (their history points at them) but marked inactive.
 */
export async function syncDirectory(uow: UnitOfWork, people: readonly Person[]): Promise<void> {
  // Through the unit of work: on SQLite its write transaction begins IMMEDIATE, so an instance
  // starting while another is writing waits for the lock instead of failing with "database is locked".
  await uow.run(async (tx) => {
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
  });
}
