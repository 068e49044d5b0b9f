// The bot binds SQLite number parameters (storage/sqlite-parameters.ts). BENCH_INLINE_NUMBERS=1 (or
// the "numbers inlined" rows) puts back TypeORM's own inlining, to measure the difference in one run.

import type { DataSource } from 'typeorm';
import { inlineNumberParameters } from '../../storage/sqlite-parameters';

export const inlineNumbers = (ds: DataSource): void => inlineNumberParameters(ds);

export const inlineNumbersWanted = (): boolean => process.env.BENCH_INLINE_NUMBERS === '1';
