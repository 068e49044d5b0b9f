// Delivers outbox messages through WeCom: app messages to members (text, markdown, template cards),
// in-place updates of cards already sent, and group robot alerts.

import { decidedButtonLabel, robotMarkdown, taskIdFor, wecomMessages, type WecomMessageBody } from '../../cards/wecom/message';
import type { Directory } from '../../handlers/domain/directory';
import { recipientKey, type Attachment, type CardDeliveryStore, type Clock, type Notifier, type OutboxRecord, type RateTarget, type UnitOfWork } from '../../handlers/ports';
import { DeliveryError } from '../delivery-error';
import type { Logger } from '../logger';
import { SlidingWindowLimiter } from '../rate-limit';
import { isConfigError, isTaskIdTaken, type WecomApi } from './api';
import { sendRobotFile, sendRobotImage, sendRobotMarkdown } from './robot-webhook';
import { attachmentFile, CHART_SKIPPED } from '../charts/attachments';

export interface WecomNotifierDeps {
  api: WecomApi;
  directory: Directory;
  /** Channel name → group robot webhook URL. */
  webhooks: Record<string, string | undefined>;
  uow: UnitOfWork;
  cards: CardDeliveryStore;
  clock: Clock;
  log: Logger;
}

export class WecomNotifier implements Notifier {
  readonly platform = 'wecom';
  /** WeCom accepts 30 app messages per minute per member; beyond that they are dropped, so wait. */
  private readonly perMember: SlidingWindowLimiter;
  private readonly perRobot: SlidingWindowLimiter;

  constructor(private readonly d: WecomNotifierDeps) {
    this.perMember = new SlidingWindowLimiter(30, 60_000, d.clock);
    this.perRobot = new SlidingWindowLimiter(20, 60_000, d.clock);
  }

  canReach(message: OutboxRecord): boolean {
    const to = message.to;
    if (to.kind === 'conversation') return to.platform === 'wecom';
    if (to.kind === 'channel') return !!this.d.webhooks[to.channel];
    return !!this.userIdOf(to.personId);
  }

  /**
   * WeCom limits app messages per member (30 a minute), whether they notify the person or answer in
   * the member's chat with the bot: both count against the member. Robots: 20 a minute each.
   * Card updates are a different call and count against nothing.
   */
  rateTarget(message: OutboxRecord): RateTarget | null {
    const to = message.to;
    if (message.updatesCard) return null;
    if (to.kind === 'channel') return { key: `wecom:robot:${to.channel}`, limit: 'channel', recipientKeys: [recipientKey(to)] };
    const userId = to.kind === 'conversation' ? to.conversationId : this.userIdOf(to.personId);
    const personId = to.personId;
    if (!userId) return null; // undeliverable: it fails at once
    const chat = recipientKey({ kind: 'conversation', platform: 'wecom', conversationId: userId, personId });
    return { key: `wecom:member:${userId}`, limit: 'person', recipientKeys: personId ? [chat, recipientKey({ kind: 'person', personId })] : [chat] };
  }

  private userIdOf(personId: string): string | undefined {
    return this.d.directory.platformIdOf(personId, 'wecom');
  }

  async deliver(message: OutboxRecord): Promise<void> {
    try {
      await this.deliverOnce(message);
    } catch (error) {
      if (isConfigError(error)) {
        this.d.log.error('WeCom rejects the configuration: check WECOM_CORP_ID, WECOM_SECRET, WECOM_AGENT_ID and the trusted IPs', {
          error: (error as Error).message,
        });
      }
      throw error;
    }
  }

  private async deliverOnce(message: OutboxRecord): Promise<void> {
    const to = message.to;
    if (to.kind === 'channel') {
      const url = this.d.webhooks[to.channel];
      if (!url) throw new DeliveryError(`channel ${to.channel} has no wecom_webhook`, { permanent: true });
      if (message.views.length) await sendRobotMarkdown(url, robotMarkdown(message.views), this.perRobot, this.d.clock);
      for (const a of message.attachments ?? []) {
        const file = attachmentFile(a);
        if (!file) await sendRobotMarkdown(url, CHART_SKIPPED, this.perRobot, this.d.clock);
        else if (a.kind === 'chart') await sendRobotImage(url, file.bytes, this.perRobot, this.d.clock);
        else await sendRobotFile(url, file, this.perRobot, this.d.clock);
      }
      return;
    }
    const userId = to.kind === 'conversation' ? to.conversationId : this.userIdOf(to.personId);
    if (!userId) throw new DeliveryError(`no WeCom identity for ${to.kind === 'person' ? to.personId : '?'}`, { permanent: true });
    if (message.updatesCard) {
      await this.updateCards(message.updatesCard, userId, message);
      return;
    }
    // Attachments are uploaded before anything is sent: a failed upload then repeats no message.
    const media = await this.uploadAttachments(message.attachments ?? []);
    const freeAt = this.perMember.take(userId);
    if (freeAt) throw new DeliveryError(`WeCom: 30 messages per minute to ${userId} reached`, { deferUntil: freeAt });
    for (const [i, body] of wecomMessages(message.views, (card, index) => taskIdFor(card.cardKey ?? 'card', `${message.id}-${index}`)).entries()) {
      const sent = await this.d.api.send(userId, body).catch((error: unknown) => {
        if (body.msgtype !== 'template_card' || !isTaskIdTaken(error)) throw error;
        this.d.log.info('wecom card sent before, not again', { id: message.id, key: message.dedupeKey });
        return null; // its handle was not recorded: this copy cannot be updated in place
      });
      if (!sent) continue;
      const { responseCode } = sent;
      const cardKey = body.msgtype === 'template_card' ? cardKeyOf(message, i) : undefined;
      if (cardKey && responseCode) {
        await this.d.uow.run((tx) =>
          this.d.cards.record(tx, { platform: 'wecom', cardKey, recipient: userId, handle: responseCode, sentAt: this.d.clock.now() }),
        );
      }
    }
    for (const body of media) await this.d.api.send(userId, body);
  }

  /** Charts become image messages and files file messages, each uploaded with media/upload. */
  private async uploadAttachments(attachments: Attachment[]): Promise<WecomMessageBody[]> {
    const bodies: WecomMessageBody[] = [];
    for (const a of attachments) {
      const file = attachmentFile(a);
      if (!file) {
        bodies.push({ msgtype: 'text', text: { content: CHART_SKIPPED } });
        continue;
      }
      const type = a.kind === 'chart' ? 'image' : 'file';
      const mediaId = await this.d.api.uploadMedia(type, file.fileName, file.contentType, file.bytes);
      bodies.push(type === 'image' ? { msgtype: 'image', image: { media_id: mediaId } } : { msgtype: 'file', file: { media_id: mediaId } });
    }
    return bodies;
  }

  /** Every copy of the card this member holds is greyed out with the final status on its button. */
  private async updateCards(cardKey: string, userId: string, message: OutboxRecord): Promise<void> {
    const label = decidedButtonLabel(message.views); // the button shows "已同意"; the card history has the rest
    const held = await this.d.uow.run((tx) => this.d.cards.listUnused(tx, 'wecom', cardKey, userId));
    for (const card of held) {
      await this.d.api.updateCardButton(card.handle, [userId], label);
      await this.d.uow.run((tx) => this.d.cards.markUsed(tx, card.id, this.d.clock.now()));
    }
    if (held.length === 0) this.d.log.info('no WeCom card to update', { cardKey, userId });
  }
}

/** The cardKey of the `index`-th WeCom message body, which maps to the same view index here. */
function cardKeyOf(message: OutboxRecord, index: number): string | undefined {
  const view = message.views[index];
  return view?.type === 'card' ? view.card.cardKey : undefined;
}
