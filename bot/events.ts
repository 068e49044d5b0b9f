// What every transport turns its inbound traffic into. Handlers never see platform payloads.

import type { CardAction } from '../handlers/ports';

interface EventBase {
  platform: 'dingtalk' | 'wecom' | 'console';
  /** Unique per delivery of this event: a redelivery carries the same key. */
  deliveryKey: string;
  /** `<platform>:<user id>`, looked up in the directory; `console:<person id>` for the console. */
  senderIdentity: string;
  conversation: { id: string; type: 'direct' | 'group' };
  /** Where a reply can be posted directly while it is valid (DingTalk's sessionWebhook). */
  replyWebhook?: { url: string; expiresAt: number };
}

export interface TextMessageEvent extends EventBase {
  kind: 'message.text';
  text: string;
}

export interface CardActionEvent extends EventBase {
  kind: 'card.action';
  action: CardAction;
  /** Free text the platform collected with the click (a reject reason, a transfer target). */
  extra?: string;
}

export type NormalizedEvent = TextMessageEvent | CardActionEvent;
