// SQLite runs inside this process: a statement costs its B-tree work plus the call into the driver,
// and TypeORM's query path adds an async call, its logging, a copy of the parameters, an object per
// row read and a statement cache that evicts the oldest after 100 texts. The hot path's plain SQL
// (rows.ts) and a reminder tick's thousand-row reads and writes run statements prepared once per
// connection directly on better-sqlite3's connection. It has one connection, so they run in the
// transaction the unit of work opened on it.

import type { EntityManager } from 'typeorm';

/** What the repositories use of better-sqlite3's connection and statements (storage depends on TypeORM only). */
export interface SqliteStatement {
  /** Whether it returns rows (a SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  run(...params: unknown[]): { changes: number };
  /** Rows as arrays of column values, in the SELECT's order. */
  raw(on: boolean): SqliteStatement;
  all(...params: unknown[]): unknown[];
}
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  readonly inTransaction: boolean;
  transaction<T>(work: () => T): () => T;
}

/** The better-sqlite3 connection under `em`, or undefined on PostgreSQL and MySQL. */
export function sqliteConnection(em: EntityManager): SqliteDatabase | undefined {
  if (em.connection.options.type !== 'better-sqlite3') return undefined;
  return (em.connection.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
}

/** Prepared statements per connection, by SQL text: a few hundred texts (lists of ids vary in length). */
const prepared = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();
const PREPARED_KEPT = 500;
/** Longer texts are multi-row writes, run once per batch: prepared each time, their native memory not held. */
const PREPARED_TEXT_MAX = 2000;

/** `sql` prepared on `db`, kept for the next call (a statement in raw mode stays so: one text per use). */
export function statement(db: SqliteDatabase, sql: string): SqliteStatement {
  let statements = prepared.get(db);
  if (!statements) prepared.set(db, (statements = new Map()));
  let s = statements.get(sql);
  if (!s) {
    s = db.prepare(sql);
    if (sql.length <= PREPARED_TEXT_MAX) {
      if (statements.size >= PREPARED_KEPT) statements.delete(statements.keys().next().value!);
      statements.set(sql, s);
    }
  }
  return s;
}

/**
 * Runs `sql` once per row of values; returns how many rows it changed in all. Atomic: inside the
 * caller's transaction, or in one of its own when none is open.
 */
export function runEach(db: SqliteDatabase, sql: string, rows: readonly unknown[][]): number {
  const s = statement(db, sql);
  const all = () => {
    let changed = 0;
    for (const row of rows) changed += s.run(...row).changes;
    return changed;
  };
  return db.inTransaction ? all() : db.transaction(all)();
}
