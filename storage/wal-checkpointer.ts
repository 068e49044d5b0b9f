// SQLite checkpoints off the event loop. A WAL checkpoint copies the pages the WAL holds into the
// database file and fsyncs both; by default the connection that commits runs one whenever the WAL
// passes 1,000 pages, inside that commit, and under a rush that is several times a second (every
// processing transaction rewrites a few pages): each one held the event loop for 3–100 ms, with
// every callback and frame waiting. Here a worker thread with a connection of its own runs passive
// checkpoints (they never block a writer) every `everyMs`; the bot's connection keeps checkpointing
// itself only once the WAL is much larger (the worker fell behind, or a steady stream of commits kept
// its checkpoints from ever finishing, so the WAL could not restart from the beginning).

import { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';
import { sqliteDatabaseFile } from './sqlite-file';

/** WAL pages before the bot's own connection checkpoints while the worker runs (SQLite's default: 1,000). */
const FALLBACK_PAGES = 10_000;
const DEFAULT_PAGES = 1000;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)');
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing a SQLite file database in a worker thread; null for an in-memory one. */
export async function startWalCheckpointer(dataSource: DataSource, log: (message: string) => void, everyMs = 100): Promise<WalCheckpointer | null> {
  const file = sqliteDatabaseFile(dataSource);
  if (file === null) return null;
  const worker = new Worker(WORKER, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file, everyMs } });
  worker.unref(); // never what keeps the process alive
  const autocheckpoint = (pages: number) => (dataSource.isInitialized ? dataSource.query(`PRAGMA wal_autocheckpoint = ${pages}`) : Promise.resolve());
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('error', (error) => {
    // The bot's connection checkpoints as it did before.
    log(`the WAL checkpoint thread failed; checkpoints run on the main thread again: ${String(error)}`);
    void autocheckpoint(DEFAULT_PAGES).catch(() => undefined);
  });
  await autocheckpoint(FALLBACK_PAGES);
  return {
    async stop() {
      if (stopping) return exited;
      stopping = true;
      // Referenced while it stops: otherwise, with nothing else left to do, the process would exit
      // while waiting for it, in the middle of the bot's stop (its last steps and log never ran).
      worker.ref();
      worker.postMessage('stop');
      await exited;
      await autocheckpoint(DEFAULT_PAGES);
    },
  };
}
