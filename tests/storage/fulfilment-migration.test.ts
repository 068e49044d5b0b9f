// Migration 17645300000000 (milestones, payment nodes and receipts, problems, contract.received_fen)
// on SQLite, PostgreSQL and MySQL: up from the previous schema with a contract in it, down, up again.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../storage/data-source';
import { ownDatabase } from '../support/own-database';
import { Fulfilment17645300000000 } from '../../storage/migrations/17645300000000-fulfilment';
import { undoThrough } from '../support/migrations';

const sqliteFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fulfil-mig-')), 'db.sqlite');
const TARGETS: [string, () => Promise<string>, boolean][] = [
  ['sqlite', async () => `sqlite:${sqliteFile()}`, true],
  ['postgres', () => ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'fulfilmig'), process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['mysql', () => ownDatabase('mysql', process.env.TEST_MYSQL_URL!, 'fulfilmig'), process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter(([, , ok]) => !ok);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

const TABLES = ['milestone', 'payment_node', 'payment_receipt', 'fulfilment_problem'];

it.each(TARGETS.filter(([, , ok]) => ok).map(([k, u]) => [k, u] as const))('%s: up, down and up again, keeping the contracts', async (_kind, url) => {
  const { dataSource: ds } = await openDatabase(await url());
  try {
    const q = (name: string) => ds.driver.escape(name);
    const count = async (table: string) => Number(Object.values((await ds.query(`SELECT COUNT(*) AS n FROM ${q(table)}`))[0] as object)[0]);
    expect(await ds.showMigrations()).toBe(false); // openDatabase ran every migration
    await undoThrough(ds, Fulfilment17645300000000);
    for (const t of TABLES) await expect(count(t)).rejects.toThrow();
    // A contract written by the previous schema gets received_fen 0.
    await ds.query(`INSERT INTO ${q('person')} (${q('id')}, ${q('name')}, ${q('roles')}, ${q('active')}) VALUES ('p1', 'P', '[]', ${ds.options.type === 'postgres' ? 'true' : '1'})`);
    await ds.query(`INSERT INTO ${q('customer')} (${q('code')}, ${q('name')}, ${q('aliases')}, ${q('tier')}, ${q('owner_id')}, ${q('created_at')}) VALUES ('KH-000001', 'C', '[]', 'A', 'p1', 0)`);
    const cols = ['number', 'title', 'customer_id', 'type', 'amount_fen', 'currency', 'risk', 'auto_renew', 'owner_id', 'status', 'version', 'round', 'created_at', 'updated_at'];
    const vals = `'HT-2026-0001', 'T', 1, 'sales', 100, 'CNY', 'low', ${ds.options.type === 'postgres' ? 'false' : '0'}, 'p1', 'signed', 1, 1, 0, 0`;
    await ds.query(`INSERT INTO ${q('contract')} (${cols.map(q).join(', ')}) VALUES (${vals})`);
    // …and rows referencing it (foreign keys) do not stop the contract table from changing.
    await ds.query(`INSERT INTO ${q('contract_version')} (${['contract_id', 'version', 'author_id', 'created_at', 'snapshot', 'changes'].map(q).join(', ')}) VALUES (1, 1, 'p1', 0, '{}', '[]')`);
    await ds.runMigrations({ transaction: 'each' });
    for (const t of TABLES) expect(await count(t)).toBe(0);
    expect(Number((await ds.query(`SELECT ${q('received_fen')} AS r FROM ${q('contract')}`))[0].r)).toBe(0);
    expect(await ds.showMigrations()).toBe(false);
    // Down once more with the referencing rows in place (SQLite must not rebuild the contract table).
    await undoThrough(ds, Fulfilment17645300000000);
    expect(Number(Object.values((await ds.query(`SELECT COUNT(*) AS n FROM ${q('contract')}`))[0] as object)[0])).toBe(1);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}, 120_000);
