// Delivers outbox messages through DingTalk: replies through the message's sessionWebhook while it
// is valid, otherwise robot OTO or group messages; approval cards as interactive cards (or markdown
// with commands when no card template is configured); card updates; signed group robot alerts.

import { cardParamMap, robotMarkdown } from '../../cards/dingtalk/card';
import type { CardView } from '../../cards/model';
import type { Directory } from '../../handlers/domain/directory';
import { recipientKey, type CardDeliveryStore, type Clock, type OutboxRecord, type RateTarget, type UnitOfWork, type View } from '../../handlers/ports';
import { CHART_SKIPPED } from '../charts/attachments';
import { chartRenderer } from '../charts/lazy';
import { DeliveryError } from '../delivery-error';
import { downloadUrl, type DownloadLinkSettings } from '../download-links';
import type { Logger } from '../logger';
import type { PlatformNotifier } from '../notifier-router';
import { SlidingWindowLimiter } from '../rate-limit';
import { SessionExpired, type DingtalkApi } from './api';
import { sendRobotWebhook } from './robot-webhook';
import { trustedSessionWebhook } from './session-webhook';

export interface DingtalkNotifierDeps {
  api: DingtalkApi;
  directory: Directory;
  /** Interactive card template id; without it cards go out as markdown with commands. */
  cardTemplateId?: string;
  /** Session webhooks are only trusted on this base's host (they arrive in inbound payloads). */
  oapiBase: string;
  callbackType: 'STREAM' | 'HTTP';
  robots: Record<string, { webhook: string; secret?: string } | undefined>;
  uow: UnitOfWork;
  cards: CardDeliveryStore;
  clock: Clock;
  log: Logger;
  /** Signed download links for charts and files (DingTalk messages carry a URL, not the bytes). */
  links?: DownloadLinkSettings | null;
}

const interactive = (v: View): v is { type: 'card'; card: CardView } => v.type === 'card' && v.card.buttons.length > 0 && !v.card.status;

export class DingtalkNotifier implements PlatformNotifier {
  readonly platform = 'dingtalk';
  private readonly perRobot: SlidingWindowLimiter;

  constructor(private readonly d: DingtalkNotifierDeps) {
    this.perRobot = new SlidingWindowLimiter(20, 60_000, d.clock);
  }

  canReach(message: OutboxRecord): boolean {
    const to = message.to;
    if (to.kind === 'conversation') return to.platform === 'dingtalk';
    if (to.kind === 'channel') return !!this.d.robots[to.channel];
    return !!this.staffIdOf(to.personId);
  }

  /**
   * Group robots take 20 messages a minute; notifications to a person count against the person
   * limit. Replies in a chat (through its sessionWebhook while it lives; the robot API after that,
   * as before) and card updates count against nothing.
   */
  rateTarget(message: OutboxRecord): RateTarget | null {
    const to = message.to;
    if (message.updatesCard || to.kind === 'conversation') return null;
    if (to.kind === 'channel') return { key: `dingtalk:robot:${to.channel}`, limit: 'channel', recipientKeys: [recipientKey(to)] };
    return { key: recipientKey(to), limit: 'person', recipientKeys: [recipientKey(to)] };
  }

  private staffIdOf(personId: string | null): string | undefined {
    return this.d.directory.platformIdOf(personId, 'dingtalk');
  }

  async deliver(message: OutboxRecord): Promise<void> {
    const to = message.to;
    if (to.kind === 'channel') {
      const robot = this.d.robots[to.channel];
      if (!robot) throw new DeliveryError(`channel ${to.channel} has no dingtalk_webhook`, { permanent: true });
      await sendRobotWebhook(robot, { msgtype: 'markdown', markdown: this.withAttachments(robotMarkdown(message.views), message) }, this.perRobot, this.d.clock);
      return;
    }
    const staffId = this.staffIdOf(to.personId);
    if (message.updatesCard) {
      if (staffId) await this.updateCards(message.updatesCard, staffId, message.views);
      return;
    }
    const cards = message.views.filter(interactive);
    const rest = message.views.filter((v) => !interactive(v) || !this.d.cardTemplateId);
    if (rest.length || message.attachments?.length) await this.sendMarkdown(message, staffId, rest);
    if (!this.d.cardTemplateId) return;
    if (!staffId) throw new DeliveryError('no DingTalk staffId to deliver a card to', { permanent: true });
    for (const [i, v] of cards.entries()) {
      const outTrackId = `${(v.card.cardKey ?? 'card').replace(/[^A-Za-z0-9_-]/g, '-')}-${message.id}-${i}`;
      await this.d.api.deliverCard({ templateId: this.d.cardTemplateId, outTrackId, staffId, params: cardParamMap(v.card), callbackType: this.d.callbackType });
      if (v.card.cardKey) {
        await this.d.uow.run((tx) => this.d.cards.record(tx, { platform: 'dingtalk', cardKey: v.card.cardKey!, recipient: staffId, handle: outTrackId, sentAt: this.d.clock.now() }));
      }
    }
  }

  /** A reply goes through the chat's sessionWebhook while it lives; then through the robot API. */
  private async sendMarkdown(message: OutboxRecord, staffId: string | undefined, views: View[]): Promise<void> {
    const md = this.withAttachments(robotMarkdown(views), message);
    const to = message.to;
    const webhook = to.kind === 'conversation' ? to.replyWebhook : undefined;
    // Checked again here: rows stored before normalize checked them, or by an older version.
    const url = webhook ? trustedSessionWebhook(webhook.url, this.d.oapiBase) : null;
    if (webhook && !url) this.d.log.warn('DingTalk session webhook not on DINGTALK_OAPI_BASE; using the robot API', { id: message.id });
    if (webhook && url && webhook.expiresAt > this.d.clock.now().getTime() + 60_000) {
      try {
        const at = to.kind === 'conversation' && to.conversationType === 'group' && staffId ? { at: { atUserIds: [staffId] } } : {};
        await this.d.api.replyBySession(url, { msgtype: 'markdown', markdown: md, ...at });
        return;
      } catch (error) {
        if (!(error instanceof SessionExpired)) throw error;
        this.d.log.info('DingTalk session webhook expired; using the robot API', { id: message.id });
      }
    }
    if (to.kind === 'conversation' && to.conversationType === 'group') {
      await this.d.api.sendToGroup(to.conversationId, 'sampleMarkdown', md);
      return;
    }
    if (!staffId) throw new DeliveryError('no DingTalk staffId for this recipient', { permanent: true });
    await this.d.api.sendToUsers([staffId], 'sampleMarkdown', md);
  }

  /**
   * Charts as markdown images and files as links, both signed download links served by this bot;
   * without PUBLIC_URL and DOWNLOAD_LINK_SECRET (or a font for a chart) a line says what was left out.
   */
  private withAttachments(md: { title: string; text: string }, message: OutboxRecord): { title: string; text: string } {
    const links = this.d.links;
    const lines = (message.attachments ?? []).map((a, i) => {
      if (!links) return `（${a.fileName} 未发送：未配置下载链接 PUBLIC_URL / DOWNLOAD_LINK_SECRET）`;
      if (a.kind === 'chart' && !chartRenderer().ensureChartFont()) return CHART_SKIPPED;
      const { url } = downloadUrl(links, message.id, i, this.d.clock.now());
      const valid = `（链接 ${Math.round(links.ttlMs / 3_600_000) || 1} 小时内有效）`;
      return a.kind === 'chart' ? `![${a.chart.title}](${url})` : `[下载 ${a.fileName}](${url})${valid}`;
    });
    return lines.length ? { ...md, text: [md.text, ...lines].filter(Boolean).join('\n\n') } : md;
  }

  private async updateCards(cardKey: string, staffId: string, views: View[]): Promise<void> {
    const card = views.find((v): v is { type: 'card'; card: CardView } => v.type === 'card')?.card;
    if (!card) return;
    const held = await this.d.uow.run((tx) => this.d.cards.listUnused(tx, 'dingtalk', cardKey, staffId));
    for (const h of held) {
      await this.d.api.updateCard(h.handle, cardParamMap(card));
      await this.d.uow.run((tx) => this.d.cards.markUsed(tx, h.id, this.d.clock.now()));
    }
    // Without a card template there is nothing to update: the holders were told in the chat already.
  }
}
