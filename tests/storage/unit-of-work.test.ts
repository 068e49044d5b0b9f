// The unit of work must cost the same per transaction after 100,000 transactions as after the first
// ten thousand: a bot that runs for months opens one every second for the outbox alone. The landed
// code wrapped the shared better-sqlite3 QueryRunner once more per transaction and overflowed the
// stack at transaction 10,295.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../storage/data-source';
import { managerOf, createUnitOfWork } from '../../storage/unit-of-work';
import type { UnitOfWork } from '../../handlers/ports';

const TOTAL = 100_000;
const WINDOW = 10_000;
const BATCH = 1_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('SQLite unit of work over 100,000 transactions', () => {
  let dataSource: DataSource;
  let uow: UnitOfWork;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'uow-')), 'db.sqlite');

  beforeAll(async () => {
    ({ dataSource } = await openDatabase(`sqlite:${file}`));
    uow = createUnitOfWork(dataSource, 'sqlite');
    await dataSource.query('INSERT INTO "sequence" ("name", "value") VALUES (?, 0)', ['uow-test']);
  });
  afterAll(() => dataSource.destroy());

  it('takes no longer per transaction at the end than at the start, and never grows the runner', async () => {
    const runner = dataSource.createQueryRunner();
    const queryAtStart = runner.query;
    await uow.run(async () => undefined); // configures the runner (BEGIN IMMEDIATE) on first use
    const configuredQuery = runner.query;
    expect(configuredQuery).not.toBe(queryAtStart);

    const batchMs: number[] = [];
    for (let done = 0; done < TOTAL; done += BATCH) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < BATCH; i++) {
        // A write in every transaction: each one takes the write lock (BEGIN IMMEDIATE) and commits.
        await uow.run((tx) => managerOf(tx).query('UPDATE "sequence" SET "value" = "value" + 1 WHERE "name" = ?', ['uow-test']));
      }
      batchMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }

    // The runner is configured once, not once per transaction.
    expect(dataSource.createQueryRunner()).toBe(runner);
    expect(runner.query).toBe(configuredQuery);

    // Median of the ten 1,000-transaction batches in each window: robust to a GC pause or a noisy neighbour.
    const first = median(batchMs.slice(0, WINDOW / BATCH));
    const last = median(batchMs.slice(-WINDOW / BATCH));
    expect(last).toBeLessThanOrEqual(first * 1.5);
  }, 300_000);

  it('still opens every transaction with BEGIN IMMEDIATE: another connection cannot write meanwhile', async () => {
    const other = new Database(file, { timeout: 0 });
    try {
      const attempt = await uow.run(async (tx) => {
        await managerOf(tx).query('SELECT 1'); // reads only: a deferred BEGIN would hold no write lock yet
        try {
          other.exec('BEGIN IMMEDIATE');
          other.exec('ROLLBACK');
          return 'other connection got the write lock';
        } catch (error) {
          return (error as { code?: string }).code;
        }
      });
      expect(attempt).toBe('SQLITE_BUSY');
    } finally {
      other.close();
    }
  });
});
