// Undoing one migration in a test that runs on the whole list: later migrations are undone first
// (TypeORM undoes the newest executed one), so a migration added later does not break the test.

import type { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../storage/migrations';

/** Undoes `migration` and every migration after it; `runMigrations` brings them all back. */
export async function undoThrough(ds: DataSource, migration: (typeof MIGRATIONS)[number]): Promise<void> {
  const index = MIGRATIONS.indexOf(migration);
  if (index < 0) throw new Error(`${migration.name} is not in MIGRATIONS`);
  for (let i = MIGRATIONS.length - 1; i >= index; i--) await ds.undoLastMigration({ transaction: 'each' });
}
