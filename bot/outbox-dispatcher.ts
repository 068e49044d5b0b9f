// Delivers what the use-cases queued in the outbox, with retry and exponential backoff.
// A message that cannot be delivered stays pending and is retried; after `maxAttempts` it is dead.
// Several instances may deliver from one outbox: each message is claimed before it is sent.
// Messages to one recipient go out in order. Direct messages wait for working hours (quiet hours),
// except urgent ones and replies to someone who is chatting with the bot right now.

import { randomUUID } from 'node:crypto';
import { recipientKey, type Clock, type Notifier, type OutboxRecord, type OutboxStore, type UnitOfWork } from '../handlers/ports';
import { DeliveryError } from './delivery-error';
import type { Logger } from './logger';

export interface OutboxDispatcherOptions {
  batchSize?: number;
  maxAttempts?: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a claim protects a message being sent from other instances. */
  claimMs?: number;
  /** This instance's name in claims. */
  holder?: string;
  /** When set, notifications to people outside working time wait for the next working instant. */
  quietHours?: { isWorkingTime(at: Date): boolean; nextWorkingInstant(at: Date): Date };
  /**
   * Messages per minute per recipient, counted in the database so that every instance respects
   * them together (group robots allow 20, WeCom app messages 30 per member). Replies to a chat and
   * card updates are not counted against them.
   */
  perMinute?: { channel: number; person: number };
  /** Called once a message is given up (dead), to tell an admin. */
  onDead?: (message: OutboxRecord, error: string) => Promise<void>;
}

export class OutboxDispatcher {
  private running: Promise<number> | null = null;
  private queued: Promise<number> | null = null;
  private readonly opts: Required<Omit<OutboxDispatcherOptions, 'quietHours' | 'onDead' | 'perMinute'>> & OutboxDispatcherOptions;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: OutboxStore,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly log: Logger,
    options: OutboxDispatcherOptions = {},
  ) {
    this.opts = {
      batchSize: 50,
      maxAttempts: 10,
      baseBackoffMs: 30_000,
      maxBackoffMs: 3_600_000,
      claimMs: 120_000,
      holder: `bot-${process.pid}-${randomUUID().slice(0, 8)}`,
      ...options,
    };
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
      // A recipient whose message did not go out in this batch gets nothing more in it: order.
      const held = new Set<string>();
      for (const message of due) {
        const key = recipientKey(message.to);
        if (held.has(key) && !message.urgent) continue;
        const now = this.clock.now();
        const claimed = await this.uow.run((tx) => this.store.claim(tx, message.id, this.opts.holder, new Date(now.getTime() + this.opts.claimMs), now));
        if (!claimed) {
          held.add(key); // another instance is sending it
          continue;
        }
        const quiet = this.quietUntil(message, now) ?? (await this.overLimitUntil(message, key, now));
        if (quiet) {
          held.add(key);
          await this.uow.run((tx) => this.store.defer(tx, message.id, quiet, 'quiet hours or rate limit'));
          continue;
        }
        try {
          await this.notifier.deliver(message); // never inside a transaction: it is network I/O
          await this.uow.run((tx) => this.store.markSent(tx, message.id, this.clock.now()));
          sent++;
          progressed = true;
        } catch (error) {
          held.add(key);
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
          if (!retryAt) {
            this.log.error('outbox message given up', { id: message.id, key: message.dedupeKey, attempts });
            await this.opts.onDead?.(message, String(error)).catch((e) => this.log.error('dead-letter alert failed', { error: String(e) }));
          }
        }
      }
      if (!progressed) return sent;
    }
  }

  /** When the recipient has had its messages for this minute (all instances together): wait a minute. */
  private async overLimitUntil(message: OutboxRecord, key: string, now: Date): Promise<Date | null> {
    const limits = this.opts.perMinute;
    if (!limits || message.updatesCard || message.to.kind === 'conversation') return null;
    const limit = message.to.kind === 'channel' ? limits.channel : limits.person;
    const sent = await this.uow.run((tx) => this.store.sentSince(tx, key, new Date(now.getTime() - 60_000)));
    return sent >= limit ? new Date(now.getTime() + 60_000) : null;
  }

  /** Notifications to people wait for working time; replies, card updates and urgent ones do not. */
  private quietUntil(message: OutboxRecord, now: Date): Date | null {
    const q = this.opts.quietHours;
    if (!q || message.urgent || message.updatesCard || message.to.kind !== 'person') return null;
    return q.isWorkingTime(now) ? null : q.nextWorkingInstant(now);
  }
}
