// WeCom server API client (platforms.md §B2): access token cached until shortly before it expires
// and refreshed once on 42001/40014; errors mapped to what the outbox should do. JSON calls go
// through undici's request() (bot/http-json.ts), which keeps connections alive and reuses them.

import type { Clock } from '../../handlers/ports';
import { DeliveryError } from '../delivery-error';
import { postForm, requestJson, type JsonAnswer, type JsonCall } from '../http-json';
import type { WecomMessageBody } from '../../cards/wecom/message';
import { TokenCache } from '../token-cache';

export interface WecomApiConfig {
  apiBase: string;
  corpId: string;
  secret: string;
  agentId: number;
}

export class WecomApiError extends DeliveryError {
  constructor(readonly errcode: number, readonly errmsg: string, path: string, clock: Clock) {
    super(`WeCom ${path}: ${errcode} ${errmsg}`, classify(errcode, clock));
  }
}

/**
 * The card's task_id was used before: this very card went out already (the process stopped between
 * sending and recording it, or a restored backup sends it again). The errmsg wording is assumed
 * ("task_id exists"); 40058 alone means any invalid parameter.
 */
export const isTaskIdTaken = (e: unknown): boolean => e instanceof WecomApiError && e.errcode === 40058 && /task_?id/i.test(e.errmsg) && /exist/i.test(e.errmsg);

const EXPIRED_TOKEN = [42001, 40014];
/** Configuration problems: retrying will not help until someone fixes the settings. */
const CONFIG_ERRORS = [40001, 40013, 40056, 41004, 40091, 48002, 60020];
/** Nobody to deliver to, or a message WeCom will never accept. */
const PERMANENT = [81013, 44004, 45002];
const THROTTLED = [45009, 45033];

function classify(errcode: number, clock: Clock): DeliveryError['options'] {
  if (THROTTLED.includes(errcode)) return { deferUntil: new Date(clock.now().getTime() + 60_000) };
  if (PERMANENT.includes(errcode)) return { permanent: true };
  return {}; // -1 (busy), config errors, network: retry with backoff; config errors are also logged loudly
}

export const isConfigError = (e: unknown): boolean => e instanceof WecomApiError && CONFIG_ERRORS.includes(e.errcode);

interface WecomResponse {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

export class WecomApi {
  private readonly token: TokenCache;

  constructor(
    private readonly config: WecomApiConfig,
    private readonly clock: Clock,
  ) {
    this.token = new TokenCache(() => this.fetchToken(), clock);
  }

  get agentId(): number {
    return this.config.agentId;
  }

  private async fetchToken(): Promise<{ value: string; expiresIn: number }> {
    const url = new URL('/cgi-bin/gettoken', this.config.apiBase);
    url.searchParams.set('corpid', this.config.corpId);
    url.searchParams.set('corpsecret', this.config.secret);
    const body = await this.request(url, { method: 'GET' }, '/cgi-bin/gettoken');
    const value = body.access_token;
    if (typeof value !== 'string') throw new DeliveryError('WeCom gettoken: no access_token in the answer');
    return { value, expiresIn: typeof body.expires_in === 'number' ? body.expires_in : 7200 };
  }

  private request(url: URL, call: JsonCall, path: string): Promise<WecomResponse> {
    return this.answered(() => requestJson(url, call), path);
  }

  /** A multipart upload (media/upload). */
  private upload(url: URL, form: FormData, path: string): Promise<WecomResponse> {
    return this.answered(() => postForm(url, form), path);
  }

  private async answered(send: () => Promise<JsonAnswer>, path: string): Promise<WecomResponse> {
    let answer: JsonAnswer;
    try {
      answer = await send();
    } catch (error) {
      throw new DeliveryError(`WeCom ${path}: ${(error as Error).message}`);
    }
    return this.checked(answer, path);
  }

  private checked(answer: JsonAnswer, path: string): WecomResponse {
    if (!answer.ok) throw new DeliveryError(`WeCom ${path}: HTTP ${answer.status}`);
    if (!answer.json) throw new DeliveryError(`WeCom ${path}: the answer is not JSON`);
    const body = answer.body as WecomResponse;
    if (body.errcode && body.errcode !== 0) throw new WecomApiError(body.errcode, body.errmsg ?? '', path, this.clock);
    return body;
  }

  /** POSTs JSON with the access token; a token WeCom calls expired or invalid is refreshed once. */
  call(path: string, payload: Record<string, unknown>): Promise<WecomResponse> {
    return this.withToken(path, {}, { method: 'POST', json: payload });
  }

  /** GETs with the access token and these query parameters (the directory reads). */
  get(path: string, query: Record<string, string> = {}): Promise<WecomResponse> {
    return this.withToken(path, query, { method: 'GET' });
  }

  /** A fresh access token (`npm run doctor` checks the credentials with it). */
  accessToken(): Promise<string> {
    return this.token.get();
  }

  private async withToken(path: string, query: Record<string, string>, call: JsonCall): Promise<WecomResponse> {
    for (let attempt = 0; ; attempt++) {
      const url = new URL(path, this.config.apiBase);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      url.searchParams.set('access_token', await this.token.get());
      try {
        return await this.request(url, call, path);
      } catch (error) {
        if (attempt === 0 && error instanceof WecomApiError && EXPIRED_TOKEN.includes(error.errcode)) {
          this.token.invalidate();
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * media/upload: a temporary media file (kept 3 days by WeCom) for an image or file message;
   * returns its media_id. Multipart with the field `media`, as the API asks.
   */
  async uploadMedia(type: 'image' | 'file', fileName: string, contentType: string, bytes: Buffer): Promise<string> {
    const path = '/cgi-bin/media/upload';
    for (let attempt = 0; ; attempt++) {
      const url = new URL(path, this.config.apiBase);
      url.searchParams.set('access_token', await this.token.get());
      url.searchParams.set('type', type);
      const form = new FormData();
      form.append('media', new Blob([bytes], { type: contentType }), fileName);
      try {
        const answer = await this.upload(url, form, path);
        if (typeof answer.media_id !== 'string' || !answer.media_id) throw new DeliveryError('WeCom media/upload: no media_id in the answer');
        return answer.media_id;
      } catch (error) {
        if (attempt === 0 && error instanceof WecomApiError && EXPIRED_TOKEN.includes(error.errcode)) {
          this.token.invalidate();
          continue;
        }
        throw error;
      }
    }
  }

  /** message/send to one member; returns the response_code of an interactive card, if any. */
  async send(userId: string, body: WecomMessageBody): Promise<{ msgid?: string; responseCode?: string }> {
    const answer = await this.call('/cgi-bin/message/send', { touser: userId, agentid: this.config.agentId, ...body });
    return {
      msgid: typeof answer.msgid === 'string' ? answer.msgid : undefined,
      responseCode: typeof answer.response_code === 'string' && answer.response_code ? answer.response_code : undefined,
    };
  }

  /** Greys out a sent button_interaction card for these members, showing `replaceName` on its button. */
  async updateCardButton(responseCode: string, userIds: string[], replaceName: string): Promise<void> {
    await this.call('/cgi-bin/message/update_template_card', {
      userids: userIds,
      agentid: this.config.agentId,
      response_code: responseCode,
      button: { replace_name: replaceName.slice(0, 20) },
    });
  }
}
