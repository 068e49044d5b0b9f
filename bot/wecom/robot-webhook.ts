// A WeCom group robot (群机器人) webhook: markdown alerts, images (base64 + md5) and files (uploaded
// with the robot's upload_media first), at most 20 messages per minute per robot.

import type { Clock } from '../../handlers/ports';
import { md5Hex } from '../charts/attachments';
import { DeliveryError } from '../delivery-error';
import { postForm, requestJson, type JsonAnswer } from '../http-json';
import type { SlidingWindowLimiter } from '../rate-limit';

export async function sendRobotMarkdown(webhookUrl: string, content: string, limiter: SlidingWindowLimiter, clock: Clock): Promise<void> {
  const markdown = { content: Buffer.from(content).subarray(0, 4096).toString('utf8').replace(/\uFFFD$/, '') };
  await sendRobotMessage(webhookUrl, { msgtype: 'markdown', markdown }, limiter, clock);
}

/** An image message: the PNG itself, base64 with its md5 (at most 2 MB). */
export async function sendRobotImage(webhookUrl: string, png: Buffer, limiter: SlidingWindowLimiter, clock: Clock): Promise<void> {
  const image = { base64: png.toString('base64'), md5: md5Hex(png) };
  await sendRobotMessage(webhookUrl, { msgtype: 'image', image }, limiter, clock);
}

/** A file message: the file is uploaded to the robot's upload_media (same key), then sent by media_id. */
export async function sendRobotFile(webhookUrl: string, file: { fileName: string; contentType: string; bytes: Buffer }, limiter: SlidingWindowLimiter, clock: Clock): Promise<void> {
  const upload = new URL(webhookUrl);
  upload.pathname = upload.pathname.replace(/\/send$/, '/upload_media');
  upload.searchParams.set('type', 'file');
  const form = new FormData();
  form.append('media', new Blob([file.bytes], { type: file.contentType }), file.fileName);
  const answer = await robotRequest(() => postForm(upload, form), clock, () => undefined);
  if (typeof answer.media_id !== 'string' || !answer.media_id) throw new DeliveryError('WeCom group robot upload_media: no media_id in the answer');
  await sendRobotMessage(webhookUrl, { msgtype: 'file', file: { media_id: answer.media_id } }, limiter, clock);
}

async function sendRobotMessage(webhookUrl: string, message: Record<string, unknown>, limiter: SlidingWindowLimiter, clock: Clock): Promise<void> {
  const freeAt = limiter.take(webhookUrl);
  if (freeAt) throw new DeliveryError('WeCom group robot: 20 messages per minute reached', { deferUntil: freeAt });
  await robotRequest(() => requestJson(webhookUrl, { method: 'POST', json: message }), clock, () => limiter.giveBack(webhookUrl));
}

async function robotRequest(send: () => Promise<JsonAnswer>, clock: Clock, onNetworkError: () => void): Promise<{ errcode?: number; errmsg?: string; media_id?: unknown }> {
  let body: { errcode?: number; errmsg?: string; media_id?: unknown };
  try {
    const answer = await send();
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    if (!answer.json) throw new Error('the answer is not JSON');
    body = answer.body;
  } catch (error) {
    onNetworkError();
    throw new DeliveryError(`WeCom group robot: ${(error as Error).message}`);
  }
  if (body.errcode === 45009) {
    throw new DeliveryError('WeCom group robot throttled (45009)', { deferUntil: new Date(clock.now().getTime() + 60_000) });
  }
  if (body.errcode && [93000, 93004, 93008].includes(body.errcode)) {
    throw new DeliveryError(`WeCom group robot: ${body.errcode} ${body.errmsg ?? ''} (check the webhook in the policy's channels)`, { permanent: true });
  }
  if (body.errcode) throw new DeliveryError(`WeCom group robot: ${body.errcode} ${body.errmsg ?? ''}`);
  return body;
}
