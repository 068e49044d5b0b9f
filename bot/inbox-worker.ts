// Processes the accepted backlog from the inbox table. A platform callback records its event
// (Dispatcher.accept), is answered, and wakes the worker; the worker claims the next rows in one
// transaction, a batch at a time, processes them with bounded concurrency, and delivers the outbox
// after each batch. The backlog lives in the table: in memory there is at most one batch, however
// many events wait. Accepting comes first: before each event the worker yields a turn of the event
// loop (new requests are read) and waits while accepts are being written, so a callback never
// waits behind a queue of processing transactions (on SQLite, transactions take turns).

import type { InboxRecord } from '../handlers/ports';
import type { Dispatcher } from './dispatch';
import type { Logger } from './logger';

export interface InboxWorkerOptions {
  dispatcher: Dispatcher;
  /** Delivers the outbox (started after each batch; not awaited before the next batch). */
  deliver: () => Promise<unknown>;
  log: Logger;
  /** Rows claimed per transaction, and so the most events held in memory. */
  batchSize?: number;
  /** Events processed at once: 1 on SQLite (one connection), a few on PostgreSQL/MySQL. */
  concurrency?: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class InboxWorker {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private delivering: Promise<unknown> = Promise.resolve();
  /** Events claimed and not yet processed: at most batchSize. */
  private held = 0;
  private readonly batchSize: number;
  private readonly concurrency: number;

  constructor(private readonly o: InboxWorkerOptions) {
    this.batchSize = o.batchSize ?? 50;
    this.concurrency = Math.max(1, o.concurrency ?? 1);
  }

  /**
   * Processes everything this instance may take, until nothing is left; a wake during a run makes
   * the run look once more. Returns the run, which settles when the worker is idle again.
   */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => (this.running = null));
    return this.running;
  }

  /** Events in the worker's hands now (claimed, not yet processed): bounded by the batch size. */
  get inMemory(): number {
    return this.held;
  }

  /** Resolves once no run is in progress. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops after the batch in progress (its rows are claimed: they are finished, not abandoned). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      while (!this.stopped && (await this.batch()));
    } while (this.again && !this.stopped);
    await this.delivering;
  }

  /** One batch: false when there was nothing to take. */
  private async batch(): Promise<boolean> {
    const { dispatcher, log } = this.o;
    await this.yieldToAccepts();
    let rows: InboxRecord[];
    try {
      rows = await dispatcher.claimNext(this.batchSize);
    } catch (error) {
      log.error('inbox claim failed', { error: String((error as Error)?.stack ?? error) });
      return false; // the periodic wake tries again
    }
    if (rows.length === 0) return false;
    this.held = rows.length;
    let next = 0;
    const lane = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        await this.yieldToAccepts();
        try {
          await dispatcher.processClaimed(row);
        } catch (error) {
          // Its claim runs out and it is taken again (the attempt was counted).
          log.error('inbox event failed', { inboxId: row.id, error: String((error as Error)?.stack ?? error) });
        } finally {
          this.held--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, rows.length) }, lane));
    this.delivering = this.o.deliver().catch((error) => log.error('outbox run failed', { error: String(error) }));
    return true;
  }

  /** A turn of the event loop (requests waiting are read), then until no accept is waiting or being written. */
  private async yieldToAccepts(): Promise<void> {
    await nextTurn();
    while (this.o.dispatcher.acceptsPending) {
      await this.o.dispatcher.acceptsIdle();
      await nextTurn();
    }
  }
}
