// What every transport turns its inbound traffic into. Handlers never see platform payloads.

import { createHash } from 'node:crypto';
import { cleanMultiline } from '../handlers/domain/text';
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

/**
 * Most characters of message text an event carries into the inbox: well past the parser's whole-message
 * limit (so an over-long command is still refused as too long), and small enough that the stored event
 * fits every database's payload column (MySQL TEXT holds 64 KB) even when it is all CJK or quotes.
 */
export const MAX_EVENT_TEXT = 8000;

/**
 * Message text as it enters the inbox: cut to MAX_EVENT_TEXT, then cleaned (no control, invisible or
 * lone-surrogate characters, which JSON would store as six bytes each), then cut again (NFKC can expand).
 */
export const boundedText = (text: string): string => cleanMultiline(text.slice(0, MAX_EVENT_TEXT)).slice(0, MAX_EVENT_TEXT);

/** The inbox's delivery_key column holds 200 characters: a longer platform id is kept as its hash. */
export const boundedKey = (key: string): string =>
  key.length <= 200 ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
