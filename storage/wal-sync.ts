// Makes SQLite's commits durable without blocking the event loop. better-sqlite3 is synchronous:
// a commit under `synchronous = FULL` waits for its fsync (3–10 ms, more under load) on the event
// loop, and every callback and frame waits with it. Instead the commit runs under NORMAL (written to
// the WAL, not synced) and the WAL file is then fdatasync'ed on libuv's thread pool. fsync flushes
// the file, whoever wrote it: when it returns, every frame committed before the call is on disk —
// what FULL would have made durable, and more. If the WAL is gone (checkpointed and removed as the
// last connection closed), its content is in the database file, which is synced instead.
//
// A few fsyncs at a time (`concurrency`; one by default): a caller starts its own at once if fewer
// run, so an acknowledgement waits for one fsync, not for the end of one that started before its
// commit and then its own. The callers that come while all run share the next, which starts when
// one ends (it must start after their commits): under a rush, a bounded number of fsyncs, however
// many batches commit meanwhile.

import fs from 'node:fs';

export class WalSync {
  /** fsyncs running now. */
  private running = 0;
  /** Callers waiting for a free slot: they share the next fsync. */
  private waiting: { resolve(): void; reject(error: unknown): void }[] = [];

  /**
   * @param concurrency fsyncs running at once at most. Callers beyond it share the next one, which
   *   starts when one of them ends.
   */
  constructor(
    private readonly databaseFile: string,
    private readonly concurrency = 1,
  ) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (this.running < this.concurrency) return this.start();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private start(): Promise<void> {
    this.running++;
    return fsyncFile(this.databaseFile).finally(() => {
      this.running--;
      if (this.waiting.length === 0) return;
      // Their commits came before this call: one fsync started now covers them all.
      const waiting = this.waiting.splice(0);
      this.start().then(
        () => waiting.forEach((w) => w.resolve()),
        (error: unknown) => waiting.forEach((w) => w.reject(error)),
      );
    });
  }
}

function fsyncFile(databaseFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = openForSync(databaseFile);
    } catch (error) {
      return reject(error);
    }
    fs.fdatasync(fd, (error) => {
      // Settled now, not after the close: that is one more trip through the thread pool and the loop.
      fs.close(fd, () => undefined);
      if (error) reject(error);
      else resolve();
    });
  });
}

function openForSync(databaseFile: string): number {
  try {
    return fs.openSync(`${databaseFile}-wal`, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return fs.openSync(databaseFile, 'r');
  }
}
