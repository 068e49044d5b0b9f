import path from 'node:path';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Tx, UnitOfWork } from '../handlers/ports';
import type { DatabaseKind } from './data-source';
import { WalSync } from './wal-sync';

/** The use-cases see an opaque Tx; storage knows it is TypeORM's transactional EntityManager. */
export const managerOf = (tx: Tx): EntityManager => tx as unknown as EntityManager;
const asTx = (manager: EntityManager): Tx => manager as unknown as Tx;

/**
 * An async mutex: one holder at a time, in arrival order, except that urgent work (what an
 * acknowledgement waits for) goes before the ordinary work waiting: an accept never queues behind
 * the processing and outbox transactions waiting for the connection, only behind the one running.
 */
class Mutex {
  private held = false;
  private readonly urgent: (() => void)[] = [];
  private readonly ordinary: (() => void)[] = [];

  async lock<T>(work: () => Promise<T>, urgent = false): Promise<T> {
    if (this.held) await new Promise<void>((resolve) => (urgent ? this.urgent : this.ordinary).push(resolve));
    this.held = true;
    try {
      return await work();
    } finally {
      const next = this.urgent.shift() ?? this.ordinary.shift();
      if (next) next(); // handed over: still held
      else this.held = false;
    }
  }
}

/**
 * A unit of work, and a view of it whose commits are durable when they return: for the transactions
 * that precede an acknowledgement (the inbox accepting an event, a card click decided before its
 * answer). On PostgreSQL and MySQL every commit is; on SQLite see SqliteUnitOfWork.
 */
export interface StorageUnitOfWork extends UnitOfWork {
  readonly durable: UnitOfWork;
}

/**
 * SQLite: TypeORM's better-sqlite3 driver shares one connection, so concurrent transactions collide
 * ("cannot start a transaction within a transaction"): queue them. And a deferred transaction that
 * reads then writes fails with SQLITE_BUSY_SNAPSHOT when another process wrote in between, so every
 * transaction starts with BEGIN IMMEDIATE (takes the write lock up front; the busy timeout waits for it).
 *
 * Durability: the connection runs in WAL mode with `synchronous = NORMAL` (data-source.ts): a commit
 * is written to the WAL but not fsynced, so it survives the process dying but not the machine losing
 * power. Durable runs then fsync the WAL off the event loop (WalSync) before they return, so what was
 * acknowledged is on disk; the WAL is append-only, so that fsync also makes every earlier NORMAL
 * commit durable, and the many processing transactions between acknowledgements skip an fsync each.
 * The connection is free for other transactions while the fsync runs.
 */
class SqliteUnitOfWork implements StorageUnitOfWork {
  private readonly mutex = new Mutex();
  /** Found at the first durable run (the connection is open by then); null for an in-memory database. */
  private wal: WalSync | null | undefined;
  readonly durable: UnitOfWork = { run: (work) => this.durableTransaction(work) };

  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.transaction(work, false);
  }

  private async durableTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.transaction(work, true);
    await this.walSync()?.sync();
    return result;
  }

  private walSync(): WalSync | null {
    if (this.wal === undefined) {
      const connection = (this.dataSource.driver as unknown as { databaseConnection: { name: string; memory: boolean } }).databaseConnection;
      this.wal = connection.memory ? null : new WalSync(path.resolve(connection.name));
    }
    return this.wal;
  }

  private transaction<T>(work: (tx: Tx) => Promise<T>, urgent: boolean): Promise<T> {
    // Durable transactions precede an acknowledgement: they go first among those waiting.
    return this.mutex.lock(async () => {
      const runner = this.dataSource.createQueryRunner();
      beginImmediately(runner);
      try {
        await runner.startTransaction();
        try {
          const result = await work(asTx(runner.manager));
          await runner.commitTransaction();
          return result;
        } catch (error) {
          if (runner.isTransactionActive) await runner.rollbackTransaction();
          throw error;
        }
      } finally {
        await runner.release();
      }
    }, urgent);
  }
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
