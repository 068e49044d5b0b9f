// Delivers outbox messages to the web console: each becomes an entry of a feed (a person's chat with
// the bot, or a group channel) that the page polls. The entry carries what DingTalk and WeCom would
// show, produced by the real renderers (cards/), so the page draws each platform's look from the very
// bodies the platforms would receive. Entries live in memory: the outbox in the database is the record.

import { cardParamMap, robotMarkdown as dingtalkRobotMarkdown } from '../../cards/dingtalk/card';
import type { CardView, View } from '../../cards/model';
import { decidedButtonLabel, robotMarkdown as wecomRobotMarkdown, taskIdFor, templateCard, wecomMessages, type WecomMessageBody } from '../../cards/wecom/message';
import type { OutboxRecord } from '../../handlers/ports';
import type { PlatformNotifier } from '../notifier-router';

/** What the page draws for one platform. Markdown is the platform's markdown, user text already escaped. */
export type ConsoleBlock =
  | { kind: 'text'; text: string }
  | { kind: 'markdown'; text: string }
  | { kind: 'dingtalk-card'; params: Record<string, string> }
  /** `decided`: the label WeCom shows instead of the buttons once the card is final (an update). */
  | { kind: 'wecom-card'; card: Record<string, unknown>; decided?: string };

export interface FeedEntry {
  seq: number;
  /** `person:<id>` (the person's chat with the bot) or `channel:<name>`. */
  feed: string;
  /** Simulated time of delivery. */
  at: string;
  /** `bot` for what the bot sent, `user` for what the person typed or clicked in the console. */
  from: 'bot' | 'user';
  /** For a user entry: what was typed or clicked. */
  text?: string;
  /** The card this entry replaces (an in-place card update) instead of being a new message. */
  updatesCard?: string;
  /** Cards in this entry that later updates may replace. */
  cardKeys?: string[];
  dingtalk?: ConsoleBlock[];
  wecom?: ConsoleBlock[];
}

const MAX_ENTRIES = 5000;

const interactive = (v: View): v is { type: 'card'; card: CardView } => v.type === 'card' && v.card.buttons.length > 0 && !v.card.status;

/** Views → blocks as a DingTalk person sees them (interactive cards from the approval template). */
export function dingtalkBlocks(views: View[]): ConsoleBlock[] {
  const rest = views.filter((v) => !interactive(v));
  return [
    ...(rest.length ? [{ kind: 'markdown', text: dingtalkRobotMarkdown(rest).text } as const] : []),
    ...views.filter(interactive).map((v): ConsoleBlock => ({ kind: 'dingtalk-card', params: cardParamMap(v.card) })),
  ];
}

/** A card updated in place: DingTalk refills the template; WeCom replaces the buttons by a label. */
export function updateBlocks(views: View[], unique: number): Pick<FeedEntry, 'dingtalk' | 'wecom'> {
  const card = views.find((v): v is { type: 'card'; card: CardView } => v.type === 'card')?.card;
  if (!card) return { dingtalk: [], wecom: [] };
  return {
    dingtalk: [{ kind: 'dingtalk-card', params: cardParamMap(card) }],
    wecom: [{ kind: 'wecom-card', card: templateCard(card, taskIdFor(card.cardKey ?? 'card', unique)), decided: decidedButtonLabel(views) }],
  };
}

/** Views → blocks as a WeCom person sees them (template cards, markdown, text messages). */
export function wecomBlocks(views: View[], unique: number): ConsoleBlock[] {
  return wecomMessages(views, (card, i) => taskIdFor(card.cardKey ?? 'card', `${unique}-${i}`)).map((m: WecomMessageBody): ConsoleBlock => {
    if (m.msgtype === 'text') return { kind: 'text', text: m.text.content };
    if (m.msgtype === 'markdown') return { kind: 'markdown', text: m.markdown.content };
    if (m.msgtype === 'template_card') return { kind: 'wecom-card', card: m.template_card };
    return { kind: 'text', text: m.msgtype === 'image' ? '[图片]' : '[文件]' };
  });
}

export class WebConsoleNotifier implements PlatformNotifier {
  private entries: FeedEntry[] = [];
  private seq = 0;

  constructor(private readonly clock: { now(): Date }) {}

  /** The console shows every person and channel, and answers its own chats. */
  canReach(message: OutboxRecord): boolean {
    return message.to.kind !== 'conversation' || message.to.platform === 'console';
  }

  async deliver(message: OutboxRecord): Promise<void> {
    const to = message.to;
    const feed = to.kind === 'channel' ? `channel:${to.channel}` : to.kind === 'person' ? `person:${to.personId}` : `person:${to.personId ?? to.conversationId}`;
    const views = message.views;
    const cardKeys = views.flatMap((v) => (v.type === 'card' && v.card.cardKey ? [v.card.cardKey] : []));
    const looks = message.updatesCard
      ? updateBlocks(views, message.id)
      : to.kind === 'channel'
        ? // group robots post markdown on both platforms
          { dingtalk: [{ kind: 'markdown', text: dingtalkRobotMarkdown(views).text }], wecom: [{ kind: 'markdown', text: wecomRobotMarkdown(views) }] }
        : { dingtalk: dingtalkBlocks(views), wecom: wecomBlocks(views, message.id) };
    this.push({
      feed,
      from: 'bot',
      // when the bot sent it (its outbox time), not when the console got it
      at: message.createdAt.toISOString(),
      ...(message.updatesCard ? { updatesCard: message.updatesCard } : {}),
      ...(cardKeys.length ? { cardKeys } : {}),
      ...(looks as Pick<FeedEntry, 'dingtalk' | 'wecom'>),
    });
  }

  /** Records what a person typed or clicked, so the chat shows both sides. */
  said(personId: string, text: string): void {
    this.push({ feed: `person:${personId}`, from: 'user', text });
  }

  /** Entries after `seq`, oldest first. */
  since(seq: number): FeedEntry[] {
    return this.entries.filter((e) => e.seq > seq);
  }

  private push(entry: Omit<FeedEntry, 'seq' | 'at'> & { at?: string }): void {
    this.entries.push({ seq: ++this.seq, at: this.clock.now().toISOString(), ...entry });
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }
}
