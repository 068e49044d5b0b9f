// Group commit: items submitted while a batch is being written join the next batch, written in one
// transaction (one commit, one fsync, for many). The first item of a batch waits only for the end of
// the current event-loop turn, so the requests read in that turn share its transaction.
//
// A few batches may be in flight at once: on SQLite a durable write commits, then waits for its
// fsync off the event loop (storage/wal-sync.ts); the next batch commits meanwhile instead of waiting
// a whole fsync before it may start, so an item waits for one fsync, not two.

interface Waiting<I, O> {
  item: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export class GroupCommit<I, O> {
  private queue: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Callers of idle(), told once nothing is waiting or being written. */
  private idleWaiters: (() => void)[] = [];

  /**
   * @param write writes a batch in one transaction and returns one output per item, in order.
   * @param maxBatch items per transaction at most; the rest go in the next one, a turn later. The
   *   batch's statement is built and run on the event loop: 200 items held it up to 10 ms.
   * @param maxInFlight batches being written at once at most.
   */
  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 64,
    private readonly maxInFlight = 4,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting or being written: while there are any, other work on the database should wait. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves when nothing is waiting or being written. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The next batch at the end of this event-loop turn, if a batch may start. */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startBatch();
    });
  }

  private startBatch(): void {
    if (this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight++;
    void this.writeBatch(batch).finally(() => {
      this.inFlight--;
      if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      this.schedule();
    });
    this.schedule(); // more than maxBatch were waiting: the next batch in the next turn
  }

  /** The batch in one transaction; if that fails, item by item, so a bad item fails only its own caller. */
  private async writeBatch(batch: Waiting<I, O>[]): Promise<void> {
    let outputs: O[] | null = null;
    try {
      outputs = await this.write(batch.map((w) => w.item));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
    }
    if (outputs) {
      batch.forEach((w, i) => w.resolve(outputs[i]!));
      return;
    }
    for (const w of batch) {
      try {
        w.resolve((await this.write([w.item]))[0]!);
      } catch (error) {
        w.reject(error);
      }
    }
  }
}
