// Column helpers shared by the entities. Instants are stored as epoch milliseconds in a BIGINT:
// the same bytes on SQLite, PostgreSQL and MySQL, always UTC, no driver timezone conversion.

import { Column, ColumnOptions, ValueTransformer } from 'typeorm';

const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: toNumber, // pg returns BIGINT as a string
};

export const epochMillis: ValueTransformer = {
  to: (v: Date | null | undefined) => (v instanceof Date ? v.getTime() : v),
  from: (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v))),
};

export const jsonText: ValueTransformer = {
  to: (v: unknown) => (v === undefined ? undefined : JSON.stringify(v)),
  from: (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v),
};

export const booleanValue: ValueTransformer = {
  to: (v: boolean | undefined) => v,
  from: (v: unknown) => v === true || v === 1 || v === '1',
};

export const InstantColumn = (options: ColumnOptions = {}) =>
  Column({ type: 'bigint', transformer: epochMillis, ...options });
export const MoneyColumn = (options: ColumnOptions = {}) =>
  Column({ type: 'bigint', transformer: bigintNumber, ...options });
export const JsonColumn = (options: ColumnOptions = {}) => Column({ type: 'text', transformer: jsonText, ...options });
export const DateColumn = (options: ColumnOptions = {}) => Column({ type: 'varchar', length: 10, ...options });
export const FlagColumn = (options: ColumnOptions = {}) =>
  Column({ type: 'boolean', transformer: booleanValue, ...options });
