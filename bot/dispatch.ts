// envelope → inbox (dedupe) → handler by kind → error boundary → replies in the outbox.
// The use-case, its notifications, the reply and "inbox row done" commit in one transaction, so an
// event is processed exactly once even if the process stops halfway (unfinished rows are resumed).

import { parseCommand } from '../handlers/commands/parse';
import type { Ctx, Deps } from '../handlers/context';
import { isAppError } from '../handlers/domain/errors';
import { executeCardAction, executeCommand, replyToUnparsed } from '../handlers/execute';
import type { Clock, InboxRecord, InboxStore, Recipient, UnitOfWork, View } from '../handlers/ports';
import type { NormalizedEvent } from './events';
import type { Logger } from './logger';

export interface DispatchDeps {
  workflow: Deps;
  uow: UnitOfWork;
  inbox: InboxStore;
  clock: Clock;
  log: Logger;
}

export type DispatchResult = 'processed' | 'duplicate';

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

export class Dispatcher {
  constructor(private readonly d: DispatchDeps) {}

  /** Accepts an event (false if it was seen before), then processes it. */
  async handle(event: NormalizedEvent): Promise<DispatchResult> {
    const record = await this.accept(event);
    if (!record) return 'duplicate';
    await this.process(record.id, event);
    return 'processed';
  }

  /** Step one, fast enough to do before acknowledging the platform: the durable, deduplicated record. */
  accept(event: NormalizedEvent): Promise<InboxRecord | null> {
    const { kind, platform, deliveryKey } = event;
    return this.d.uow.run((tx) =>
      this.d.inbox.accept(tx, { deliveryKey, platform, kind, payload: event as unknown as Record<string, unknown> }, this.d.clock.now()),
    );
  }

  /** Processes events accepted before a crash. */
  async resumeUnfinished(): Promise<number> {
    const rows = await this.d.uow.run((tx) => this.d.inbox.listUnfinished(tx));
    for (const row of rows) await this.process(row.id, row.payload as unknown as NormalizedEvent);
    return rows.length;
  }

  /** Processes an accepted event; returns the views of the reply it queued. */
  async process(inboxId: number, event: NormalizedEvent): Promise<View[]> {
    const { workflow, uow, inbox, clock, log } = this.d;
    const now = clock.now();
    const person = workflow.directory.findByIdentity(event.senderIdentity) ??
      (event.platform === 'console' ? workflow.directory.get(event.senderIdentity.replace(/^console:/, '')) : undefined);
    const replyKey = `reply:${inboxId}`;

    const finishWith = (views: View[], status: 'done' | 'failed', error?: string) =>
      uow.run(async (tx) => {
        await workflow.repos.outbox.enqueue(tx, { dedupeKey: replyKey, to: replyTo(event, person?.id ?? null), views }, now);
        await inbox.finish(tx, inboxId, status, now, error);
        return views;
      });

    if (!person) return finishWith([{ type: 'text', text: NOT_IN_DIRECTORY + event.senderIdentity }], 'done');
    try {
      return await uow.run(async (tx) => {
        const ctx: Ctx = { tx, actor: person, now, platform: event.platform };
        const views = await this.run(ctx, event);
        await workflow.repos.outbox.enqueue(tx, { dedupeKey: replyKey, to: replyTo(event, person.id), views }, now);
        await inbox.finish(tx, inboxId, 'done', now);
        return views;
      });
    } catch (error) {
      // The transaction rolled back: nothing the command did is kept. Tell the person why.
      if (isAppError(error)) {
        log.info('command refused', { inboxId, code: error.code, person: person.id });
        return finishWith([{ type: 'text', text: error.message }], 'done', error.code);
      }
      log.error('command failed', { inboxId, person: person.id, error: String((error as Error)?.stack ?? error) });
      return finishWith([{ type: 'text', text: '处理时出错了，已记录，请稍后再试或联系管理员。' }], 'failed', String(error));
    }
  }

  private run(ctx: Ctx, event: NormalizedEvent): Promise<View[]> {
    const deps = this.d.workflow;
    if (event.kind === 'card.action') return executeCardAction(deps, ctx, event.action, event.extra);
    const outcome = parseCommand(event.text, { now: ctx.now, timezone: deps.policy.timezone });
    if (!outcome.ok) return Promise.resolve(replyToUnparsed(outcome));
    return executeCommand(deps, ctx, outcome.command);
  }
}
