// HTTP mode (DINGTALK_MODE=http): DingTalk POSTs robot messages to /dingtalk/callback with
// `timestamp` and `sign` headers (platforms.md §A4.5). Card clicks of cards created with
// callbackType HTTP arrive at the same route (their payload is the Stream card callback's; that they
// carry the same signature headers is an assumption, platforms.md Part D). Same dispatch path.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type { Clock } from '../../handlers/ports';
import type { BackgroundWork } from '../background';
import type { Dispatcher } from '../dispatch';
import type { Logger } from '../logger';
import { readRawBody } from '../raw-body';
import { clickerCardUpdate } from './inbound';
import { normalizeCardCallback, normalizeRobotMessage } from './normalize';

export const DINGTALK_CALLBACK_PATH = '/dingtalk/callback';
const MAX_BODY = 64 * 1024;
const WINDOW_MS = 3600_000;

/** base64(HMAC-SHA256(appSecret, `${timestamp}\n${appSecret}`)), compared in constant time, within 1 h. */
export function verifyDingtalkSign(p: { timestamp: string; sign: string; appSecret: string; now: Date }): 'ok' | 'stale' | 'bad' {
  if (!/^\d{10,16}$/.test(p.timestamp)) return 'bad';
  const expected = Buffer.from(createHmac('sha256', p.appSecret).update(`${p.timestamp}\n${p.appSecret}`).digest('base64'));
  const given = Buffer.from(p.sign);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad';
  return Math.abs(p.now.getTime() - Number(p.timestamp)) > WINDOW_MS ? 'stale' : 'ok';
}

export function dingtalkHttpRoutes(deps: {
  appSecret: string;
  dispatcher: Dispatcher;
  background: BackgroundWork;
  deliver: () => Promise<unknown>;
  clock: Clock;
  log: Logger;
}) {
  return (router: Router): void => {
    router.post(DINGTALK_CALLBACK_PATH, async (ctx) => {
      const verdict = verifyDingtalkSign({ timestamp: ctx.get('timestamp'), sign: ctx.get('sign'), appSecret: deps.appSecret, now: deps.clock.now() });
      if (verdict !== 'ok') {
        deps.log.warn('dingtalk callback rejected', { verdict, ip: ctx.ip });
        ctx.status = verdict === 'stale' ? 403 : 401;
        return;
      }
      const body = await readRawBody(ctx, MAX_BODY);
      if (!body) {
        ctx.status = 413;
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        ctx.status = 400;
        return;
      }
      ctx.status = 200;
      ctx.body = {};
      if (isCardCallback(payload)) {
        // A card click (callbackType HTTP): decided before answering, since the answer updates the card.
        const key = createHash('sha256').update(body).digest('hex');
        const event = normalizeCardCallback(payload, key);
        const accepted = event && (await deps.dispatcher.accept(event));
        if (!event || !accepted) return;
        ctx.body = clickerCardUpdate(await deps.dispatcher.process(accepted.id, event)) ?? {};
        deps.background.start('dingtalk http card delivery', deps.deliver);
        return;
      }
      const event = normalizeRobotMessage(payload);
      if (!event) return;
      const accepted = await deps.dispatcher.accept(event);
      if (!accepted) return;
      deps.background.start('dingtalk http message', async () => {
        await deps.dispatcher.process(accepted.id, event);
        await deps.deliver();
      });
    });
  };
}

const isCardCallback = (payload: unknown): boolean =>
  typeof payload === 'object' && payload !== null && 'outTrackId' in payload && 'userId' in payload;
