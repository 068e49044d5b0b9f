// Fast seeding for the benches: raw multi-row INSERTs into the entities' tables (after the migrations
// ran), values inlined as literals (generated data only), a few thousand rows per statement and one
// transaction per table. 100,000 contracts take seconds instead of the hours the commands would.

import type { DataSource } from 'typeorm';

type Kind = 'sqlite' | 'postgres' | 'mysql';
type Value = string | number | boolean | null;

const kindOf = (ds: DataSource): Kind => {
  const t = ds.options.type;
  return t === 'postgres' ? 'postgres' : t === 'mysql' || t === 'mariadb' ? 'mysql' : 'sqlite';
};

function literal(kind: Kind, v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return kind === 'postgres' ? (v ? 'true' : 'false') : v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  return `'${v.replace(/'/g, "''")}'`;
}

/** Inserts rows (all with the same keys) into `table`, `batch` rows per statement, in one transaction. */
export async function insertRows(ds: DataSource, table: string, rows: Record<string, Value>[], batch = 2000): Promise<void> {
  if (rows.length === 0) return;
  const kind = kindOf(ds);
  const q = (name: string) => (kind === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const columns = Object.keys(rows[0]!);
  const head = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES `;
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    for (let i = 0; i < rows.length; i += batch) {
      const values = rows.slice(i, i + batch).map((r) => `(${columns.map((c) => literal(kind, r[c]!)).join(', ')})`);
      await runner.query(head + values.join(', '));
    }
    await runner.commitTransaction();
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

/** Sets a named counter (contract and customer numbers) so new numbers do not collide with seeded ones. */
export async function setSequence(ds: DataSource, name: string, value: number): Promise<void> {
  const kind = kindOf(ds);
  const q = (s: string) => (kind === 'mysql' ? `\`${s}\`` : `"${s}"`);
  await ds.query(`DELETE FROM ${q('sequence')} WHERE ${q('name')} = ${literal(kind, name)}`);
  await insertRows(ds, 'sequence', [{ name, value }]);
}

export const contractNumber = (n: number): string => `HT-2026-${String(n).padStart(4, '0')}`;
export const customerCode = (n: number): string => `KH-${String(n).padStart(6, '0')}`;

export interface CustomerSeed {
  id: number;
  name: string;
  ownerId: string;
  tier?: string;
  nextFollowUpDue?: string | null;
  aliases?: string[];
}

export const customerRow = (c: CustomerSeed, createdAt: number): Record<string, Value> => ({
  id: c.id,
  code: customerCode(c.id),
  name: c.name,
  aliases: JSON.stringify(c.aliases ?? []),
  tier: c.tier ?? 'B',
  owner_id: c.ownerId,
  next_follow_up_due: c.nextFollowUpDue ?? null,
  created_at: createdAt,
});

export interface ContractSeed {
  id: number;
  customerId: number;
  ownerId: string;
  status: string;
  amountFen?: number;
  endDate?: string | null;
  autoRenew?: boolean;
  round?: number;
  createdAt: number;
}

export const contractRow = (c: ContractSeed): Record<string, Value> => ({
  id: c.id,
  number: contractNumber(c.id),
  title: `合同${c.id}`,
  customer_id: c.customerId,
  type: 'sales',
  amount_fen: c.amountFen ?? 30_000_000,
  currency: 'CNY',
  risk: 'low',
  start_date: '2026-01-01',
  end_date: c.endDate ?? null,
  auto_renew: c.autoRenew ?? false,
  payment_terms: null,
  owner_id: c.ownerId,
  status: c.status,
  version: 1,
  round: c.round ?? (c.status === 'draft' ? 0 : 1),
  route_rule: c.status === 'draft' ? null : '中额合同',
  route_explanation: c.status === 'draft' ? null : '金额 < 50 万，低/中风险 → 中额合同',
  submitted_at: c.status === 'draft' ? null : c.createdAt,
  signed_date: null,
  created_at: c.createdAt,
  updated_at: c.createdAt,
});

export interface StepSeed {
  id: number;
  contractId: number;
  seq: number;
  role: string;
  assigneeId: string;
  status: 'pending' | 'waiting' | 'approved';
  hours: number;
  activatedAt: number | null;
  dueAt: number | null;
}

export const stepRow = (s: StepSeed): Record<string, Value> => ({
  id: s.id,
  contract_id: s.contractId,
  version: 1,
  round: 1,
  seq: s.seq,
  role: s.role,
  assignee_id: s.assigneeId,
  acting_for: null,
  status: s.status,
  hours: s.hours,
  activated_at: s.activatedAt,
  due_at: s.dueAt,
  reminder_count: 0,
  last_reminded_at: null,
  last_urged_at: null,
  decided_at: s.status === 'approved' ? s.activatedAt : null,
  decided_by: s.status === 'approved' ? s.assigneeId : null,
  decided_acting_for: null,
  comment: null,
});
