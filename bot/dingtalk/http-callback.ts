// HTTP mode (DINGTALK_MODE=http): DingTalk POSTs robot messages to /dingtalk/callback with
// `timestamp` and `sign` headers (platforms.md §A4.5). Card clicks of cards created with
// callbackType HTTP arrive at the same route (their payload is the Stream card callback's; that they
// carry the same signature headers is an assumption, platforms.md Part D). Same dispatch path.
//
// The signature covers only the timestamp, not the body: the headers are checked before the body is
// read, the window is short (DINGTALK_HTTP_WINDOW_SECONDS), and each (timestamp, sign) pair is spent
// on first use (replay-guard.ts). Stream mode has none of these weaknesses (README).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Clock } from '../../handlers/ports';
import type { BackgroundWork } from '../background';
import type { Dispatcher } from '../dispatch';
import type { Logger } from '../logger';
import { clientIp, isRefusal, readRawBody } from '../raw-body';
import { clickerCardUpdate } from './inbound';
import { normalizeCardCallback, normalizeRobotMessage } from './normalize';
import type { ReplayGuard } from './replay-guard';

export const DINGTALK_CALLBACK_PATH = '/dingtalk/callback';
const MAX_BODY = 64 * 1024;
export const DEFAULT_DINGTALK_WINDOW_SECONDS = 300;
/** DingTalk's own limit (platforms.md §A4.5); a longer window would accept what DingTalk would not. */
export const MAX_DINGTALK_WINDOW_SECONDS = 3600;

/** base64(HMAC-SHA256(appSecret, `${timestamp}\n${appSecret}`)), compared in constant time, within the window. */
export function verifyDingtalkSign(p: { timestamp: string; sign: string; appSecret: string; now: Date; windowMs?: number }): 'ok' | 'stale' | 'bad' {
  if (!/^\d{10,16}$/.test(p.timestamp)) return 'bad';
  const expected = Buffer.from(createHmac('sha256', p.appSecret).update(`${p.timestamp}\n${p.appSecret}`).digest('base64'));
  const given = Buffer.from(p.sign);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad';
  const windowMs = Math.min(p.windowMs ?? DEFAULT_DINGTALK_WINDOW_SECONDS * 1000, MAX_DINGTALK_WINDOW_SECONDS * 1000);
  return Math.abs(p.now.getTime() - Number(p.timestamp)) > windowMs ? 'stale' : 'ok';
}

export interface DingtalkHttpDeps {
  appSecret: string;
  dispatcher: Dispatcher;
  background: BackgroundWork;
  /** Delivers the outbox (after a card click was decided). */
  deliver: () => Promise<unknown>;
  /** Wakes the inbox worker after a message was accepted. */
  wake: () => void;
  clock: Clock;
  log: Logger;
  replayGuard: ReplayGuard;
  /** DINGTALK_OAPI_BASE: the only host a message's sessionWebhook may point to. */
  oapiBase: string;
  windowSeconds?: number;
}

export function dingtalkHttpRoutes(deps: DingtalkHttpDeps) {
  const windowMs = (deps.windowSeconds ?? DEFAULT_DINGTALK_WINDOW_SECONDS) * 1000;
  const refuse = (ctx: Context, status: number, reason: string) => {
    deps.log.warn('dingtalk callback rejected', { status, reason, ip: clientIp(ctx) });
    deps.dispatcher.refused('dingtalk');
    ctx.status = status;
    ctx.body = '';
  };

  return (router: Router): void => {
    router.post(DINGTALK_CALLBACK_PATH, async (ctx) => {
      // The headers first: an unsigned request is refused before its body is read.
      const timestamp = ctx.get('timestamp');
      const sign = ctx.get('sign');
      const verdict = verifyDingtalkSign({ timestamp, sign, appSecret: deps.appSecret, now: deps.clock.now(), windowMs });
      if (verdict !== 'ok') return refuse(ctx, verdict === 'stale' ? 403 : 401, `${verdict} signature`);
      const body = await readRawBody(ctx, MAX_BODY);
      if (isRefusal(body)) return refuse(ctx, body.refused, body.reason);
      const payload = parseJsonObject(body);
      if (!payload) return refuse(ctx, 400, 'not a JSON object');
      // Spent before anything is recorded: a replayed pair with another body writes nothing.
      const spent = await deps.replayGuard.spend(timestamp, sign, body);
      if (spent === 'replay') return refuse(ctx, 401, 'signature already used for another body');

      ctx.status = 200;
      ctx.body = {};
      if (isCardCallback(payload)) {
        // A card click (callbackType HTTP): decided before answering, since the answer updates the card.
        const key = createHash('sha256').update(body).digest('hex');
        const event = normalizeCardCallback(payload, key);
        const views = event && (await deps.dispatcher.acceptAndProcess(event));
        if (!views) return; // not a click the bot knows, or a redelivery
        ctx.body = clickerCardUpdate(views) ?? {};
        deps.background.start('dingtalk http card delivery', deps.deliver);
        return;
      }
      const event = normalizeRobotMessage(payload, deps.oapiBase);
      if (!event) return;
      const accepted = await deps.dispatcher.accept(event);
      if (accepted) deps.wake(); // else a redelivery of something recorded
    });
  };
}

function parseJsonObject(body: Buffer): Record<string, unknown> | null {
  try {
    const payload: unknown = JSON.parse(body.toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isCardCallback = (payload: Record<string, unknown>): boolean => 'outTrackId' in payload && 'userId' in payload;
