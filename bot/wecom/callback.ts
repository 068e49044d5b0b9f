// GET/POST /wecom/callback: WeCom's URL verification and encrypted message push (platforms.md §B1).
// Verify the signature over exactly what arrived and its timestamp, decrypt, check the corp id,
// record the event in the inbox, answer 200 with an empty body at once (WeCom retries after 5 s),
// and wake the inbox worker, which processes it.

import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Clock } from '../../handlers/ports';
import type { Dispatcher } from '../dispatch';
import type { Logger } from '../logger';
import { clientIp, isRefusal, readRawBody } from '../raw-body';
import { decryptMessage, verifySignature, WecomCryptoError, type AesKey } from './crypto';
import { normalizeWecom } from './normalize';
import { field, parseWecomXml, XmlError } from './xml';

export interface WecomCallbackDeps {
  token: string;
  aes: AesKey;
  corpId: string;
  dispatcher: Dispatcher;
  /** Wakes the inbox worker after an event was accepted. */
  wake: () => void;
  log: Logger;
  clock: Clock;
  /** How far a callback's timestamp may be from now; default 300 s (see README). */
  windowSeconds?: number;
  maxBodyBytes?: number;
}

export const WECOM_CALLBACK_PATH = '/wecom/callback';
const DEFAULT_MAX_BODY = 64 * 1024; // a WeCom push is a few KB; anything near this is not WeCom
export const DEFAULT_WECOM_WINDOW_SECONDS = 300;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const CRYPTO_STATUS: Record<WecomCryptoError['code'], number> = {
  bad_signature: 401,
  bad_base64: 400,
  bad_length: 400,
  bad_padding: 400,
  bad_msg_len: 400,
  receiveid_mismatch: 403,
};

function query(ctx: Context, name: string): string {
  const v = ctx.query[name];
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `missing ${name}`);
  return v;
}

function decrypt(deps: WecomCallbackDeps, encrypted: string): string {
  try {
    return decryptMessage(deps.aes, encrypted, deps.corpId);
  } catch (error) {
    if (error instanceof WecomCryptoError) throw new HttpError(CRYPTO_STATUS[error.code], error.code);
    throw new HttpError(400, 'cannot decrypt');
  }
}

/**
 * The signature, then the timestamp (seconds) it covers: a signed request replayed later than the
 * window is refused with 403. WeCom sends its retries within seconds (3 tries, 5 s apart).
 */
function verify(deps: WecomCallbackDeps, ctx: Context, encrypted: string): void {
  const signature = ctx.query.msg_signature;
  if (typeof signature !== 'string' || !signature) throw new HttpError(401, 'missing msg_signature');
  const timestamp = query(ctx, 'timestamp');
  const ok = verifySignature(deps.token, { signature, timestamp, nonce: query(ctx, 'nonce'), encrypted });
  if (!ok) throw new HttpError(401, 'bad signature');
  const windowMs = (deps.windowSeconds ?? DEFAULT_WECOM_WINDOW_SECONDS) * 1000;
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(deps.clock.now().getTime() - Number(timestamp) * 1000) > windowMs) {
    throw new HttpError(403, 'stale timestamp');
  }
}

async function handleErrors(ctx: Context, deps: WecomCallbackDeps, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    deps.log.warn('wecom callback rejected', { status: error.status, reason: error.message, ip: clientIp(ctx) });
    deps.dispatcher.refused('wecom');
    ctx.status = error.status;
    ctx.body = '';
  }
}

export function wecomCallbackRoutes(deps: WecomCallbackDeps) {
  const limit = deps.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return (router: Router): void => {
    // URL verification: Koa has already percent-decoded echostr (a `+` stays a `+`).
    router.get(WECOM_CALLBACK_PATH, (ctx) =>
      handleErrors(ctx, deps, async () => {
        const echostr = query(ctx, 'echostr');
        verify(deps, ctx, echostr);
        ctx.type = 'text/plain';
        ctx.body = decrypt(deps, echostr);
      }),
    );

    router.post(WECOM_CALLBACK_PATH, (ctx) =>
      handleErrors(ctx, deps, async () => {
        const body = await readRawBody(ctx, limit);
        if (isRefusal(body)) throw new HttpError(body.refused, body.reason);
        const envelope = parseXml(body.toString('utf8'));
        const encrypted = field(envelope, 'Encrypt');
        if (!encrypted) throw new HttpError(403, 'plaintext message refused'); // only encrypted mode is accepted
        verify(deps, ctx, encrypted);
        const decrypted = decrypt(deps, encrypted);
        const event = normalizeWecom(parseXml(decrypted), decrypted);
        ctx.status = 200;
        ctx.body = '';
        if (!event) return; // an event the bot does not act on (enter_agent, …): acknowledged, ignored
        const accepted = await deps.dispatcher.accept(event);
        if (accepted) deps.wake(); // else WeCom's retry of something already recorded
      }),
    );
  };
}

function parseXml(text: string): Record<string, unknown> {
  try {
    return parseWecomXml(text);
  } catch (error) {
    if (error instanceof XmlError) throw new HttpError(400, error.message);
    throw error;
  }
}
