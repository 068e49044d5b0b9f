import path from 'node:path';
import type { DataSource } from 'typeorm';

/** The absolute path of a better-sqlite3 data source's database file; null for an in-memory database. */
export function sqliteDatabaseFile(dataSource: DataSource): string | null {
  const connection = (dataSource.driver as unknown as { databaseConnection: { name: string; memory: boolean } }).databaseConnection;
  return connection.memory ? null : path.resolve(connection.name);
}
