// DingTalk group custom robot (自定义机器人) with 加签 signing (platforms.md §A4.1, §A4.4).
// Over 20 messages a minute DingTalk throttles the robot for 10 minutes: we never send the 21st.

import { createHmac } from 'node:crypto';
import type { Clock } from '../../handlers/ports';
import { DeliveryError } from '../delivery-error';
import { requestJson } from '../http-json';
import type { SlidingWindowLimiter } from '../rate-limit';

/** base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)); URL-encode it when it goes in a query. */
export function robotSign(timestamp: number | string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function signedWebhookUrl(webhook: string, secret: string | undefined, now: Date): string {
  if (!secret) return webhook;
  const url = new URL(webhook);
  const timestamp = String(now.getTime());
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('sign', robotSign(timestamp, secret)); // URLSearchParams percent-encodes + / =
  return url.toString();
}

export async function sendRobotWebhook(
  target: { webhook: string; secret?: string },
  body: Record<string, unknown>,
  limiter: SlidingWindowLimiter,
  clock: Clock,
): Promise<void> {
  const freeAt = limiter.take(target.webhook);
  if (freeAt) throw new DeliveryError('DingTalk group robot: 20 messages per minute reached', { deferUntil: freeAt });
  let answer: { errcode?: number; errmsg?: string };
  try {
    const response = await requestJson(signedWebhookUrl(target.webhook, target.secret, clock.now()), {
      method: 'POST',
      json: body,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    // An error page (not JSON) is a failed delivery; a JSON answer says what went wrong in its errcode.
    if (!response.json) throw new Error(`HTTP ${response.status}, the answer is not JSON`);
    answer = response.body;
  } catch (error) {
    limiter.giveBack(target.webhook);
    throw new DeliveryError(`DingTalk group robot: ${(error as Error).message}`);
  }
  if (!answer.errcode) return;
  if (answer.errcode === 130101) {
    throw new DeliveryError('DingTalk group robot throttled (130101)', { deferUntil: new Date(clock.now().getTime() + 10 * 60_000) });
  }
  const permanent = [300001, 300005, 310000].includes(answer.errcode);
  throw new DeliveryError(`DingTalk group robot: ${answer.errcode} ${answer.errmsg ?? ''} (check dingtalk_webhook / dingtalk_secret in the policy)`, { permanent });
}
