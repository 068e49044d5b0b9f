// DingTalk payloads → NormalizedEvent. Pure. Shapes: platforms.md §A2.1 (robot) and §A3.5 (card).

import { z } from 'zod';
import { parseCardActionKey } from '../../cards/action-key';
import { boundedKey, boundedText, type NormalizedEvent } from '../events';
import { trustedSessionWebhook } from './session-webhook';

export const robotMessageSchema = z.object({
  msgId: z.string().min(1),
  msgtype: z.string(),
  text: z.object({ content: z.string() }).optional(),
  conversationId: z.string().min(1),
  conversationType: z.string(),
  senderStaffId: z.string().min(1),
  sessionWebhook: z.string().optional(),
  sessionWebhookExpiredTime: z.number().optional(),
});

const cardCallbackSchema = z.object({
  outTrackId: z.string(),
  userId: z.string().min(1),
  content: z.string().optional(),
  value: z.string().optional(),
});

/**
 * A robot message; null for payloads that are not text (pictures, files …) or do not parse. A
 * sessionWebhook that is not DingTalk's reply endpoint on `oapiBase` is dropped here, so it is never
 * stored; the reply then goes through the robot API.
 */
export function normalizeRobotMessage(payload: unknown, oapiBase: string): NormalizedEvent | null {
  const parsed = robotMessageSchema.safeParse(payload);
  if (!parsed.success || parsed.data.msgtype !== 'text' || !parsed.data.text) return null;
  const m = parsed.data;
  const webhook = m.sessionWebhook && m.sessionWebhookExpiredTime ? trustedSessionWebhook(m.sessionWebhook, oapiBase) : null;
  return {
    kind: 'message.text',
    platform: 'dingtalk',
    deliveryKey: boundedKey(`dingtalk:msg:${m.msgId}`),
    senderIdentity: `dingtalk:${m.senderStaffId}`,
    conversation: { id: m.conversationId, type: m.conversationType === '2' ? 'group' : 'direct' },
    // In groups the @mention is stripped but leaves a leading space.
    text: boundedText(m.text!.content).trim(),
    ...(webhook ? { replyWebhook: { url: webhook, expiresAt: m.sessionWebhookExpiredTime! } } : {}),
  };
}

/** A card button click: the clicker is the callback's userId; the action comes from params.key. */
export function normalizeCardCallback(payload: unknown, messageId: string): NormalizedEvent | null {
  const parsed = cardCallbackSchema.safeParse(payload);
  if (!parsed.success) return null;
  const key = paramsKey(parsed.data.content) ?? paramsKey(parsed.data.value);
  const action = key ? parseCardActionKey(key) : null;
  if (!action) return null;
  return {
    kind: 'card.action',
    platform: 'dingtalk',
    deliveryKey: boundedKey(`dingtalk:card:${messageId}`),
    senderIdentity: `dingtalk:${parsed.data.userId}`,
    conversation: { id: parsed.data.userId, type: 'direct' },
    action,
  };
}

function paramsKey(json: string | undefined): string | undefined {
  if (!json) return undefined;
  try {
    const key = (JSON.parse(json) as { cardPrivateData?: { params?: { key?: unknown } } }).cardPrivateData?.params?.key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}
