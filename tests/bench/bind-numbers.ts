// An experiment the benches can switch on (BENCH_BIND_NUMBERS=1), not the bot's behaviour: TypeORM's
// SQLite driver writes every number parameter into the SQL text (`WHERE "id" = 201`), so nearly every
// statement is new to better-sqlite3's statement cache: prepared again each time, and each prepared
// statement's native memory is held until V8 happens to collect its wrapper (V8 does not see that
// memory, so it is in no hurry). Boxing the numbers makes the driver bind them like strings instead.

import type { DataSource } from 'typeorm';

type Escape = (sql: string, parameters: Record<string, unknown>, native: Record<string, unknown>) => [string, unknown[]];

export function bindNumbers(ds: DataSource): void {
  const driver = ds.driver as unknown as { escapeQueryWithParameters: Escape };
  const original = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql, parameters, native) => {
    const boxed = Object.fromEntries(Object.entries(parameters ?? {}).map(([k, v]) => [k, typeof v === 'number' ? Object(v) : v]));
    const [query, values] = original(sql, boxed, native);
    return [query, values.map((v) => (v instanceof Number ? v.valueOf() : v))];
  };
}

export const bindNumbersWanted = (): boolean => process.env.BENCH_BIND_NUMBERS === '1';
