// TypeORM's SQLite driver writes every number parameter into the SQL text (`WHERE "id" = 201`), so
// nearly every statement is new to the statement cache: prepared again each time (a tenth of a
// decision's CPU), and each prepared statement's native memory is held until V8 happens to collect
// its wrapper, which it does late since it does not see that memory (the jobs' first run over
// 100,000 contracts peaked at 280 MB RSS for a 90 MB heap). Here numbers are bound instead, integers
// as BigInt so that SQLite gets the INTEGER the literal would have been (a JS number binds as REAL).

import type { DataSource } from 'typeorm';

type Escape = (sql: string, parameters: Record<string, unknown>, native: Record<string, unknown>) => [string, unknown[]];
interface EscapingDriver {
  escapeQueryWithParameters: Escape;
  /** The driver's own escaping, kept so that a benchmark can compare with it. */
  inliningEscape?: Escape;
}

const bindable = (v: unknown): unknown => {
  if (!(v instanceof Number)) return v;
  const n = v.valueOf();
  return Number.isSafeInteger(n) ? BigInt(n) : n;
};

/** Number parameters of the SQLite driver's queries are bound, not written into the SQL. */
export function bindNumberParameters(ds: DataSource): void {
  const driver = ds.driver as unknown as EscapingDriver;
  if (driver.inliningEscape) return;
  const original = driver.escapeQueryWithParameters.bind(driver);
  driver.inliningEscape = original;
  driver.escapeQueryWithParameters = (sql, parameters, native) => {
    // A boxed number is not `typeof 'number'`, so the driver binds it like any other value.
    const boxed = Object.fromEntries(Object.entries(parameters ?? {}).map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? Object(v) : v]));
    const [query, values] = original(sql, boxed, native);
    return [query, values.map(bindable)];
  };
}

/** Back to the driver's own inlining (benchmarks, to measure the difference in one run). */
export function inlineNumberParameters(ds: DataSource): void {
  const driver = ds.driver as unknown as EscapingDriver;
  if (!driver.inliningEscape) return;
  driver.escapeQueryWithParameters = driver.inliningEscape;
  delete driver.inliningEscape;
}
