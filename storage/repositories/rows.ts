// Plain SQL for the hot paths (a decision, a claim, a finish): TypeORM's query builder and entity
// hydration cost more CPU than SQLite spends running the statement. The SQL text is fixed per call
// site and database (the statement cache reuses it) and every value is bound. The columns and their
// transformers come from the entities' metadata, so a row reads and writes as through TypeORM.

import { QueryFailedError, type EntityManager, type EntityTarget, type ObjectLiteral, type QueryRunner } from 'typeorm';
import { sqliteConnection, statement } from './sqlite-statements';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export const dialectOf = (em: EntityManager): Dialect => {
  const type = em.connection.options.type;
  return type === 'postgres' ? 'postgres' : type === 'mysql' || type === 'mariadb' ? 'mysql' : 'sqlite';
};

interface Column {
  property: string;
  /** The database's name, as a raw row's key. */
  name: string;
  quoted: string;
  from?: (v: unknown) => unknown;
  to?: (v: unknown) => unknown;
}

interface Table {
  quoted: string;
  columns: Column[];
  byProperty: Map<string, Column>;
  /** `"id", "contract_id", …`: every column, for SELECT. */
  list: string;
}

const tables = new WeakMap<object, Table>();

function tableOf(em: EntityManager, entity: EntityTarget<ObjectLiteral>): Table {
  const metadata = em.connection.getMetadata(entity);
  let table = tables.get(metadata);
  if (table) return table;
  const quote = (name: string) => em.connection.driver.escape(name);
  const columns = metadata.columns.map((c): Column => {
    const t = Array.isArray(c.transformer) ? undefined : c.transformer;
    return { property: c.propertyName, name: c.databaseName, quoted: quote(c.databaseName), ...(t ? { from: (v) => t.from(v), to: (v) => t.to(v) } : {}) };
  });
  table = { quoted: quote(metadata.tableName), columns, byProperty: new Map(columns.map((c) => [c.property, c])), list: columns.map((c) => c.quoted).join(', ') };
  tables.set(metadata, table);
  return table;
}

/** `?` placeholders as the database wants them (`$1, $2 …` on PostgreSQL); SQL texts are few, so cached. */
const numbered = new Map<string, string>();
function placeholdersFor(dialect: Dialect, sql: string): string {
  if (dialect !== 'postgres') return sql;
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

/**
 * A value as bound: integers as BigInt on SQLite (what TypeORM's number binding does,
 * sqlite-parameters.ts), booleans as 0/1 there (as TypeORM's better-sqlite3 runner does).
 */
const bound = (dialect: Dialect, v: unknown): unknown => {
  if (v instanceof Date) v = v.getTime();
  if (dialect === 'sqlite' && typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (dialect === 'sqlite' && typeof v === 'boolean') return v ? 1 : 0;
  return v;
};

interface Result {
  records: ObjectLiteral[];
  affected: number;
}

/** Runs a statement in the transaction: rows for a read, the changed-row count for a write. */
async function run(em: EntityManager, sql: string, params: unknown[]): Promise<Result> {
  const dialect = dialectOf(em);
  const runner = em.queryRunner;
  if (!runner) throw new Error('plain SQL on the hot path runs in a transaction');
  const values = params.map((p) => bound(dialect, p));
  if (dialect === 'sqlite') return runOnSqlite(em, runner, sql, values);
  const result = await runner.query(placeholdersFor(dialect, sql), values, true);
  return { records: (result.records ?? []) as ObjectLiteral[], affected: result.affected ?? 0 };
}

/**
 * SQLite: the statement (its values bound as they are) straight on the better-sqlite3 connection
 * that the transaction holds (there is one), logged and failing as TypeORM's runner would. TypeORM's
 * query() costs more than a short statement does (broadcasts, awaits, a statement cache that evicts
 * the oldest after 100 texts).
 */
export function runOnSqlite(em: EntityManager, runner: QueryRunner, sql: string, values: unknown[]): Result {
  const db = sqliteConnection(em)!;
  const logger = em.connection.logger;
  logger.logQuery(sql, values, runner);
  try {
    const s = statement(db, sql);
    if (s.reader) return { records: s.all(...values) as ObjectLiteral[], affected: 0 };
    return { records: [], affected: s.run(...values).changes };
  } catch (error) {
    logger.logQueryError(error as Error, sql, values, runner);
    throw new QueryFailedError(sql, values, error as Error);
  }
}

/** Every column of `entity`, for a SELECT or a RETURNING list. */
export const columnList = (em: EntityManager, entity: EntityTarget<ObjectLiteral>): string => tableOf(em, entity).list;

/** Rows of `entity` where `where` holds (database column names, `?` placeholders), then `tail` (ORDER BY …). */
export async function selectRows<R>(em: EntityManager, entity: EntityTarget<ObjectLiteral>, where: string, params: unknown[], tail = ''): Promise<R[]> {
  const table = tableOf(em, entity);
  const { records } = await run(em, `SELECT ${table.list} FROM ${table.quoted} WHERE ${where}${tail ? ` ${tail}` : ''}`, params);
  return records.map((r) => hydrate<R>(em, entity, r));
}

/** A row read by a plain query as its record: every column, through its transformer (as TypeORM hydrates). */
export function hydrate<R>(em: EntityManager, entity: EntityTarget<ObjectLiteral>, row: ObjectLiteral): R {
  const record: Record<string, unknown> = {};
  for (const c of tableOf(em, entity).columns) {
    const v = row[c.name];
    if (v === undefined) continue;
    record[c.property] = c.from ? c.from(v) : v;
  }
  return record as R;
}

/** Sets the properties of `patch` (through their transformers) where `where` holds; returns how many rows matched. */
export async function updateRows(em: EntityManager, entity: EntityTarget<ObjectLiteral>, patch: Record<string, unknown>, where: string, params: unknown[]): Promise<number> {
  const table = tableOf(em, entity);
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [property, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const column = table.byProperty.get(property);
    if (!column) throw new Error(`${table.quoted} has no property ${property}`);
    sets.push(`${column.quoted} = ?`);
    values.push(column.to ? column.to(value) : value);
  }
  if (sets.length === 0) throw new Error(`${table.quoted}: nothing to update`);
  return (await run(em, `UPDATE ${table.quoted} SET ${sets.join(', ')} WHERE ${where}`, [...values, ...params])).affected;
}

/** A statement of the caller's own (`?` placeholders): the rows it returns and how many it changed. */
export const execute = run;
