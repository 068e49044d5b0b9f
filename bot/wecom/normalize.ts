// Decrypted WeCom XML → NormalizedEvent. Pure.

import { createHash } from 'node:crypto';
import { parseCardActionKey } from '../../cards/action-key';
import { boundedKey, boundedText, type NormalizedEvent } from '../events';
import { field } from './xml';

/**
 * Text messages are keyed by MsgId (kept as a string). Events have no MsgId, and one approver's
 * quick clicks on several cards share sender and second, so an event is keyed by a hash of its
 * whole decrypted XML (which includes TaskId, EventKey and ResponseCode).
 */
export function normalizeWecom(xml: Record<string, unknown>, decrypted: string): NormalizedEvent | null {
  const from = field(xml, 'FromUserName');
  const type = field(xml, 'MsgType');
  if (!from || !type) return null;
  const base = {
    platform: 'wecom' as const,
    senderIdentity: `wecom:${from}`,
    conversation: { id: from, type: 'direct' as const },
  };
  if (type === 'text') {
    const msgId = field(xml, 'MsgId');
    const text = boundedText(field(xml, 'Content') ?? '');
    return { ...base, kind: 'message.text', deliveryKey: msgId ? boundedKey(`wecom:msg:${msgId}`) : eventKey(decrypted), text };
  }
  if (type === 'event' && field(xml, 'Event') === 'template_card_event') {
    const action = parseCardActionKey(field(xml, 'EventKey') ?? '');
    if (!action) return null;
    return { ...base, kind: 'card.action', deliveryKey: eventKey(decrypted), action };
  }
  return null;
}

const eventKey = (decrypted: string) => `wecom:event:${createHash('sha256').update(decrypted).digest('hex')}`;
