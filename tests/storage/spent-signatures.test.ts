// The spent (timestamp, sign) pairs of DingTalk HTTP mode on SQLite, PostgreSQL and MySQL: the real
// migration, the unique key under concurrency, redelivery versus replay, pruning by age.
// PostgreSQL and MySQL get a database of their own, so the storage tests running in parallel
// (which drop theirs) do not collide with this one.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import type { UnitOfWork } from '../../handlers/ports';
import { dataSourceOptions, parseDatabaseUrl, type DatabaseKind } from '../../storage/data-source';
import { createSpentSignatureStore } from '../../storage/repositories/spent-signatures';
import { createUnitOfWork } from '../../storage/unit-of-work';
import { ownDatabase } from '../support/own-database';

const TARGETS: [DatabaseKind, string | undefined, boolean][] = [
  ['sqlite', `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spent-')), 'db.sqlite')}`, true],
  ['postgres', process.env.TEST_POSTGRES_URL, process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['mysql', process.env.TEST_MYSQL_URL, process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter((t) => !t[2]).map((t) => [t[0]] as const);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(TARGETS.filter((t) => t[2]).map((t) => [t[0], t[1]!] as const))('%s', (kind, url) => {
  let ds: DataSource;
  let uow: UnitOfWork;
  const store = createSpentSignatureStore();
  const now = new Date('2026-11-23T02:00:00Z');
  const T = now.getTime();
  const sign = (t: number) => `sign-of-${t}`.padEnd(44, '=');

  beforeAll(async () => {
    const target = kind === 'sqlite' ? url : await ownDatabase(kind, url, 'spent');
    ds = await new DataSource(dataSourceOptions(parseDatabaseUrl(target))).initialize();
    await ds.runMigrations({ transaction: 'each' });
    uow = createUnitOfWork(ds, kind);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
  });

  it('tells a fresh pair, a redelivery (same body) and a replay (another body) apart', async () => {
    const pair = { timestamp: T, sign: sign(T), bodyHash: 'a'.repeat(64) };
    expect(await uow.run((tx) => store.spend(tx, pair, now))).toBe('fresh');
    expect(await uow.run((tx) => store.spend(tx, pair, new Date(T + 1000)))).toBe('redelivery');
    expect(await uow.run((tx) => store.spend(tx, { ...pair, bodyHash: 'b'.repeat(64) }, new Date(T + 1000)))).toBe('replay');
    // The same timestamp with another sign is another pair.
    expect(await uow.run((tx) => store.spend(tx, { ...pair, sign: sign(T + 1), bodyHash: 'b'.repeat(64) }, now))).toBe('fresh');
  });

  it('lets exactly one of 20 concurrent bodies spend a pair', async () => {
    const t = T + 5000;
    const verdicts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => uow.run((tx) => store.spend(tx, { timestamp: t, sign: sign(t), bodyHash: String(i).padStart(64, '0') }, now))),
    );
    expect(verdicts.filter((v) => v === 'fresh')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'replay')).toHaveLength(19);
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM spent_signature WHERE sign_timestamp = ${t}`))[0].n)).toBe(1);
  });

  it('prunes pairs older than a given timestamp, and only those', async () => {
    const before = Number((await ds.query('SELECT COUNT(*) AS n FROM spent_signature'))[0].n);
    await uow.run((tx) => store.spend(tx, { timestamp: T - 10_000_000, sign: sign(1), bodyHash: 'c'.repeat(64) }, now));
    expect(await uow.run((tx) => store.pruneBefore(tx, T - 1))).toBe(1);
    expect(Number((await ds.query('SELECT COUNT(*) AS n FROM spent_signature'))[0].n)).toBe(before);
  });
});
