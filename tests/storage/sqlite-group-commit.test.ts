// SQLite runs one transaction at a time; works that wait for the connection together share one
// transaction, each in its own savepoint. Each must still behave as its own transaction: a failure
// rolls back only its own writes and reaches only its own caller, and a success is reported only once
// it is committed (another connection sees it).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import type { Tx } from '../../handlers/ports';
import { openDatabase } from '../../storage/data-source';
import { createUnitOfWork, managerOf, type StorageUnitOfWork } from '../../storage/unit-of-work';

describe('SQLite group commit', () => {
  let dataSource: DataSource;
  let uow: StorageUnitOfWork;
  let other: Database.Database;
  let statements: string[] = [];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'group-commit-')), 'db.sqlite');

  beforeAll(async () => {
    ({ dataSource } = await openDatabase(`sqlite:${file}`));
    uow = createUnitOfWork(dataSource, 'sqlite');
    other = new Database(file, { readonly: true });
    const log = dataSource.logger.logQuery.bind(dataSource.logger);
    dataSource.logger.logQuery = (query, ...rest) => {
      statements.push(query);
      return log(query, ...rest);
    };
  });
  afterAll(async () => {
    other.close();
    await dataSource.destroy();
  });
  beforeEach(() => (statements = []));

  const add = (tx: Tx, name: string) => managerOf(tx).query('INSERT INTO "sequence" ("name", "value") VALUES (?, 1)', [name]);
  /** The names written, as another connection sees them (committed only). */
  const committed = (prefix: string): string[] =>
    (other.prepare('SELECT name FROM sequence WHERE name LIKE ? ORDER BY name').all(`${prefix}%`) as { name: string }[]).map((r) => r.name);
  const count = (word: string) => statements.filter((s) => s.startsWith(word)).length;

  it('commits works that wait together in one transaction; a failing one fails alone, its writes rolled back', async () => {
    const seenAtResolve: string[][] = [];
    const runs = ['a', 'b', 'c', 'd'].map((name) =>
      uow.run(async (tx) => {
        await add(tx, `g1-${name}`);
        if (name === 'a' || name === 'c') throw new Error(`${name} refused`);
        return name;
      }).then((result) => {
        seenAtResolve.push(committed('g1-'));
        return result;
      }),
    );
    const outcomes = await Promise.allSettled(runs);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['a refused', 'b', 'c refused', 'd']);
    expect(committed('g1-')).toEqual(['g1-b', 'g1-d']);
    // Every success was reported after its commit: another connection already saw it.
    for (const seen of seenAtResolve) expect(seen).toEqual(['g1-b', 'g1-d']);
    // The first work runs without a savepoint: its failure rolls back its transaction; the rest share the next.
    expect(count('ROLLBACK')).toBe(2); // the first transaction, then c's savepoint
    expect(count('COMMIT')).toBe(1);
    expect(count('SAVEPOINT')).toBe(2); // c and d: b opens the transaction
  });

  it('runs durable works first, in a transaction of their own (made durable by the WAL sync after its commit, not by a pragma)', async () => {
    const order: string[] = [];
    const runs = [
      uow.run(async (tx) => (order.push('first'), add(tx, 'g2-first'))),
      uow.run(async (tx) => (order.push('ordinary'), add(tx, 'g2-ordinary'))),
      uow.durable.run(async (tx) => (order.push('durable'), add(tx, 'g2-durable'))),
    ];
    await Promise.all(runs);
    expect(order).toEqual(['first', 'durable', 'ordinary']);
    expect(committed('g2-')).toEqual(['g2-durable', 'g2-first', 'g2-ordinary']);
    expect(statements.filter((s) => s.startsWith('PRAGMA') || s.startsWith('BEGIN') || s.startsWith('COMMIT'))).toEqual([
      'BEGIN IMMEDIATE TRANSACTION',
      'COMMIT',
      'BEGIN IMMEDIATE TRANSACTION',
      'COMMIT',
      'BEGIN IMMEDIATE TRANSACTION',
      'COMMIT',
    ]);
  });

  it('fails every work of a transaction SQLite ended, and the next transaction works', async () => {
    await uow.run((tx) => add(tx, 'g3-before'));
    const runs = [
      uow.run((tx) => add(tx, 'g3-lost')),
      uow.run(async (tx) => {
        await managerOf(tx).query('ROLLBACK'); // as SQLite does on a disk-full or I/O error
        throw new Error('the transaction is gone');
      }),
    ];
    const outcomes = await Promise.allSettled(runs);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status))).toEqual(['the transaction is gone', 'the transaction is gone']);
    expect(committed('g3-')).toEqual(['g3-before']);
    await uow.run((tx) => add(tx, 'g3-after'));
    expect(committed('g3-')).toEqual(['g3-after', 'g3-before']);
  });

  it('reports a transaction that cannot start to the work that waited for it', async () => {
    const locker = new Database(file);
    locker.pragma('busy_timeout = 0');
    locker.exec('BEGIN IMMEDIATE');
    try {
      // The driver's busy timeout (10 s) would wait: shorten it for this connection.
      await dataSource.query('PRAGMA busy_timeout = 50');
      await expect(uow.run((tx) => add(tx, 'g4-blocked'))).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
      await dataSource.query('PRAGMA busy_timeout = 10000');
    }
    await uow.run((tx) => add(tx, 'g4-after'));
    expect(committed('g4-')).toEqual(['g4-after']);
  });
});
