// Delivers what the use-cases queued in the outbox, with retry and exponential backoff.
// A message that cannot be delivered stays pending and is retried; after `maxAttempts` it is dead.
// Several instances may deliver from one outbox: each message is claimed before it is sent.
// Messages to one recipient go out in order. Direct messages wait for working hours (quiet hours),
// except urgent ones and replies to someone who is chatting with the bot right now.
//
// Under a rush it works in batches: one transaction claims up to `batchSize` due messages (and
// counts what their recipients were sent in the last minute); up to `concurrency` recipients are
// served at once, each recipient's messages one after another; outcomes are written as they come,
// many per transaction (whatever finished while the previous write ran, or in the same turn of the
// event loop). Each step (a claim, a message prepared and sent, its answer recorded) waits for its
// slice of the event loop (LoopSlices), so that a rush of replies never holds the loop for long.

import { randomUUID } from 'node:crypto';
import {
  defaultRateTarget,
  recipientKey,
  type Clock,
  type Notifier,
  type OutboxRecord,
  type OutboxStore,
  type RateTarget,
  type Tx,
  type UnitOfWork,
} from '../handlers/ports';
import { DeliveryError } from './delivery-error';
import type { Logger } from './logger';
import { nextTurn, UNSLICED, type Slices } from './loop-slices';

export interface OutboxDispatcherOptions {
  /** Messages claimed per transaction. */
  batchSize?: number;
  /** Recipients served at once (each one's messages stay in order). */
  concurrency?: number;
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
   * Messages per minute per limited target (group robots allow 20, WeCom 30 app messages per member,
   * replies in a member's WeCom chat included), counted in the database so that every instance
   * respects them together. The notifier says what a message counts against (Notifier.rateTarget);
   * DingTalk sessionWebhook replies and card updates count against nothing.
   */
  perMinute?: { channel: number; person: number };
  /** Called once a message is given up (dead), to tell an admin. */
  onDead?: (message: OutboxRecord, error: string) => Promise<void>;
  /** Told of each send and failed attempt (metrics); must be cheap and never throw. */
  observe?: DeliveryObserver;
  /**
   * Where each step (a claim, a message prepared and sent, its outcome recorded) waits for its slice
   * of the event loop (LoopSlices), so that delivering a rush of replies never holds the loop long.
   * Default: no waiting.
   */
  slices?: Slices;
}

export interface DeliveryObserver {
  sent(message: OutboxRecord): void;
  /** `final`: the message was given up (dead). */
  failed(message: OutboxRecord, final: boolean): void;
}

const MINUTE = 60_000;
/** Recipients served at once by default: a crash sends again at most this many messages. */
export const DEFAULT_CONCURRENCY = 32;
/**
 * Messages claimed per transaction by default: two rounds of the lanes. The claim (one statement
 * listing and claiming, then every row's JSON parsed) holds the event loop: on SQLite, 200 at a time
 * held it 5–25 ms under a rush, and every callback and frame arriving meanwhile waited.
 */
export const DEFAULT_BATCH_SIZE = 2 * DEFAULT_CONCURRENCY;

export class OutboxDispatcher {
  private running: Promise<number> | null = null;
  private queued: Promise<number> | null = null;
  private readonly opts: Required<Omit<OutboxDispatcherOptions, 'quietHours' | 'onDead' | 'perMinute' | 'observe' | 'slices'>> & OutboxDispatcherOptions;
  private readonly slices: Slices;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: OutboxStore,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly log: Logger,
    options: OutboxDispatcherOptions = {},
  ) {
    this.opts = {
      batchSize: DEFAULT_BATCH_SIZE,
      concurrency: DEFAULT_CONCURRENCY,
      maxAttempts: 10,
      baseBackoffMs: 30_000,
      maxBackoffMs: 3_600_000,
      claimMs: 120_000,
      holder: `bot-${process.pid}-${randomUUID().slice(0, 8)}`,
      ...options,
    };
    this.slices = options.slices ?? UNSLICED;
  }

  /**
   * Delivers everything due now; resolves to how many messages were sent. Runs never overlap; a
   * call during a run gets the next run (shared by every call made meanwhile), so a message
   * enqueued just before the call is always included.
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
    for (let contended = 0; ; ) {
      await this.slices.take();
      const now = this.clock.now();
      const { batch, budgets, lost } = await this.uow.run(async (tx) => {
        const claim = await this.store.claimDue(tx, { now, limit: this.opts.batchSize, holder: this.opts.holder, until: new Date(now.getTime() + this.opts.claimMs) });
        return { batch: claim.messages, lost: claim.contended, budgets: await this.budgetsFor(tx, claim.messages, now) };
      });
      if (batch.length === 0) {
        // Another instance claimed what this claim listed, at the same moment: look again (a few times).
        if (lost && ++contended <= 3) continue;
        return sent;
      }
      contended = 0;
      const claim = new ClaimKeeper(this.uow, this.store, this.clock, this.opts.holder, this.opts.claimMs, batch, new Date(now.getTime() + this.opts.claimMs));
      const delivered = await this.deliverBatch(batch, budgets, claim);
      sent += delivered;
      // Every message of the batch was sent, or waits now (retry, throttle, quiet hours): a batch
      // that sent nothing ends the run unless more may be due behind it.
      if (delivered === 0 && batch.length < this.opts.batchSize) return sent;
    }
  }

  /** Serves the batch's recipients, `concurrency` at a time, each one's messages in order. */
  private async deliverBatch(batch: OutboxRecord[], budgets: Budgets, claim: ClaimKeeper): Promise<number> {
    const lanes = new Map<string, OutboxRecord[]>();
    for (const message of batch) {
      const key = recipientKey(message.to);
      const lane = lanes.get(key);
      if (lane) lane.push(message);
      else lanes.set(key, [message]);
    }
    const queue = [...lanes.values()];
    const outcomes = new OutcomeWriter(this.uow, this.store, this.clock, this.opts.holder);
    let next = 0;
    let sent = 0;
    const worker = async () => {
      while (next < queue.length) {
        const n = await this.deliverLane(queue[next++]!, budgets, outcomes, claim);
        sent += n; // not `sent += await …`: that would add to the value read before the wait
      }
    };
    const workers = await Promise.allSettled(Array.from({ length: Math.min(this.opts.concurrency, queue.length) }, worker));
    await outcomes.settled();
    const failed = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed) throw failed.reason;
    return sent;
  }

  /**
   * One recipient's messages, in order. Once one of them fails or must wait, the rest wait too
   * (urgent ones may pass). Each send is recorded before the next one from this lane, so a crash
   * sends again at most one message per lane in flight.
   */
  private async deliverLane(lane: OutboxRecord[], budgets: Budgets, outcomes: OutcomeWriter, claim: ClaimKeeper): Promise<number> {
    let held = false;
    let sent = 0;
    for (const message of lane) {
      await this.slices.take();
      try {
        if (held && !message.urgent) {
          await outcomes.add({ kind: 'release', id: message.id });
          continue;
        }
        if (!(await claim.holds(message.id))) {
          held = true; // the claim ran out and another instance took the message: it sends it
          continue;
        }
        const now = this.clock.now();
        const wait = this.quietUntil(message, now) ?? budgets.take(message, now);
        if (wait) {
          held = true;
          await outcomes.add({ kind: 'defer', id: message.id, at: wait, reason: 'quiet hours or rate limit' });
          continue;
        }
        let failure: { error: unknown } | null = null;
        try {
          await this.notifier.deliver(message); // never inside a transaction: it is network I/O
        } catch (error) {
          failure = { error };
        }
        await this.slices.take(); // the answer came in: recording it is the next step
        if (failure) {
          held = true;
          await this.recordFailure(message, failure.error, outcomes);
          continue;
        }
        this.opts.observe?.sent(message);
        await outcomes.add({ kind: 'sent', id: message.id });
        sent++;
      } finally {
        claim.done(message.id); // recorded (or not ours): its claim needs no renewal any more
      }
    }
    return sent;
  }

  private async recordFailure(message: OutboxRecord, error: unknown, outcomes: OutcomeWriter): Promise<void> {
    const options = error instanceof DeliveryError ? error.options : {};
    if (options.deferUntil) {
      this.opts.observe?.failed(message, false);
      await outcomes.add({ kind: 'defer', id: message.id, at: options.deferUntil, reason: String(error) });
      return;
    }
    const attempts = message.attempts + 1;
    const delay = Math.min(this.opts.baseBackoffMs * 2 ** (attempts - 1), this.opts.maxBackoffMs);
    const retryAt = options.permanent || attempts >= this.opts.maxAttempts ? null : new Date(this.clock.now().getTime() + delay);
    this.log.warn('outbox delivery failed', { id: message.id, key: message.dedupeKey, attempts, retryAt, error: String(error) });
    this.opts.observe?.failed(message, !retryAt);
    await outcomes.add({ kind: 'failed', id: message.id, error: String(error), retryAt });
    if (!retryAt) {
      this.log.error('outbox message given up', { id: message.id, key: message.dedupeKey, attempts });
      await this.opts.onDead?.(message, String(error)).catch((e) => this.log.error('dead-letter alert failed', { error: String(e) }));
    }
  }

  /**
   * The per-minute budgets of the batch's targets, from one grouped count of what their recipient
   * keys were sent in the last minute (by any instance), taken in the claim's transaction.
   *
   * Why once per batch and not per message: an instance that claimed a recipient's messages is the
   * only one sending to that recipient key until it records them (later messages to it cannot be
   * claimed meanwhile), so the count at claim time plus this batch's own sends is what the platform
   * has seen. A member reached through two keys (notifications and replies in the chat) claimed by
   * two instances at the same moment may get a few too many; the WeCom notifier's own limiter still
   * holds each instance to 30.
   */
  private async budgetsFor(tx: Tx, batch: OutboxRecord[], now: Date): Promise<Budgets> {
    const limits = this.opts.perMinute;
    if (!limits) return NO_LIMITS;
    const targets = new Map<number, RateTarget>();
    for (const message of batch) {
      const declared = this.notifier.rateTarget?.(message);
      const target = declared === undefined ? defaultRateTarget(message) : declared;
      if (target) targets.set(message.id, target);
    }
    if (targets.size === 0) return NO_LIMITS;
    const keys = [...new Set([...targets.values()].flatMap((t) => t.recipientKeys))];
    const counts = await this.store.sentSince(tx, keys, new Date(now.getTime() - MINUTE));
    return new MinuteBudgets(limits, targets, counts);
  }

  /** Notifications to people wait for working time; replies, card updates and urgent ones do not. */
  private quietUntil(message: OutboxRecord, now: Date): Date | null {
    const q = this.opts.quietHours;
    if (!q || message.urgent || message.updatesCard || message.to.kind !== 'person') return null;
    return q.isWorkingTime(now) ? null : q.nextWorkingInstant(now);
  }
}

/**
 * Keeps this instance's claim on a batch alive while it is worked through: once a third of the
 * claim time is left, one renewal extends it for every message not yet done. A message whose claim
 * ran out and was taken by another instance meanwhile is not sent here.
 */
class ClaimKeeper {
  private readonly open: Set<number>;
  private renewing: Promise<void> | null = null;
  private readonly lost = new Set<number>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: OutboxStore,
    private readonly clock: Clock,
    private readonly holder: string,
    private readonly claimMs: number,
    batch: OutboxRecord[],
    private until: Date,
  ) {
    this.open = new Set(batch.map((m) => m.id));
  }

  /** True when this instance still holds the message (renewing the batch's claim if it runs low). */
  async holds(id: number): Promise<boolean> {
    if (this.clock.now().getTime() > this.until.getTime() - this.claimMs / 3) {
      this.renewing ??= this.renew().finally(() => (this.renewing = null));
      await this.renewing;
    }
    return !this.lost.has(id);
  }

  /** The message's outcome is recorded: its claim needs no renewal any more. */
  done(id: number): void {
    this.open.delete(id);
  }

  private async renew(): Promise<void> {
    const until = new Date(this.clock.now().getTime() + this.claimMs);
    const ids = [...this.open].filter((id) => !this.lost.has(id));
    const kept = new Set(await this.uow.run((tx) => this.store.renew(tx, ids, this.holder, until)));
    for (const id of ids) if (!kept.has(id)) this.lost.add(id);
    this.until = until;
  }
}

interface Budgets {
  /** Takes a send from the message's target this minute: null, or when to try again. */
  take(message: OutboxRecord, now: Date): Date | null;
}

const NO_LIMITS: Budgets = { take: () => null };

/** Sends left this minute per target, starting from what the database says was sent already. */
class MinuteBudgets implements Budgets {
  private readonly windows = new Map<string, { used: number; limit: number; earliest: number | null }>();

  constructor(
    limits: { channel: number; person: number },
    private readonly targets: Map<number, RateTarget>,
    counts: Map<string, { count: number; earliest: Date }>,
  ) {
    for (const target of targets.values()) {
      if (this.windows.has(target.key)) continue;
      let used = 0;
      let earliest: number | null = null;
      for (const key of target.recipientKeys) {
        const c = counts.get(key);
        if (!c) continue;
        used += c.count;
        earliest = Math.min(earliest ?? Infinity, c.earliest.getTime());
      }
      this.windows.set(target.key, { used, limit: limits[target.limit], earliest });
    }
  }

  take(message: OutboxRecord, now: Date): Date | null {
    const target = this.targets.get(message.id);
    const window = target && this.windows.get(target.key);
    if (!window) return null;
    if (window.used < window.limit) {
      window.used++;
      window.earliest ??= now.getTime();
      return null;
    }
    // The earliest send in the window leaves it then, freeing a slot (if it is still full then,
    // the next run defers again).
    return new Date(Math.max((window.earliest ?? now.getTime()) + MINUTE, now.getTime() + 1));
  }
}

type Outcome =
  | { kind: 'sent'; id: number }
  | { kind: 'defer'; id: number; at: Date; reason: string }
  | { kind: 'failed'; id: number; error: string; retryAt: Date | null }
  | { kind: 'release'; id: number };

/**
 * Writes outcomes as a group: one transaction takes everything that came in while the previous one
 * ran and until the end of that turn of the event loop (one statement for all the sent ones): the
 * answers read in one turn share one commit. `add` resolves once its outcome is committed.
 */
class OutcomeWriter {
  private pending: Outcome[] = [];
  /** The write in progress, if any. */
  private current: Promise<void> | null = null;
  /** The write that will take `pending` once `current` is done. */
  private next: Promise<void> | null = null;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly store: OutboxStore,
    private readonly clock: Clock,
    private readonly holder: string,
  ) {}

  add(outcome: Outcome): Promise<void> {
    this.pending.push(outcome);
    if (!this.next) {
      const next: Promise<void> = (this.current ?? Promise.resolve())
        .catch(() => undefined) // the previous write's failure is reported to its own callers
        .then(nextTurn) // the outcomes of this turn's answers share one transaction
        .then(() => {
          this.next = null;
          this.current = next;
          return this.write(this.pending.splice(0));
        })
        .finally(() => {
          if (this.current === next) this.current = null;
        });
      this.next = next;
    }
    return this.next;
  }

  /** Resolves once every outcome added so far is written (or its write failed). */
  async settled(): Promise<void> {
    while (this.next || this.current) await (this.next ?? this.current)!.catch(() => undefined);
  }

  private async write(outcomes: Outcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const now = this.clock.now();
    const ids = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind).map((o) => o.id);
    const deferrals = new Map<string, { at: Date; reason: string; ids: number[] }>();
    for (const o of outcomes) {
      if (o.kind !== 'defer') continue;
      const key = `${o.at.getTime()} ${o.reason}`;
      const group = deferrals.get(key);
      if (group) group.ids.push(o.id);
      else deferrals.set(key, { at: o.at, reason: o.reason, ids: [o.id] });
    }
    await this.uow.run(async (tx) => {
      await this.store.markSent(tx, ids('sent'), now);
      await this.store.release(tx, ids('release'), this.holder);
      for (const d of deferrals.values()) await this.store.defer(tx, d.ids, d.at, d.reason);
      for (const o of outcomes) if (o.kind === 'failed') await this.store.markFailed(tx, o.id, o.error, o.retryAt);
    });
  }
}
