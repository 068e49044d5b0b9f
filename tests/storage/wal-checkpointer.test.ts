// SQLite checkpoints run in a worker thread: the bot's connection only writes the WAL, and the pages
// reach the database file without that connection ever checkpointing (its threshold is raised).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../storage/data-source';
import { createUnitOfWork, managerOf } from '../../storage/unit-of-work';
import { startWalCheckpointer, type WalCheckpointer } from '../../storage/wal-checkpointer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the WAL checkpoint thread', () => {
  let dataSource: DataSource;
  let checkpointer: WalCheckpointer | null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-ckpt-'));
  const file = path.join(dir, 'db.sqlite');

  beforeAll(async () => {
    ({ dataSource } = await openDatabase(`sqlite:${file}`));
    checkpointer = await startWalCheckpointer(dataSource, (message) => {
      throw new Error(message);
    }, 20);
  });
  afterAll(async () => {
    await checkpointer?.stop();
    await dataSource.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const autocheckpoint = async () => Number((await dataSource.query('PRAGMA wal_autocheckpoint'))[0].wal_autocheckpoint);

  it('copies what the bot committed into the database file; the bot connection checkpoints only past 10,000 pages', async () => {
    expect(checkpointer).not.toBeNull();
    expect(await autocheckpoint()).toBe(10_000);
    const before = fs.statSync(file).size;
    const uow = createUnitOfWork(dataSource, 'sqlite');
    // About 2,000 pages of WAL, one transaction per row: below the raised threshold.
    for (let i = 0; i < 2000; i++) {
      await uow.run((tx) => managerOf(tx).query('INSERT INTO "sequence" ("name", "value") VALUES (?, ?)', [`ckpt-${i}-${'x'.repeat(3000)}`, i]));
    }
    // Polled: the thread checkpoints on its own schedule.
    for (let i = 0; i < 250 && fs.statSync(file).size < before + 4_000_000; i++) await sleep(20);
    expect(fs.statSync(file).size).toBeGreaterThan(before + 4_000_000);
  });

  it('gives the bot connection its own checkpoints back when it stops; none for an in-memory database', async () => {
    await checkpointer!.stop();
    expect(await autocheckpoint()).toBe(1000);
    const { dataSource: memory } = await openDatabase('sqlite::memory:');
    expect(await startWalCheckpointer(memory, () => undefined)).toBeNull();
    await memory.destroy();
  });
});
