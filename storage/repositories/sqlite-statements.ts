// SQLite runs inside this process: a statement costs its B-tree work plus the call into the driver,
// and TypeORM's query path adds an async call, its logging, a copy of the parameters and an object
// per row read. For the reads and writes of a thousand rows in a reminder tick, statements prepared
// once per connection run directly on better-sqlite3's connection (rows read as arrays). It has one
// connection, so they run in the transaction the unit of work opened on it.

import type { EntityManager } from 'typeorm';

/** What this module uses of better-sqlite3's connection and statements (storage depends on TypeORM only). */
export interface SqliteStatement {
  run(params: readonly unknown[]): { changes: number };
  /** Rows as arrays of column values, in the SELECT's order. */
  raw(on: boolean): SqliteStatement;
  all(...params: unknown[]): unknown[];
}
interface Database {
  prepare(sql: string): SqliteStatement;
  readonly inTransaction: boolean;
  transaction<T>(work: () => T): () => T;
}

/** The better-sqlite3 connection under `em`, or undefined on PostgreSQL and MySQL. */
export function sqliteConnection(em: EntityManager): Database | undefined {
  if (em.connection.options.type !== 'better-sqlite3') return undefined;
  return (em.connection.driver as unknown as { databaseConnection: Database }).databaseConnection;
}

/** Prepared statements per connection, by SQL text (fixed per call site: a handful). */
const prepared = new WeakMap<Database, Map<string, SqliteStatement>>();

export function statement(db: Database, sql: string): SqliteStatement {
  let statements = prepared.get(db);
  if (!statements) prepared.set(db, (statements = new Map()));
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
}

/**
 * Runs `sql` once per row of values; returns how many rows it changed in all. Atomic: inside the
 * caller's transaction, or in one of its own when none is open.
 */
export function runEach(db: Database, sql: string, rows: readonly unknown[][]): number {
  const s = statement(db, sql);
  const all = () => {
    let changed = 0;
    for (const row of rows) changed += s.run(row).changes;
    return changed;
  };
  return db.inTransaction ? all() : db.transaction(all)();
}
