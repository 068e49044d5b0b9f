// Many rows in few statements: multi-row INSERTs and one-statement UPDATEs, for work that writes
// hundreds of rows at once (a reminder tick). Values arrive as database values (numbers, strings,
// booleans, null); this module only knows the SQL dialects.

import type { EntityManager } from 'typeorm';

type Value = string | number | boolean | null;

/** SQLite allows 32,766 bound parameters per statement; PostgreSQL and MySQL 65,535. */
const MAX_PARAMETERS = 30_000;


/**
 * Inserts rows in as few statements as the parameter limit allows. With `ignoreDuplicates`, a row
 * whose unique key exists already is skipped (as the single-row enqueue does), never an error.
 */
export async function insertRows(
  em: EntityManager,
  table: string,
  columns: string[],
  rows: Value[][],
  options: { ignoreDuplicates?: boolean } = {},
): Promise<void> {
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
    await em.query(sql, params);
  }
}

/**
 * Sets integer columns of many rows by id in one statement (`CASE id WHEN … THEN … END`), where
 * `where` holds; columns a row does not name keep their value. The values must be safe integers:
 * they are written into the SQL, which keeps it free of the parameter limit.
 */
export async function updateIntegersById(
  em: EntityManager,
  table: string,
  rows: { id: number; set: Record<string, number | null | undefined> }[],
  where: string,
): Promise<number> {
  if (rows.length === 0) return 0;
  const literal = (v: number | null) => {
    if (v !== null && !Number.isSafeInteger(v)) throw new TypeError(`updateIntegersById: not a safe integer: ${v}`);
    return String(v);
  };
  const quote = (name: string) => em.connection.driver.escape(name);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.set)))];
  const sets = columns.map((c) => {
    const whens = rows.filter((r) => r.set[c] !== undefined).map((r) => `WHEN ${literal(r.id)} THEN ${literal(r.set[c]!)}`);
    return `${quote(c)} = CASE ${quote('id')} ${whens.join(' ')} ELSE ${quote(c)} END`;
  });
  const ids = rows.map((r) => literal(r.id)).join(', ');
  const sql = `UPDATE ${quote(table)} SET ${sets.join(', ')} WHERE ${quote('id')} IN (${ids}) AND (${where})`;
  if (!em.queryRunner) throw new Error('updateIntegersById: run it in a transaction');
  // The structured result carries the changed-row count on every driver.
  return (await em.queryRunner.query(sql, [], true)).affected ?? 0;
}
