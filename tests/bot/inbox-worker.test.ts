// The inbound hot path: accepts are group-committed (one durable transaction for many), the accepted
// backlog waits in the inbox table and the worker holds at most one batch of it in memory, accepting
// goes before processing, and a worker that dies in the middle of a batch is taken over.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../../bot/app';
import { parsePolicy } from '../../bot/config';
import { Dispatcher } from '../../bot/dispatch';
import { InboxWorker } from '../../bot/inbox-worker';
import { silentLogger } from '../../bot/logger';
import type { InboxStore, UnitOfWork } from '../../handlers/ports';
import { createInboxStore } from '../../storage/repositories';
import { managerOf, type StorageUnitOfWork } from '../../storage/unit-of-work';
import { EXAMPLE_POLICY, FakeClock, MONDAY_10AM, RecordingNotifier, textMessage } from '../support/harness';

const POLICY = parsePolicy(EXAMPLE_POLICY, 'policy.yaml');
const help = (i: number) => textMessage('帮助', `wecom:burst-${i}`);

async function start(databaseUrl = 'sqlite::memory:', clock = new FakeClock(new Date(MONDAY_10AM)), perStep?: number): Promise<{ app: App; clock: FakeClock; notifier: RecordingNotifier }> {
  const notifier = new RecordingNotifier();
  // One member sends every event here: WeCom's 30 replies a minute per member (tested in the outbox
  // tests) would hold 90 of 120 replies for a minute, so the per-minute limits are off.
  const app = await createApp({ databaseUrl, policy: POLICY, notifier, clock, log: silentLogger, worker: { batchSize: 50, ...(perStep ? { perStep } : {}) }, outbox: { perMinute: undefined } });
  return { app, clock, notifier };
}

const count = async (app: App, where: string) => Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM inbox WHERE ${where}`))[0].n);

/** Counts the transactions run through a unit of work. */
function countRuns(uow: UnitOfWork): { runs: number } {
  const seen = { runs: 0 };
  const run = uow.run.bind(uow);
  uow.run = (work) => {
    seen.runs++;
    return run(work);
  };
  return seen;
}

describe('group commit of accepts', () => {
  it('writes many concurrent accepts in a few durable transactions: every row there once, redeliveries null', async () => {
    const { app } = await start();
    const durable = countRuns((app.uow as StorageUnitOfWork).durable);
    const plain = countRuns(app.uow);
    const events = Array.from({ length: 300 }, (_, i) => help(i));
    // 300 events, and 30 of them delivered twice at the same moment.
    const results = await Promise.all([...events, ...events.slice(0, 30)].map((e) => app.dispatcher.accept(e)));
    expect(results.filter(Boolean)).toHaveLength(300);
    expect(new Set(results.filter(Boolean).map((r) => r!.id)).size).toBe(300);
    expect(durable.runs).toBeGreaterThan(0);
    expect(durable.runs).toBeLessThan(15); // at most 64 per transaction
    expect(plain.runs).toBe(0); // accepting never goes through the non-durable path
    expect(await count(app, "status = 'received'")).toBe(300);
    // A redelivery later is recognised too.
    expect(await app.dispatcher.accept(help(7))).toBeNull();
    await app.close();
  });

  it('a bad event fails only its own caller: its batch-mates are accepted one by one', async () => {
    const { app, clock } = await start();
    const real = createInboxStore();
    const picky: InboxStore = {
      ...real,
      async acceptMany(tx, events, now, claim) {
        if (events.some((e) => e.deliveryKey === 'wecom:bad')) throw new Error('value too long for the column');
        return real.acceptMany(tx, events, now, claim);
      },
    };
    const dispatcher = new Dispatcher({ workflow: app.deps, uow: app.uow, inbox: picky, clock, log: silentLogger, holder: 'a', claimMs: 60_000, maxAttempts: 3 });
    const good = Array.from({ length: 20 }, (_, i) => dispatcher.accept(help(i)));
    const bad = dispatcher.accept(textMessage('帮助', 'wecom:bad'));
    await expect(bad).rejects.toThrow('value too long');
    expect((await Promise.all(good)).every((r) => r !== null)).toBe(true);
    expect(await count(app, '1 = 1')).toBe(20);
    await app.close();
  });

  it('accepts through a durable run on a SQLite file: committed, then the WAL fdatasynced before it returns; other transactions are not synced', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-'));
    const file = path.join(dir, 'bot.sqlite');
    const { app } = await start(`sqlite:${file}`);
    const uow = app.uow as StorageUnitOfWork;
    const opened = jest.spyOn(fs, 'openSync');
    // What another connection sees when the fsync starts: the accepted row, committed already.
    const seenAtSync: number[] = [];
    const synced = jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, done: (error: Error | null) => void) => {
      void count(app, '1 = 1').then((n) => {
        seenAtSync.push(n);
        done(null);
      });
    }) as typeof fs.fdatasync);
    try {
      const level = (u: UnitOfWork) => u.run(async (tx) => Number((await managerOf(tx).query('PRAGMA synchronous'))[0].synchronous));
      expect(await level(uow)).toBe(1); // NORMAL: a commit is not fsynced
      expect(synced).not.toHaveBeenCalled();
      // The dispatcher's accepts run through the durable unit of work.
      const durable = countRuns(uow.durable);
      expect(await app.dispatcher.accept(help(1))).not.toBeNull();
      expect(durable.runs).toBe(1);
      expect(synced).toHaveBeenCalledTimes(1);
      expect(seenAtSync).toEqual([1]);
      expect(opened.mock.calls.map((c) => String(c[0]))).toContain(`${file}-wal`);
    } finally {
      opened.mockRestore();
      synced.mockRestore();
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the backlog', () => {
  it('waits in the table: with 5,000 accepted events and processing held up, the worker holds one batch', async () => {
    const { app } = await start();
    for (let i = 0; i < 5000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, k) => app.dispatcher.accept(help(i + k))));
    expect(await count(app, "status = 'received'")).toBe(5000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const process = app.dispatcher.processClaimed.bind(app.dispatcher);
    let started = 0;
    app.dispatcher.processClaimed = async (row) => {
      started++;
      await gate;
      return process(row);
    };
    const run = app.worker.wake();
    while (started === 0) await new Promise((r) => setImmediate(r));
    expect(app.worker.inMemory).toBeGreaterThan(0);
    expect(app.worker.inMemory).toBeLessThanOrEqual(50);
    expect(await count(app, "status = 'received'")).toBe(5000);
    // Stopped: the batch in hand is finished, nothing else is taken.
    const stopped = app.worker.stop();
    release();
    await stopped;
    await run;
    expect(await count(app, "status = 'done'")).toBe(50);
    expect(app.worker.inMemory).toBe(0);
    await app.close();
  });

  it('is processed oldest first, each event once, with its reply delivered', async () => {
    const { app, notifier } = await start();
    const accepted = await Promise.all(Array.from({ length: 120 }, (_, i) => app.dispatcher.accept(help(i))));
    const order: number[] = [];
    const process = app.dispatcher.processClaimed.bind(app.dispatcher);
    app.dispatcher.processClaimed = (row) => (order.push(row.id), process(row));
    await app.worker.wake();
    expect(order).toEqual(accepted.map((r) => r!.id).sort((a, b) => a - b));
    expect(await count(app, "status = 'done'")).toBe(120);
    expect(notifier.delivered.filter((m) => m.dedupeKey.startsWith('reply:'))).toHaveLength(120);
    await app.close();
  });
});

it.each([
  [1, 3],
  [4, 4], // SQLite's default: events 1–4 start together (one commit); the accept comes before event 5
])('gives accepting priority: an accept made while the worker is busy completes before its next step starts (%i event(s) per step)', async (perStep, startedBefore) => {
  const { app } = await start(undefined, undefined, perStep);
  await Promise.all(Array.from({ length: 100 }, (_, i) => app.dispatcher.accept(help(i))));
  const process = app.dispatcher.processClaimed.bind(app.dispatcher);
  let started = 0;
  let startedWhenAccepted = -1;
  let acceptCalledAt = -1;
  app.dispatcher.processClaimed = async (row) => {
    started++;
    if (started === 3) {
      acceptCalledAt = started;
      void app.dispatcher.accept(help(1000)).then(() => (startedWhenAccepted = started));
    }
    return process(row);
  };
  await app.worker.wake();
  expect(acceptCalledAt).toBe(3);
  expect(startedWhenAccepted).toBe(startedBefore); // no later step started before the accept was written
  expect(await count(app, "status = 'done'")).toBe(101);
  await app.close();
});

it('on SQLite, the events of one step share one commit; each is still processed once, with its reply', async () => {
  const { app, notifier } = await start(undefined, undefined, 4);
  await Promise.all(Array.from({ length: 8 }, (_, i) => app.dispatcher.accept(help(i))));
  const statements: string[] = [];
  const log = app.dataSource.logger.logQuery.bind(app.dataSource.logger);
  app.dataSource.logger.logQuery = (query, ...rest) => (statements.push(query), log(query, ...rest));
  // The worker alone (no outbox run): a claim, two steps of four, and the claim that finds nothing left.
  const worker = new InboxWorker({ dispatcher: app.dispatcher, deliver: async () => 0, log: silentLogger, perStep: 4 });
  await worker.wake();
  expect(statements.filter((s) => s === 'COMMIT')).toHaveLength(4);
  expect(statements.filter((s) => s === 'SAVEPOINT work')).toHaveLength(6); // three events join each step's first
  expect(await count(app, "status = 'done'")).toBe(8);
  await app.outbox.deliverDue();
  expect(new Set(notifier.delivered.filter((m) => m.dedupeKey.startsWith('reply:')).map((m) => m.dedupeKey)).size).toBe(8);
  await app.close();
});

it('resumes after a crash in the middle of a batch: every event processed exactly once', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-'));
  const url = `sqlite:${path.join(dir, 'bot.sqlite')}`;
  const first = await start(url);
  await Promise.all(Array.from({ length: 120 }, (_, i) => first.app.dispatcher.accept(help(i))));
  // The first instance claims a batch, processes 10 of its events, and dies.
  const batch = await first.app.dispatcher.claimNext(50);
  expect(batch).toHaveLength(50);
  for (const row of batch.slice(0, 10)) await first.app.dispatcher.processClaimed(row);
  await first.app.dataSource.destroy();

  const second = await start(url, new FakeClock(new Date(new Date(MONDAY_10AM).getTime() + 61_000))); // the dead instance's claims ran out
  await second.app.worker.wake();
  expect(await count(second.app, "status = 'done'")).toBe(120);
  expect(Number((await second.app.dataSource.query("SELECT COUNT(*) AS n FROM outbox WHERE dedupe_key LIKE 'reply:%'"))[0].n)).toBe(120);
  const replies = second.notifier.delivered.filter((m) => m.dedupeKey.startsWith('reply:')).map((m) => m.dedupeKey);
  expect(new Set(replies).size).toBe(120); // the dead instance's 10 were in the outbox, not sent yet
  expect(replies).toHaveLength(120);
  // Its unprocessed batch-mates were attempted twice (the batch claim counted one), the rest once.
  expect(await count(second.app, 'attempts = 2')).toBe(40);
  expect(await count(second.app, 'attempts = 1')).toBe(80);
  await second.app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
