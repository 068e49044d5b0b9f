import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Tx, UnitOfWork } from '../handlers/ports';
import type { DatabaseKind } from './data-source';
import { sqliteConnection } from './repositories/sqlite-statements';
import { sqliteDatabaseFile } from './sqlite-file';
import { WalSync } from './wal-sync';

/** The use-cases see an opaque Tx; storage knows it is TypeORM's transactional EntityManager. */
export const managerOf = (tx: Tx): EntityManager => tx as unknown as EntityManager;
const asTx = (manager: EntityManager): Tx => manager as unknown as Tx;

/**
 * A unit of work, and a view of it whose commits are durable when they return: for the transactions
 * that precede an acknowledgement (the inbox accepting an event, a card click decided before its
 * answer). On PostgreSQL and MySQL every commit is; on SQLite see SqliteUnitOfWork.
 */
export interface StorageUnitOfWork extends UnitOfWork {
  readonly durable: UnitOfWork;
}

/** A transaction's work waiting for the SQLite connection. */
interface Waiting {
  work: (tx: Tx) => Promise<unknown>;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** Works sharing one SQLite transaction at most: bounds how long the first one waits for the commit. */
const MAX_WORKS_PER_TRANSACTION = 50;
/**
 * fsyncs of the WAL running at once, on libuv's thread pool (4 threads by default; one is left for
 * other work): an accept whose commit lands while one runs starts its own instead of waiting for it
 * to end first (WalSync).
 */
const WAL_SYNCS_AT_ONCE = 3;

/**
 * SQLite: TypeORM's better-sqlite3 driver shares one connection, so transactions run one at a time,
 * queued here. A deferred transaction that reads then writes fails with SQLITE_BUSY_SNAPSHOT when
 * another process wrote in between, so every transaction starts with BEGIN IMMEDIATE (takes the
 * write lock up front; the busy timeout waits for it).
 *
 * Group commit: the commit is what a transaction costs most (writing its pages to the WAL), so works
 * waiting for the connection share one transaction, each in its own SAVEPOINT: a work that fails
 * rolls back to it and fails alone, and every other work resolves once the shared COMMIT has
 * returned, as if it had committed on its own. Works that wait together are independent (none waits
 * for another's result), so running them in turn in one transaction is the same as running them one
 * after another.
 *
 * Durability: the connection runs in WAL mode with `synchronous = NORMAL` (data-source.ts): a commit
 * is written to the WAL but not fsynced, so it survives the process dying but not the machine losing
 * power. Durable runs then fsync the WAL off the event loop (WalSync) before they return, so what was
 * acknowledged is on disk; the WAL is append-only, so that fsync also makes every earlier NORMAL
 * commit durable, and the many processing transactions between acknowledgements skip an fsync each
 * (a few fsyncs may run at once: WAL_SYNCS_AT_ONCE).
 * The connection is free for other transactions while the fsync runs. Durable works go first (an
 * acknowledgement waits for them) and share transactions among themselves; an ordinary transaction
 * takes no more works once a durable one waits.
 */
class SqliteUnitOfWork implements StorageUnitOfWork {
  private readonly urgent: Waiting[] = [];
  private readonly ordinary: Waiting[] = [];
  private draining = false;
  /** Found at the first durable run (the connection is open by then); null for an in-memory database. */
  private wal: WalSync | null | undefined;
  readonly durable: UnitOfWork = { run: (work) => this.durableRun(work) };

  constructor(private readonly dataSource: DataSource) {}

  private async durableRun<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.submit(work, true);
    await this.walSync()?.sync();
    return result;
  }

  private walSync(): WalSync | null {
    if (this.wal === undefined) {
      const file = sqliteDatabaseFile(this.dataSource);
      this.wal = file === null ? null : new WalSync(file, WAL_SYNCS_AT_ONCE);
    }
    return this.wal;
  }

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.submit(work, false);
  }

  private submit<T>(work: (tx: Tx) => Promise<T>, durable: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (durable ? this.urgent : this.ordinary).push({ work, resolve: resolve as (r: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      // A failure reaches the callers of the works it failed.
      while (this.urgent.length || this.ordinary.length) await this.transaction(this.urgent.length > 0).catch(() => undefined);
    } finally {
      this.draining = false;
    }
  }

  /** The next work for the current transaction: of its kind; an ordinary one stops when a durable one waits. */
  private next(durable: boolean): Waiting | undefined {
    return durable ? this.urgent.shift() : this.urgent.length ? undefined : this.ordinary.shift();
  }

  /** One transaction for the works waiting (and those arriving meanwhile, up to the limit). */
  private async transaction(durable: boolean): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const sqlite = sqliteConnection(runner.manager)!;
    const done: { waiting: Waiting; result: unknown }[] = [];
    // Taken before BEGIN: if the transaction cannot start (busy), its caller learns why.
    let current = this.next(durable);
    beginImmediately(runner);
    try {
      await runner.startTransaction();
      for (let taken = 1; current; taken++) {
        // The first work needs no savepoint: if it fails, the transaction, so far its own, rolls back.
        const alone = taken === 1;
        if (!alone) await runner.query('SAVEPOINT work');
        try {
          const result = await current.work(asTx(runner.manager));
          if (!alone) await runner.query('RELEASE work');
          done.push({ waiting: current, result });
        } catch (error) {
          // SQLite ends the whole transaction on some errors (disk full, I/O): then every work fails.
          if (alone || !sqlite.inTransaction) throw error;
          await runner.query('ROLLBACK TO work');
          await runner.query('RELEASE work');
          current.reject(error);
        }
        current = taken < MAX_WORKS_PER_TRANSACTION ? this.next(durable) : undefined;
      }
      await runner.commitTransaction();
      for (const { waiting, result } of done) waiting.resolve(result);
    } catch (error) {
      await rollback(runner, sqlite.inTransaction).catch(() => undefined);
      for (const { waiting } of done) waiting.reject(error);
      current?.reject(error);
    } finally {
      await runner.release();
    }
  }
}

/** Rolls the runner's transaction back, or only forgets it when SQLite has already ended it. */
async function rollback(runner: QueryRunner, open: boolean): Promise<void> {
  if (!runner.isTransactionActive) return;
  if (open) return runner.rollbackTransaction();
  // TypeORM's bookkeeping, which the shared runner's next BEGIN depends on.
  Object.assign(runner, { isTransactionActive: false, transactionDepth: 0 });
}

/** Runners whose `BEGIN TRANSACTION` already reads `BEGIN IMMEDIATE TRANSACTION`. */
const immediateRunners = new WeakSet<QueryRunner>();

/**
 * Makes this runner's `BEGIN TRANSACTION` a `BEGIN IMMEDIATE TRANSACTION` (TypeORM has no option for
 * it), once per runner: better-sqlite3's driver hands back the same runner for every transaction, and
 * a wrapper added per transaction would pile up until the stack overflows (about 10,000 transactions).
 */
function beginImmediately(runner: QueryRunner): void {
  if (immediateRunners.has(runner)) return;
  immediateRunners.add(runner);
  const query = runner.query.bind(runner);
  runner.query = ((sql: string, ...rest: unknown[]) =>
    (query as (...a: unknown[]) => Promise<unknown>)(
      sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql,
      ...rest,
    )) as QueryRunner['query'];
}

/** PostgreSQL / MySQL: the connection pool gives each transaction its own connection. */
class PooledUnitOfWork implements StorageUnitOfWork {
  readonly durable: UnitOfWork = this;

  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(asTx(manager)));
  }
}

export function createUnitOfWork(dataSource: DataSource, kind: DatabaseKind): StorageUnitOfWork {
  return kind === 'sqlite' ? new SqliteUnitOfWork(dataSource) : new PooledUnitOfWork(dataSource);
}
