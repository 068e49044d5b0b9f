// Group commit: items submitted while a batch is being written join the next batch, written in one
// transaction (one commit, one fsync, for many). The first item of a batch waits only for the end of
// the current event-loop turn, so the requests read in that turn share its transaction.

interface Waiting<I, O> {
  item: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export class GroupCommit<I, O> {
  private queue: Waiting<I, O>[] = [];
  private writing: Promise<void> | null = null;

  /**
   * @param write writes a batch in one transaction and returns one output per item, in order.
   * @param maxBatch items per transaction at most; the rest wait for the next one.
   */
  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 200,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.writing ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  /** Items waiting or being written: while there are any, other work on the database should wait. */
  get pending(): number {
    return this.queue.length + (this.writing ? 1 : 0);
  }

  /** Resolves when nothing is waiting or being written. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeBatch(batch);
      }
    } finally {
      this.writing = null;
    }
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
