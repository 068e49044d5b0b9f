// A WeCom group robot (群机器人) webhook: markdown alerts, at most 20 per minute per robot.

import type { Clock } from '../../handlers/ports';
import { DeliveryError } from '../delivery-error';
import type { SlidingWindowLimiter } from '../rate-limit';

export async function sendRobotMarkdown(webhookUrl: string, content: string, limiter: SlidingWindowLimiter, clock: Clock): Promise<void> {
  const freeAt = limiter.take(webhookUrl);
  if (freeAt) throw new DeliveryError('WeCom group robot: 20 messages per minute reached', { deferUntil: freeAt });
  let body: { errcode?: number; errmsg?: string };
  try {
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'markdown', markdown: { content: Buffer.from(content).subarray(0, 4096).toString('utf8').replace(/\uFFFD$/, '') } }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = (await response.json()) as typeof body;
  } catch (error) {
    limiter.giveBack(webhookUrl);
    throw new DeliveryError(`WeCom group robot: ${(error as Error).message}`);
  }
  if (body.errcode === 45009) {
    throw new DeliveryError('WeCom group robot throttled (45009)', { deferUntil: new Date(clock.now().getTime() + 60_000) });
  }
  if (body.errcode && [93000, 93004, 93008].includes(body.errcode)) {
    throw new DeliveryError(`WeCom group robot: ${body.errcode} ${body.errmsg ?? ''} (check the webhook in the policy's channels)`, { permanent: true });
  }
  if (body.errcode) throw new DeliveryError(`WeCom group robot: ${body.errcode} ${body.errmsg ?? ''}`);
}
