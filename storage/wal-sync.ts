// Makes SQLite's commits durable without blocking the event loop. better-sqlite3 is synchronous:
// a commit under `synchronous = FULL` waits for its fsync (3–10 ms, more under load) on the event
// loop, and every callback and frame waits with it. Instead the commit runs under NORMAL (written to
// the WAL, not synced) and the WAL file is then fdatasync'ed on libuv's thread pool. fsync flushes
// the file, whoever wrote it: when it returns, every frame committed before the call is on disk —
// what FULL would have made durable, and more. If the WAL is gone (checkpointed and removed as the
// last connection closed), its content is in the database file, which is synced instead.
//
// One fsync at a time: the callers that come while one runs share the next, which starts when it
// ends (it must start after their commits). Under a rush that is one fsync per fsync-time, however
// many batches commit meanwhile, instead of a pile of concurrent ones that each take longer.

import fs from 'node:fs';

export class WalSync {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly databaseFile: string) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (!this.running) return this.start();
    this.next ??= this.running
      .catch(() => undefined) // its failure is reported to its own callers
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<void> {
    const run = fsyncFile(this.databaseFile).finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
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
    fs.fdatasync(fd, (error) => fs.close(fd, () => (error ? reject(error) : resolve())));
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
