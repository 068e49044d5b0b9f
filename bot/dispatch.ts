// envelope → inbox (dedupe, claim) → handler by kind → error boundary → replies in the outbox.
// The use-case, its notifications, the reply and "inbox row done" commit in one transaction, so an
// event is processed exactly once even if the process stops halfway (unfinished rows are resumed).
//
// Accepting is group-committed: events arriving while a batch is written join the next batch, one
// durable transaction for many (GroupCommit). Accepted events wait in the inbox table, not in memory:
// the InboxWorker (inbox-worker.ts) takes them in batches (claimNext) and processes them one by one.
//
// Several instances share one inbox. An event is claimed (holder + expiry) before it is processed,
// at arrival by the instance that received it and later by whoever resumes it; the attempt is
// counted when the claim is taken, before any work, so an attempt the process died in counts too.
// Only the holder of the claim can finish the row: a holder whose claim ran out and was taken over
// finds the row no longer theirs and rolls its transaction back. An event that fails (an unexpected
// error, or the process dying) `maxAttempts` times is given up: marked dead, the sender told that
// something went wrong, the admins told with an urgent note.

import { parseCommand } from '../handlers/commands/parse';
import type { Ctx, Deps } from '../handlers/context';
import { formatDateTime } from '../handlers/domain/dates';
import { isAppError } from '../handlers/domain/errors';
import type { Person } from '../handlers/domain/types';
import { executeCardAction, executeCommand, replyToUnparsed } from '../handlers/execute';
import type { Clock, InboxRecord, InboxStore, Recipient, Tx, UnitOfWork, View } from '../handlers/ports';
import { alertAdmins } from './admin-alerts';
import type { NormalizedEvent } from './events';
import { GroupCommit } from './group-commit';
import type { Logger } from './logger';
import type { BotMetrics } from './metrics';

export interface DispatchDeps {
  workflow: Deps;
  uow: UnitOfWork;
  /**
   * For the transactions that precede an acknowledgement (accepting, a decision answered at once):
   * their commit is durable when it returns. Defaults to `uow` (see StorageUnitOfWork).
   */
  durableUow?: UnitOfWork;
  inbox: InboxStore;
  clock: Clock;
  log: Logger;
  /** This instance's name in inbox claims (the outbox dispatcher uses the same one). */
  holder: string;
  /** How long a claim protects an event being processed from other instances. */
  claimMs: number;
  /** Processing attempts before an event is given up. */
  maxAttempts: number;
  /** Wait before an event that failed is tried again; doubles per attempt, at most a minute. */
  retryBaseMs?: number;
  /** Counts inbound outcomes, command latency and decisions (counters only). */
  metrics?: BotMetrics;
}

export type DispatchResult = 'processed' | 'duplicate';

/** How an attempt ended: the row is finished (done or dead), waits for a retry, or was not ours to take. */
type Attempt = { outcome: 'finished' | 'retry' | 'skipped'; views: View[] };
const SKIPPED: Attempt = { outcome: 'skipped', views: [] };

/** The claim on the row was taken over by another instance: this transaction must not commit. */
class ClaimLostError extends Error {
  constructor(readonly inboxId: number) {
    super(`inbox row ${inboxId}: claim lost to another instance`);
  }
}

/** Where the reply to a person's message goes: back into the chat it came from. */
const replyTo = (event: NormalizedEvent, personId: string | null): Recipient => ({
  kind: 'conversation',
  platform: event.platform,
  conversationId: event.conversation.id,
  conversationType: event.conversation.type,
  personId,
  ...(event.replyWebhook ? { replyWebhook: event.replyWebhook } : {}),
});

const NOT_IN_DIRECTORY =
  '你好！你还不在合同助手的通讯录里，暂时无法使用。请联系管理员把你加入策略文件（policy.yaml 的 people），' +
  '并附上你的平台账号：';
const FAILED = '处理时出错了，已记录，请稍后再试或联系管理员。';
const RESUME_BATCH = 50;
/** One resume call takes at most this many events; the periodic loop takes the rest. */
const RESUME_LIMIT = 1000;
/** Commands and card buttons that decide an approval step, as counted by the decisions metric. */
const DECISIONS = new Set(['approve', 'reject', 'transfer']);

/** An event to accept; `reserve`: the caller processes it at once, so no worker may take it. */
interface Arrival {
  event: NormalizedEvent;
  reserve: boolean;
}

/** How an attempt is made: `owned` when the caller already holds the row in `busy`. */
interface AttemptOptions {
  retryDelayMs?: number;
  owned?: boolean;
  /** The processing transaction precedes an acknowledgement that depends on it: commit durably. */
  durable?: boolean;
}

export class Dispatcher {
  /**
   * Rows this instance is working on now, or has reserved for a caller that processes them at once:
   * one attempt at a time per row, even within the instance, and never claimed by its worker.
   */
  private readonly busy = new Set<number>();
  private readonly accepts: GroupCommit<Arrival, InboxRecord | null>;
  private resuming: Promise<number> | null = null;
  private closing = false;

  constructor(private readonly d: DispatchDeps) {
    this.accepts = new GroupCommit((arrivals) => this.acceptBatch(arrivals));
  }

  /**
   * Accepts an event (false if it was seen before), then processes it. A failed attempt is tried
   * again at once, up to the attempt limit: this is the path of callers that wait for the reply.
   */
  async handle(event: NormalizedEvent): Promise<DispatchResult> {
    const record = await this.accepts.submit({ event, reserve: true });
    if (!record) return 'duplicate';
    try {
      // The first attempt was claimed and counted as the event was recorded; a retry claims again.
      let outcome = (await this.settle(record, event, { retryDelayMs: 0, durable: true })).outcome;
      for (let i = 1; i < this.d.maxAttempts && outcome === 'retry'; i++) {
        outcome = (await this.attempt(record.id, event, { retryDelayMs: 0, owned: true, durable: true })).outcome;
      }
    } finally {
      this.busy.delete(record.id);
    }
    return 'processed';
  }

  /**
   * Accepts an event and processes it at once (one attempt), durably: for a platform whose
   * acknowledgement carries the outcome (a DingTalk card click). The views of the reply, or null for
   * a redelivery. A failed attempt is retried later by the worker, with backoff.
   */
  async acceptAndProcess(event: NormalizedEvent): Promise<View[] | null> {
    const record = await this.accepts.submit({ event, reserve: true });
    if (!record) return null;
    try {
      return (await this.settle(record, event, { durable: true })).views; // claimed and counted as recorded
    } finally {
      this.busy.delete(record.id);
    }
  }

  /**
   * Step one, fast enough to do before acknowledging the platform: the durable, deduplicated record,
   * claimed by this instance, whose worker processes it next. Concurrent calls share a transaction.
   */
  accept(event: NormalizedEvent): Promise<InboxRecord | null> {
    return this.accepts.submit({ event, reserve: false });
  }

  /** Accepts waiting or being written: while there are any, processing should wait (they answer platforms). */
  get acceptsPending(): number {
    return this.accepts.pending;
  }

  /** Resolves when no accept is waiting or being written. */
  acceptsIdle(): Promise<void> {
    return this.accepts.idle();
  }

  private acceptBatch(arrivals: Arrival[]): Promise<(InboxRecord | null)[]> {
    const now = this.d.clock.now();
    const claim = { holder: this.d.holder, until: new Date(now.getTime() + this.d.claimMs) };
    const reserved: number[] = [];
    const records = (this.d.durableUow ?? this.d.uow).run(async (tx) => {
      const events = arrivals.map(({ event: { deliveryKey, platform, kind }, event, reserve }) => ({
        deliveryKey,
        platform,
        kind,
        payload: event as unknown as Record<string, unknown>,
        // Processed at once by the caller: its first attempt is counted (and claimed) with the row.
        attempted: reserve,
      }));
      const accepted = await this.d.inbox.acceptMany(tx, events, now, claim);
      // Reserved before the commit makes the rows visible: the worker never sees them unreserved.
      accepted.forEach((r, i) => r && arrivals[i]!.reserve && reserved.push(r.id));
      for (const id of reserved) this.busy.add(id);
      return accepted;
    });
    return records.then(
      (accepted) => {
        accepted.forEach((r, i) => this.d.metrics?.inboundEvent(arrivals[i]!.event.platform, r ? 'accepted' : 'duplicate'));
        return accepted;
      },
      (error: unknown) => {
        for (const id of reserved) this.busy.delete(id); // nothing was committed
        for (const { event } of arrivals) this.d.metrics?.inboundEvent(event.platform, 'failed');
        throw error;
      },
    );
  }

  /** A callback refused at the edge (bad signature, stale, malformed): counted, never recorded. */
  refused(platform: string): void {
    this.d.metrics?.inboundEvent(platform, 'refused');
  }

  /**
   * Takes the next unfinished events for this instance (at most `limit`, oldest first; see
   * InboxStore.claimNext) in one transaction, attempts counted; each must then go to processClaimed.
   */
  async claimNext(limit: number): Promise<InboxRecord[]> {
    const { uow, inbox, clock, holder, claimMs } = this.d;
    const now = clock.now();
    const rows = await uow.run((tx) => inbox.claimNext(tx, { holder, until: new Date(now.getTime() + claimMs), now }, limit, [...this.busy]));
    for (const row of rows) this.busy.add(row.id);
    return rows;
  }

  /** Processes a row claimNext returned (its attempt is counted): finished, released for a retry, or given up. */
  async processClaimed(row: InboxRecord): Promise<View[]> {
    try {
      return (await this.settle(row, row.payload as unknown as NormalizedEvent, {})).views;
    } finally {
      this.busy.delete(row.id);
    }
  }

  /**
   * Processes events this instance may take: accepted here and not processed yet, accepted before
   * a crash (ours or another instance's whose claims ran out), or waiting for a retry that is due.
   * Runs never overlap. Returns how many events this instance took.
   */
  resumeUnfinished(): Promise<number> {
    this.resuming ??= this.resumeBatches().finally(() => (this.resuming = null));
    return this.resuming;
  }

  /**
   * Graceful stop, after the worker has stopped: hands back the events this instance accepted and
   * did not process, for the next instance to take at once. Returns how many.
   */
  releaseUnprocessed(): Promise<number> {
    return this.d.uow.run((tx) => this.d.inbox.releaseHeld(tx, this.d.holder));
  }

  /** Stops taking over events (shutdown) and waits for the resume run and the accepts in progress. */
  async close(): Promise<void> {
    this.closing = true;
    await this.resuming?.catch(() => 0);
    await this.accepts.idle();
  }

  private async resumeBatches(): Promise<number> {
    let taken = 0;
    while (taken < RESUME_LIMIT && !this.closing) {
      const rows = await this.claimNext(Math.min(RESUME_BATCH, RESUME_LIMIT - taken));
      if (rows.length === 0) break; // nothing left, or everything left is another instance's
      for (const row of rows) {
        await this.processClaimed(row);
        taken++;
      }
    }
    return taken;
  }

  /** Processes an accepted event (one attempt); returns the views of the reply it queued. */
  async process(inboxId: number, event: NormalizedEvent): Promise<View[]> {
    return (await this.attempt(inboxId, event)).views;
  }

  /** Waits 2 s, 4 s, 8 s … (at most a minute) before attempt `attempts + 1`. */
  private retryDelay(attempts: number): number {
    return Math.max(1, Math.min((this.d.retryBaseMs ?? 2000) * 2 ** (attempts - 1), 60_000));
  }

  private async attempt(inboxId: number, event: NormalizedEvent, options: AttemptOptions = {}): Promise<Attempt> {
    if (!options.owned) {
      if (this.busy.has(inboxId)) return SKIPPED;
      this.busy.add(inboxId);
    }
    try {
      const { uow, inbox, clock, holder, claimMs } = this.d;
      const now = clock.now();
      // Claim and count the attempt in its own transaction, before any work: kept even if we die.
      const row = await uow.run((tx) => inbox.claim(tx, inboxId, { holder, until: new Date(now.getTime() + claimMs), now }));
      if (!row) return SKIPPED; // another instance holds it, it waits for a retry, or it is finished
      return await this.settle(row, event, options);
    } finally {
      if (!options.owned) this.busy.delete(inboxId);
    }
  }

  /** One attempt at a row claimed for it (attempt counted): given up after the last, else run. */
  private async settle(row: InboxRecord, event: NormalizedEvent, options: AttemptOptions): Promise<Attempt> {
    try {
      if (row.attempts > this.d.maxAttempts) {
        return await this.giveUp(row, event, row.error ?? 'the process stopped during every attempt');
      }
      const uow = options.durable ? (this.d.durableUow ?? this.d.uow) : this.d.uow;
      return await this.run(row, event, options.retryDelayMs ?? this.retryDelay(row.attempts), uow);
    } catch (error) {
      if (error instanceof ClaimLostError) {
        this.d.log.warn('inbox claim lost: another instance took the event over', { inboxId: row.id });
        return SKIPPED;
      }
      throw error;
    }
  }

  private async run(row: InboxRecord, event: NormalizedEvent, retryDelayMs: number, uow: UnitOfWork): Promise<Attempt> {
    const { workflow, log, clock, metrics } = this.d;
    const now = clock.now();
    const started = performance.now();
    let action = event.kind === 'card.action' ? `card:${event.action.type}` : 'message';
    const observe = (outcome: 'ok' | 'refused' | 'error') => metrics?.command(action, outcome, (performance.now() - started) / 1000);
    const replyKey = `reply:${row.id}`;
    let person: Person | undefined;
    const finishWith = (views: View[], error?: string) =>
      uow.run(async (tx) => {
        await this.finish(tx, row.id, 'done', now, error);
        await workflow.repos.outbox.enqueue(tx, { dedupeKey: replyKey, to: replyTo(event, person?.id ?? null), views }, now);
        return { outcome: 'finished', views } satisfies Attempt;
      });

    try {
      person = this.personOf(event);
      if (!person) {
        action = 'not_in_directory';
        const attempt = await finishWith([{ type: 'text', text: NOT_IN_DIRECTORY + event.senderIdentity }]);
        observe('refused');
        return attempt;
      }
      const actor = person;
      const attempt = await uow.run(async (tx) => {
        // Finish first: if the claim was lost nothing below runs, and the row stays locked until commit.
        await this.finish(tx, row.id, 'done', now);
        const ctx: Ctx = { tx, actor, now, platform: event.platform, attachments: [] };
        const views = await this.execute(ctx, event, (name) => (action = name));
        const attachments = ctx.attachments?.length ? { attachments: ctx.attachments } : {};
        await workflow.repos.outbox.enqueue(tx, { dedupeKey: replyKey, to: replyTo(event, actor.id), views, ...attachments }, now);
        return { outcome: 'finished', views } satisfies Attempt;
      });
      observe('ok');
      const decided = action.replace(/^card:/, '');
      if (DECISIONS.has(decided)) metrics?.decision(decided);
      return attempt;
    } catch (error) {
      if (error instanceof ClaimLostError) throw error;
      // The transaction rolled back: nothing the command did is kept. Tell the person why.
      if (isAppError(error)) {
        log.info('command refused', { inboxId: row.id, code: error.code, person: person?.id });
        const attempt = await finishWith([{ type: 'text', text: error.message }], error.code);
        observe('refused');
        return attempt;
      }
      observe('error');
      const message = String((error as Error)?.stack ?? error);
      log.error('command failed', { inboxId: row.id, person: person?.id, attempt: row.attempts, error: message });
      if (row.attempts >= this.d.maxAttempts) return await this.giveUp(row, event, String(error));
      const retryAt = new Date(clock.now().getTime() + retryDelayMs);
      const released = await uow.run((tx) => this.d.inbox.release(tx, row.id, this.d.holder, retryAt, String(error)));
      return released ? { outcome: 'retry', views: [] } : SKIPPED;
    }
  }

  /**
   * Gives an event up after its last attempt: marked dead (never processed again), the sender told
   * it went wrong, every admin told once with an urgent note.
   */
  private async giveUp(row: InboxRecord, event: NormalizedEvent, error: string): Promise<Attempt> {
    const { workflow, uow, log, clock } = this.d;
    const now = clock.now();
    const attempts = Math.min(row.attempts, this.d.maxAttempts);
    log.error('inbound event given up', { inboxId: row.id, key: row.deliveryKey, attempts, error: error.slice(0, 500) });
    this.d.metrics?.inboundEvent(row.platform, 'failed');
    const person = safely(() => this.personOf(event));
    const views: View[] = [{ type: 'text', text: FAILED }];
    await uow.run(async (tx) => {
      await this.finish(tx, row.id, 'dead', now, error);
      const to = safely(() => replyTo(event, person?.id ?? null));
      if (to) await workflow.repos.outbox.enqueue(tx, { dedupeKey: `reply:${row.id}`, to, views }, now);
      await alertAdmins(tx, workflow, `inbox-dead:${row.id}`, this.describeDead(row, event, person, attempts, error), now);
    });
    return { outcome: 'finished', views };
  }

  private describeDead(row: InboxRecord, event: NormalizedEvent, person: Person | undefined, attempts: number, error: string): string {
    const tz = this.d.workflow.policy.timezone;
    const from = person ? `${person.name}(${person.id})` : (safely(() => String(event.senderIdentity)) ?? '未知');
    const text = safely(() => (event.kind === 'message.text' ? event.text : `卡片操作 ${event.action.type} ${event.action.contractNo}`));
    const preview = text ? `\n内容：${text.replace(/\s+/g, ' ').slice(0, 100)}` : '';
    return (
      `收到的消息处理失败，已放弃（${attempts} 次尝试）：#${row.id} ${row.platform} ${row.kind}，来自 ${from}，` +
      `收到于 ${formatDateTime(row.receivedAt, tz)}${preview}\n最后错误：${error.slice(0, 300)}\n` +
      '它不会再被自动处理；发送者已被告知出错，可请其重新发送。'
    );
  }

  /** Marks the row finished if this instance still holds it; otherwise the transaction must roll back. */
  private async finish(tx: Tx, inboxId: number, status: 'done' | 'dead', now: Date, error?: string): Promise<void> {
    if (!(await this.d.inbox.finish(tx, inboxId, this.d.holder, status, now, error))) throw new ClaimLostError(inboxId);
  }

  private personOf(event: NormalizedEvent): Person | undefined {
    const directory = this.d.workflow.directory;
    return (
      directory.findByIdentity(event.senderIdentity) ??
      (event.platform === 'console' ? directory.get(event.senderIdentity.replace(/^console:/, '')) : undefined)
    );
  }

  /**
   * Runs the event's command or button. `named` learns what a text asked for (the command's name or
   * `unparsed`: a bounded set, a metric label) before it runs.
   */
  private execute(ctx: Ctx, event: NormalizedEvent, named: (action: string) => void): Promise<View[]> {
    const deps = this.d.workflow;
    if (event.kind === 'card.action') return executeCardAction(deps, ctx, event.action, event.extra);
    const outcome = parseCommand(event.text, { now: ctx.now, timezone: deps.policy.timezone });
    named(outcome.ok ? outcome.command.name : 'unparsed');
    if (!outcome.ok) return Promise.resolve(replyToUnparsed(outcome));
    return executeCommand(deps, ctx, outcome.command);
  }
}

/** For describing an event whose payload may be malformed: undefined instead of a throw. */
function safely<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
