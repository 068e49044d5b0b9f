// Delivers what the use-cases queued in the outbox, with retry and exponential backoff.
// A message that cannot be delivered stays pending and is retried; after `maxAttempts` it is dead.

import type { Clock, Notifier, OutboxStore, UnitOfWork } from '../handlers/ports';
import { DeliveryError } from './delivery-error';
import type { Logger } from './logger';

export interface OutboxDispatcherOptions {
  batchSize?: number;
  maxAttempts?: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export class OutboxDispatcher {
  private running: Promise<number> | null = null;
  private queued: Promise<number> | null = null;
  private readonly opts: Required<OutboxDispatcherOptions>;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: OutboxStore,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly log: Logger,
    options: OutboxDispatcherOptions = {},
  ) {
    this.opts = { batchSize: 50, maxAttempts: 10, baseBackoffMs: 30_000, maxBackoffMs: 3_600_000, ...options };
  }

  /**
   * Delivers everything due now. Runs never overlap; a call during a run gets the next run (shared
   * by every call made meanwhile), so a message enqueued just before the call is always included.
   */
  deliverDue(): Promise<number> {
    if (!this.running) {
      this.running = this.deliverBatches().finally(() => (this.running = null));
      return this.running;
    }
    this.queued ??= this.running.catch(() => 0).then(() => {
      this.queued = null;
      return this.deliverDue();
    });
    return this.queued;
  }

  private async deliverBatches(): Promise<number> {
    let sent = 0;
    for (;;) {
      const due = await this.uow.run((tx) => this.store.listDue(tx, this.clock.now(), this.opts.batchSize));
      if (due.length === 0) return sent;
      let progressed = false;
      for (const message of due) {
        try {
          await this.notifier.deliver(message); // never inside a transaction: it is network I/O
          await this.uow.run((tx) => this.store.markSent(tx, message.id, this.clock.now()));
          sent++;
          progressed = true;
        } catch (error) {
          const options = error instanceof DeliveryError ? error.options : {};
          if (options.deferUntil) {
            await this.uow.run((tx) => this.store.defer(tx, message.id, options.deferUntil!, String(error)));
            continue;
          }
          const attempts = message.attempts + 1;
          const delay = Math.min(this.opts.baseBackoffMs * 2 ** (attempts - 1), this.opts.maxBackoffMs);
          const retryAt = options.permanent || attempts >= this.opts.maxAttempts ? null : new Date(this.clock.now().getTime() + delay);
          this.log.warn('outbox delivery failed', { id: message.id, key: message.dedupeKey, attempts, retryAt, error: String(error) });
          await this.uow.run((tx) => this.store.markFailed(tx, message.id, String(error), retryAt));
        }
      }
      if (!progressed || due.length < this.opts.batchSize) return sent;
    }
  }
}
