// DingTalk OpenAPI client (platforms.md §A2.3–§A3.2): the app access token, cached until 5 minutes
// before it expires and refreshed once when refused; robot OTO/group messages; interactive cards.

import type { Clock } from '../../handlers/ports';
import { DeliveryError } from '../delivery-error';
import { requestJson, type JsonAnswer, type JsonCall } from '../http-json';
import { TokenCache } from '../token-cache';

export interface DingtalkApiConfig {
  apiBase: string;
  clientId: string;
  clientSecret: string;
  robotCode: string;
  /** The legacy API (oapi.dingtalk.com): the directory reads (topapi/…). */
  oapiBase?: string;
}

/** A legacy API (topapi) answer with a non-zero errcode. */
export class DingtalkOapiError extends DeliveryError {
  constructor(readonly errcode: number, errmsg: string, path: string) {
    super(`DingTalk ${path}: ${errcode} ${errmsg}`);
  }
}

/** Legacy API codes for a token that is invalid or expired: refresh and retry once. */
const OAPI_EXPIRED_TOKEN = [40014, 42001, 88];

export class DingtalkApi {
  private readonly token: TokenCache;

  constructor(
    private readonly config: DingtalkApiConfig,
    private readonly clock: Clock,
  ) {
    this.token = new TokenCache(() => this.fetchToken(), clock);
  }

  get robotCode(): string {
    return this.config.robotCode;
  }

  private async fetchToken(): Promise<{ value: string; expiresIn: number }> {
    const { status, body } = await this.http('POST', '/v1.0/oauth2/accessToken', { appKey: this.config.clientId, appSecret: this.config.clientSecret });
    if (status !== 200 || typeof body.accessToken !== 'string') {
      throw new DeliveryError(`DingTalk accessToken: HTTP ${status} ${String(body.message ?? '')} (check DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET)`);
    }
    return { value: body.accessToken, expiresIn: typeof body.expireIn === 'number' ? body.expireIn : 7200 };
  }

  private http(method: 'POST' | 'PUT', path: string, payload: unknown, token?: string): Promise<JsonAnswer> {
    return post(path, new URL(path, this.config.apiBase), { method, json: payload, headers: token ? { 'x-acs-dingtalk-access-token': token } : {} });
  }

  /** Calls the OpenAPI with the token; a token DingTalk refuses is refreshed once. */
  async call(method: 'POST' | 'PUT', path: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const { status, body } = await this.http(method, path, payload, await this.token.get());
      if (status === 200) return body;
      if (attempt === 0 && body.code === 'InvalidAuthentication') {
        this.token.invalidate();
        continue;
      }
      const message = `DingTalk ${path}: HTTP ${status} ${String(body.code ?? '')} ${String(body.message ?? '')}`;
      // 4xx other than throttling will not get better by retrying; 429/5xx will.
      throw new DeliveryError(message, status === 429 ? { deferUntil: new Date(this.clock.now().getTime() + 60_000) } : { permanent: status >= 400 && status < 500 });
    }
  }

  /** A fresh access token (`npm run doctor` checks the credentials with it). */
  accessToken(): Promise<string> {
    return this.token.get();
  }

  /**
   * POSTs to the legacy API (oapi.dingtalk.com/topapi/…) with the app token as `access_token`; it
   * answers HTTP 200 with an errcode. A refused token is refreshed once.
   */
  async oapi(path: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const url = new URL(path, this.config.oapiBase ?? 'https://oapi.dingtalk.com');
      url.searchParams.set('access_token', await this.token.get());
      const { ok, status, body } = await post(path, url, { method: 'POST', json: payload });
      if (!ok) throw new DeliveryError(`DingTalk ${path}: HTTP ${status}`);
      const errcode = Number(body.errcode ?? 0);
      if (errcode === 0) return body;
      if (attempt === 0 && OAPI_EXPIRED_TOKEN.includes(errcode)) {
        this.token.invalidate();
        continue;
      }
      throw new DingtalkOapiError(errcode, String(body.errmsg ?? ''), path);
    }
  }

  sendToUsers(staffIds: string[], msgKey: string, msgParam: Record<string, string>): Promise<Record<string, unknown>> {
    return this.call('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: this.config.robotCode, userIds: staffIds, msgKey, msgParam: JSON.stringify(msgParam) });
  }

  sendToGroup(openConversationId: string, msgKey: string, msgParam: Record<string, string>): Promise<Record<string, unknown>> {
    return this.call('POST', '/v1.0/robot/groupMessages/send', { robotCode: this.config.robotCode, openConversationId, msgKey, msgParam: JSON.stringify(msgParam) });
  }

  /** Creates an interactive card and delivers it to one person's chat with the robot. */
  deliverCard(p: { templateId: string; outTrackId: string; staffId: string; params: Record<string, string>; callbackType: 'STREAM' | 'HTTP' }): Promise<Record<string, unknown>> {
    return this.call('POST', '/v1.0/card/instances/createAndDeliver', {
      cardTemplateId: p.templateId,
      outTrackId: p.outTrackId,
      callbackType: p.callbackType,
      cardData: { cardParamMap: p.params },
      openSpaceId: `dtv1.card//IM_ROBOT.${p.staffId}`,
      imRobotOpenSpaceModel: { supportForward: false },
      imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: this.config.robotCode },
      userIdType: 1,
    });
  }

  updateCard(outTrackId: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    return this.call('PUT', '/v1.0/card/instances', {
      outTrackId,
      cardData: { cardParamMap: params },
      cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
      userIdType: 1,
    });
  }

  /** Posts to a message's sessionWebhook (no token: the URL is the credential). */
  async replyBySession(url: string, body: Record<string, unknown>): Promise<void> {
    // Redirects are not followed, so a 3xx cannot carry the reply to another host; it counts as expired.
    const { ok, status, body: answer } = await post('sessionWebhook', url, { method: 'POST', json: body });
    if (!ok || answer.errcode) throw new SessionExpired(`DingTalk sessionWebhook: HTTP ${status} ${String(answer.errcode ?? '')} ${String(answer.errmsg ?? '')}`);
  }
}

/** A call to DingTalk; a network failure (no answer) is a DeliveryError naming `what`. */
async function post(what: string, url: string | URL, call: JsonCall): Promise<JsonAnswer> {
  try {
    return await requestJson(url, call);
  } catch (error) {
    throw new DeliveryError(`DingTalk ${what}: ${(error as Error).message}`);
  }
}

/** The session webhook no longer works: reply through the OpenAPI instead. */
export class SessionExpired extends Error {}
