import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** File path or `:memory:` for SQLite; the URL otherwise. */
  location: string;
}

/**
 * Reads `DATABASE_URL`: `sqlite:<path>` (relative to the working directory, or absolute),
 * `sqlite::memory:`, `postgres://…` / `postgresql://…`, `mysql://…` / `mariadb://…`.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const location = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!location) throw new Error(`DATABASE_URL "${url}": expected sqlite:<path> or sqlite::memory:`);
    return { kind: 'sqlite', location };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', location: url };
  if (/^(mysql|mariadb):\/\//.test(url)) return { kind: 'mysql', location: url.replace(/^mariadb:/, 'mysql:') };
  throw new Error(
    `DATABASE_URL "${url}": expected sqlite:<path>, sqlite::memory:, postgres://… or mysql://…`,
  );
}

export function dataSourceOptions(target: DatabaseTarget): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  switch (target.kind) {
    case 'sqlite':
      return {
        ...common,
        type: 'better-sqlite3',
        database: target.location,
        enableWAL: target.location !== ':memory:',
        timeout: 10_000, // busy timeout: another process may hold the write lock for a moment
      };
    case 'postgres':
      return { ...common, type: 'postgres', url: target.location };
    case 'mysql':
      return { ...common, type: 'mysql', url: target.location, charset: 'utf8mb4' };
  }
}

/** Opens the database (creating the SQLite file's folder) and runs pending migrations. */
export async function openDatabase(url: string): Promise<{ dataSource: DataSource; kind: DatabaseKind }> {
  const target = parseDatabaseUrl(url);
  if (target.kind === 'sqlite' && target.location !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(target.location)), { recursive: true });
  }
  const dataSource = new DataSource(dataSourceOptions(target));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return { dataSource, kind: target.kind };
}

/** True when the database answers a trivial query. */
export async function pingDatabase(dataSource: DataSource): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  try {
    await dataSource.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
