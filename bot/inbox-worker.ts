// Processes the accepted backlog from the inbox table. A platform callback records its event
// (Dispatcher.accept), is answered, and wakes the worker; the worker claims the next rows in one
// transaction, a batch at a time, processes them with bounded concurrency, and delivers the outbox
// after each batch. The backlog lives in the table: in memory there is at most one batch, however
// many events wait. Accepting comes first: before each step (one event, or on SQLite a few started
// together, whose transactions share a commit) the worker takes a slice of the event loop
// (LoopSlices: new requests are read in between) and waits while accepts are being written, so a
// callback never waits behind a queue of processing transactions (on SQLite, transactions take turns).

import type { InboxRecord } from '../handlers/ports';
import type { Dispatcher } from './dispatch';
import type { Logger } from './logger';
import { nextTurn, type Slices } from './loop-slices';

export interface InboxWorkerOptions {
  dispatcher: Dispatcher;
  /** Delivers the outbox (started after each batch; not awaited before the next batch). */
  deliver: () => Promise<unknown>;
  log: Logger;
  /** Rows claimed per transaction, and so the most events held in memory. */
  batchSize?: number;
  /** Lanes processing events at once: 1 on SQLite (one connection), a few on PostgreSQL/MySQL. */
  concurrency?: number;
  /**
   * Events a lane starts together after each slice of the event loop (default 1). On SQLite their
   * transactions share one commit: fewer pages written to the WAL, so its fsyncs (which accepts
   * wait for) stay short.
   */
  perStep?: number;
  /** Where each event waits for its slice of the event loop (default: one turn of the loop each). */
  slices?: Slices;
}

export class InboxWorker {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private delivering: Promise<unknown> = Promise.resolve();
  /** Events claimed and not yet processed: at most batchSize. */
  private held = 0;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly perStep: number;
  private readonly slices: Slices;

  constructor(private readonly o: InboxWorkerOptions) {
    this.batchSize = o.batchSize ?? 50;
    this.concurrency = Math.max(1, o.concurrency ?? 1);
    this.perStep = Math.max(1, o.perStep ?? 1);
    this.slices = o.slices ?? { take: nextTurn };
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
        await this.yieldToAccepts();
        // Started together: on SQLite their transactions wait for the connection together and share
        // one commit (StorageUnitOfWork), which writes each page they change once, not once each.
        const step = rows.slice(next, (next += this.perStep));
        await Promise.all(
          step.map(async (row) => {
            try {
              await dispatcher.processClaimed(row);
            } catch (error) {
              // Its claim runs out and it is taken again (the attempt was counted).
              log.error('inbox event failed', { inboxId: row.id, error: String((error as Error)?.stack ?? error) });
            } finally {
              this.held--;
            }
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, rows.length) }, lane));
    this.delivering = this.o.deliver().catch((error) => log.error('outbox run failed', { error: String(error) }));
    return true;
  }

  /** A slice of the event loop (requests waiting are read in between), once no accept is waiting or being written. */
  private async yieldToAccepts(): Promise<void> {
    await this.slices.take();
    while (this.o.dispatcher.acceptsPending) {
      await this.o.dispatcher.acceptsIdle();
      await this.slices.take();
    }
  }
}
