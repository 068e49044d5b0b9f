// envelope → inbox (dedupe, claim) → handler by kind → error boundary → replies in the outbox.
// The use-case, its notifications, the reply and "inbox row done" commit in one transaction, so an
// event is processed exactly once even if the process stops halfway (unfinished rows are resumed).
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
import type { Logger } from './logger';

export interface DispatchDeps {
  workflow: Deps;
  uow: UnitOfWork;
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

export class Dispatcher {
  /** Rows this instance is working on now: one attempt at a time per row, even within the instance. */
  private readonly inFlight = new Set<number>();
  private resuming: Promise<number> | null = null;
  private closing = false;

  constructor(private readonly d: DispatchDeps) {}

  /**
   * Accepts an event (false if it was seen before), then processes it. A failed attempt is tried
   * again at once, up to the attempt limit: this is the path of callers that wait for the reply.
   */
  async handle(event: NormalizedEvent): Promise<DispatchResult> {
    const record = await this.accept(event);
    if (!record) return 'duplicate';
    for (let i = 0; i < this.d.maxAttempts; i++) {
      if ((await this.attempt(record.id, event, 0)).outcome !== 'retry') break;
    }
    return 'processed';
  }

  /**
   * Step one, fast enough to do before acknowledging the platform: the durable, deduplicated record,
   * claimed by this instance, which processes it next.
   */
  accept(event: NormalizedEvent): Promise<InboxRecord | null> {
    const { kind, platform, deliveryKey } = event;
    const now = this.d.clock.now();
    const claim = { holder: this.d.holder, until: new Date(now.getTime() + this.d.claimMs) };
    return this.d.uow.run((tx) =>
      this.d.inbox.accept(tx, { deliveryKey, platform, kind, payload: event as unknown as Record<string, unknown> }, now, claim),
    );
  }

  /**
   * Takes over and processes events nobody holds: accepted before a crash (ours or another
   * instance's whose claims ran out), or waiting for a retry that is due. Runs never overlap.
   * Returns how many events this instance took.
   */
  resumeUnfinished(): Promise<number> {
    this.resuming ??= this.resumeBatches().finally(() => (this.resuming = null));
    return this.resuming;
  }

  /** Stops taking over events (shutdown) and waits for the resume run in progress to end. */
  async close(): Promise<void> {
    this.closing = true;
    await this.resuming?.catch(() => 0);
  }

  private async resumeBatches(): Promise<number> {
    let taken = 0;
    while (taken < RESUME_LIMIT && !this.closing) {
      const rows = await this.d.uow.run((tx) => this.d.inbox.listClaimable(tx, this.d.clock.now(), RESUME_BATCH));
      let progressed = false;
      for (const row of rows) {
        if (this.closing) return taken;
        const attempt = await this.attempt(row.id, row.payload as unknown as NormalizedEvent);
        if (attempt.outcome !== 'skipped') {
          taken++;
          progressed = true;
        }
      }
      if (!progressed) break; // nothing left, or everything left is another instance's
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

  private async attempt(inboxId: number, event: NormalizedEvent, retryDelayMs?: number): Promise<Attempt> {
    if (this.inFlight.has(inboxId)) return SKIPPED;
    this.inFlight.add(inboxId);
    try {
      const { uow, inbox, clock, holder, claimMs, maxAttempts } = this.d;
      const now = clock.now();
      // Claim and count the attempt in its own transaction, before any work: durable even if we die.
      const row = await uow.run((tx) => inbox.claim(tx, inboxId, { holder, until: new Date(now.getTime() + claimMs), now }));
      if (!row) return SKIPPED; // another instance holds it, it waits for a retry, or it is finished
      if (row.attempts > maxAttempts) {
        return await this.giveUp(row, event, row.error ?? 'the process stopped during every attempt');
      }
      return await this.run(row, event, retryDelayMs ?? this.retryDelay(row.attempts));
    } catch (error) {
      if (error instanceof ClaimLostError) {
        this.d.log.warn('inbox claim lost: another instance took the event over', { inboxId });
        return SKIPPED;
      }
      throw error;
    } finally {
      this.inFlight.delete(inboxId);
    }
  }

  private async run(row: InboxRecord, event: NormalizedEvent, retryDelayMs: number): Promise<Attempt> {
    const { workflow, uow, log, clock } = this.d;
    const now = clock.now();
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
      if (!person) return await finishWith([{ type: 'text', text: NOT_IN_DIRECTORY + event.senderIdentity }]);
      const actor = person;
      return await uow.run(async (tx) => {
        // Finish first: if the claim was lost nothing below runs, and the row stays locked until commit.
        await this.finish(tx, row.id, 'done', now);
        const ctx: Ctx = { tx, actor, now, platform: event.platform };
        const views = await this.execute(ctx, event);
        await workflow.repos.outbox.enqueue(tx, { dedupeKey: replyKey, to: replyTo(event, actor.id), views }, now);
        return { outcome: 'finished', views } satisfies Attempt;
      });
    } catch (error) {
      if (error instanceof ClaimLostError) throw error;
      // The transaction rolled back: nothing the command did is kept. Tell the person why.
      if (isAppError(error)) {
        log.info('command refused', { inboxId: row.id, code: error.code, person: person?.id });
        return await finishWith([{ type: 'text', text: error.message }], error.code);
      }
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

  private execute(ctx: Ctx, event: NormalizedEvent): Promise<View[]> {
    const deps = this.d.workflow;
    if (event.kind === 'card.action') return executeCardAction(deps, ctx, event.action, event.extra);
    const outcome = parseCommand(event.text, { now: ctx.now, timezone: deps.policy.timezone });
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
