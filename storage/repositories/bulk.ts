// Many rows in few statements, for work that writes hundreds of rows at once (a reminder tick):
// multi-row INSERTs, and UPDATEs in one statement (on SQLite, which has no round trips, a prepared
// UPDATE run per row costs less: sqlite-statements.ts). Inserts stay multi-row on SQLite too: a
// prepared INSERT per row cost a reminder tick 25 % more instructions (callgrind). Values arrive as
// database values (numbers, strings, booleans, null); this module only knows the SQL dialects.

import type { EntityManager } from 'typeorm';
import { dialectOf, runOnSqlite } from './rows';
import { runEach, sqliteConnection } from './sqlite-statements';

type Value = string | number | boolean | null;

/** SQLite allows 32,766 bound parameters per statement; PostgreSQL and MySQL 65,535. */
const MAX_PARAMETERS = 30_000;


/**
 * Inserts rows in as few statements as the parameter limit allows; returns how many were inserted. With `ignoreDuplicates`, a row
 * whose unique key exists already is skipped (as the single-row enqueue does), never an error.
 */
export async function insertRows(
  em: EntityManager,
  table: string,
  columns: string[],
  rows: Value[][],
  options: { ignoreDuplicates?: boolean } = {},
): Promise<number> {
  let inserted = 0;
  const kind = em.connection.options.type;
  const quote = (name: string) => em.connection.driver.escape(name);
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: Value[] = [];
    const tuples = chunk.map((row) => {
      const marks = row.map((v) => {
        params.push(typeof v === 'boolean' && kind !== 'postgres' ? Number(v) : v);
        return kind === 'postgres' ? `$${params.length}` : '?';
      });
      return `(${marks.join(', ')})`;
    });
    const into = `${quote(table)} (${columns.map(quote).join(', ')})`;
    const ignore = options.ignoreDuplicates;
    const sql =
      kind === 'mysql'
        ? `INSERT ${ignore ? 'IGNORE ' : ''}INTO ${into} VALUES ${tuples.join(', ')}`
        : `INSERT INTO ${into} VALUES ${tuples.join(', ')}${ignore ? ' ON CONFLICT DO NOTHING' : ''}`;
    inserted += await affectedBy(em, sql, params);
  }
  return inserted;
}

/** Runs a write and returns how many rows it changed (each driver reports it its own way; TypeORM unifies it). */
async function affectedBy(em: EntityManager, sql: string, params: Value[]): Promise<number> {
  if (em.queryRunner && dialectOf(em) === 'sqlite') return runOnSqlite(em, em.queryRunner, sql, params).affected;
  const runner = em.queryRunner ?? em.connection.createQueryRunner();
  try {
    const result = (await runner.query(sql, params, true)) as { affected?: number };
    return result.affected ?? 0;
  } finally {
    if (!em.queryRunner) await runner.release();
  }
}

function safeInteger(v: number): number {
  if (!Number.isSafeInteger(v)) throw new TypeError(`updateIntegersById: not a safe integer: ${v}`);
  return v;
}
const literal = (v: number) => String(safeInteger(v));

/**
 * Sets integer columns of many rows by id, where `where` holds (columns qualified by the table's
 * name); every row names the same columns; the values must be safe integers. Returns how many rows
 * matched. PostgreSQL and MySQL: one statement, the new values as a derived table joined on id,
 * written into the SQL (which keeps it free of the parameter limit). SQLite: a prepared UPDATE per
 * row, half the CPU of one statement whose long text is built and prepared anew for every call.
 */
export async function updateIntegersById(
  em: EntityManager,
  table: string,
  columns: string[],
  rows: { id: number; values: number[] }[],
  where: string,
): Promise<number> {
  if (rows.length === 0) return 0;
  const quote = (name: string) => em.connection.driver.escape(name);
  if (!em.queryRunner) throw new Error('updateIntegersById: run it in a transaction');
  const sqlite = sqliteConnection(em);
  if (sqlite) {
    const sql = `UPDATE ${quote(table)} SET ${columns.map((c) => `${quote(c)} = ?`).join(', ')} WHERE ${quote(table)}.${quote('id')} = ? AND (${where})`;
    return runEach(sqlite, sql, rows.map((r) => [...r.values.map(safeInteger), safeInteger(r.id)]));
  }
  const kind = em.connection.options.type;
  const names = ['id', ...columns].map((c) => quote(`v_${c}`));
  const sets = columns.map((c) => `${kind === 'mysql' ? `${quote(table)}.` : ''}${quote(c)} = v.${quote(`v_${c}`)}`).join(', ');
  const joined = `${quote(table)}.${quote('id')} = v.${names[0]}`;
  let sql: string;
  if (kind === 'mysql') {
    // MySQL and MariaDB name a derived table's columns by its first row: a UNION of aliased SELECTs.
    const selects = rows.map((r, i) => `SELECT ${[r.id, ...r.values].map((v, j) => (i === 0 ? `${literal(v)} AS ${names[j]}` : literal(v))).join(', ')}`);
    sql = `UPDATE ${quote(table)} JOIN (${selects.join(' UNION ALL ')}) v ON ${joined} SET ${sets} WHERE ${where}`;
  } else {
    // PostgreSQL: UPDATE … FROM a VALUES list.
    const tuples = rows.map((r) => `(${[r.id, ...r.values].map(literal).join(', ')})`);
    sql = `UPDATE ${quote(table)} SET ${sets} FROM (VALUES ${tuples.join(', ')}) AS v(${names.join(', ')}) WHERE ${joined} AND (${where})`;
  }
  // The structured result carries the changed-row count on every driver.
  return (await em.queryRunner.query(sql, [], true)).affected ?? 0;
}
