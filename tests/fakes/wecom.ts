// A fake WeCom on 127.0.0.1 that behaves like the real one (platforms.md Part B, Part C):
// - as the sender of callbacks: encrypted, signed POSTs, a percent-encoded echostr, and WeCom's
//   retries (3 attempts; an attempt fails on a non-200 or no answer within 5 s);
// - as the API: gettoken (tokens that expire), message/send (response_code for interactive cards),
//   update_template_card (each code usable once, for 72 h), group robot webhooks (20/min, then 45009).
// Everything is recorded for assertions.

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptMessage, signatureOf } from '../../bot/wecom/crypto';
import { buildWecomXml } from '../../bot/wecom/xml';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface FakeWecomOptions {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
  /** Where the bot listens for callbacks (set once the bot's server is up). */
  callbackUrl?: string;
  tokenTtlSeconds?: number;
  now?: () => number;
  /**
   * Accept `agentid` sent as a string ("1000002"), as some SDKs do (the Koishi adapter sends its
   * configured AgentID string); the doc shows a number. Off by default: the bot must send a number.
   */
  acceptAgentIdAsString?: boolean;
}

/** A member of the fake's directory (doc: 读取成员). status 1 active, 2 disabled, 4 not activated, 5 left. */
export interface FakeWecomUser {
  userid: string;
  name: string;
  mobile?: string;
  department: number[];
  direct_leader?: string[];
  status?: number;
}

export interface SentMessage {
  at: number;
  touser: string;
  msgtype: string;
  body: Record<string, unknown>;
  responseCode?: string;
}

export class FakeWecom {
  readonly sent: SentMessage[] = [];
  readonly updates: { responseCode: string; userids: string[]; body: Record<string, unknown> }[] = [];
  readonly webhookPosts: { key: string; body: Record<string, unknown>; accepted: boolean }[] = [];
  readonly tokenRequests: number[] = [];
  /** Files uploaded with media/upload (app) or webhook/upload_media (robot), by media_id. */
  readonly media = new Map<string, { type: string; fileName: string; contentType: string; bytes: Buffer; via: 'app' | 'robot' }>();
  callbackAttempts: { status: number | 'timeout' }[] = [];
  callbackUrl?: string;
  /** Until this instant (ms) message/send answers -1 "system busy": an outage. */
  outageUntil = 0;
  readonly refusedDuringOutage: number[] = [];
  /** errcodes to answer instead of success, per API path, consumed one by one. */
  readonly failures = new Map<string, number[]>();
  /** The directory: departments (id, parent) and members; `pageSize` rows per user/list_id page. */
  readonly directory = { departments: [{ id: 1, parentid: 0 }] as { id: number; parentid: number }[], users: [] as FakeWecomUser[], pageSize: 3 };
  /** The app's visibility (agent/get allow_userinfos / allow_partys) and whether it is closed. */
  agentVisibility = { users: [] as string[], parties: [1] as number[], closed: false };
  /** Directory API calls, by path. */
  readonly directoryCalls: string[] = [];

  /** TCP connections opened to the API so far (keep-alive: far fewer than requests). */
  connections = 0;
  requests = 0;

  private server!: http.Server;
  private tokens = new Map<string, number>(); // token → expiry (ms)
  private codes = new Map<string, { issuedAt: number; used: boolean; touser: string }>();
  private webhookTimes = new Map<string, number[]>();
  private seq = 0;
  private msgIdSeq = 7_300_000_000_000_000_000n;
  baseUrl = '';

  constructor(private readonly opts: FakeWecomOptions) {
    this.callbackUrl = opts.callbackUrl;
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.requests++;
      void this.route(req, res);
    });
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  webhookUrl(key: string): string {
    return `${this.baseUrl}/cgi-bin/webhook/send?key=${key}`;
  }

  /** Every token issued so far stops working (WeCom may invalidate tokens early). */
  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  failNext(path: string, ...errcodes: number[]): void {
    this.failures.set(path, [...(this.failures.get(path) ?? []), ...errcodes]);
  }

  // -------------------------------------------------------------------------------------------
  // The API

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const contentType = req.headers['content-type'] ?? '';
    const multipart = contentType.startsWith('multipart/form-data');
    const body = chunks.length && !multipart ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    const answer = (json: Record<string, unknown>) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const injected = this.failures.get(url.pathname)?.shift();
    if (injected !== undefined) return answer({ errcode: injected, errmsg: `injected ${injected}` });

    if (url.pathname === '/cgi-bin/gettoken') {
      this.tokenRequests.push(this.now());
      if (url.searchParams.get('corpid') !== this.opts.corpId) return answer({ errcode: 40013, errmsg: 'invalid corpid' });
      if (url.searchParams.get('corpsecret') !== this.opts.secret) return answer({ errcode: 40001, errmsg: 'invalid credential' });
      const token = `token-${++this.seq}-${randomBytes(4).toString('hex')}`;
      const ttl = this.opts.tokenTtlSeconds ?? 7200;
      this.tokens.set(token, this.now() + ttl * 1000);
      return answer({ errcode: 0, errmsg: 'ok', access_token: token, expires_in: ttl });
    }
    if (url.pathname === '/cgi-bin/webhook/upload_media') {
      // The robot's own upload (doc 91770): same key as its webhook, type=file, field `media`.
      if (!multipart || url.searchParams.get('type') !== 'file') return answer({ errcode: 40004, errmsg: 'invalid media type' });
      return answer(await this.store(raw, contentType, 'file', 'robot'));
    }
    if (url.pathname === '/cgi-bin/webhook/send') {
      const key = url.searchParams.get('key') ?? '';
      const refused = this.checkMediaMessage(body);
      if (refused) return answer(refused);
      const recent = (this.webhookTimes.get(key) ?? []).filter((t) => t > this.now() - 60_000);
      const accepted = recent.length < 20;
      if (accepted) recent.push(this.now());
      this.webhookTimes.set(key, recent);
      this.webhookPosts.push({ key, body, accepted });
      return answer(accepted ? { errcode: 0, errmsg: 'ok' } : { errcode: 45009, errmsg: 'api freq out of limit' });
    }
    const token = url.searchParams.get('access_token') ?? '';
    const expiry = this.tokens.get(token);
    if (expiry === undefined) return answer({ errcode: 40014, errmsg: 'invalid access_token' });
    if (expiry <= this.now()) return answer({ errcode: 42001, errmsg: 'access_token expired' });

    if (url.pathname === '/cgi-bin/media/upload') {
      const type = url.searchParams.get('type') ?? '';
      if (!multipart || !['image', 'voice', 'video', 'file'].includes(type)) return answer({ errcode: 40004, errmsg: 'invalid media type' });
      return answer(await this.store(raw, contentType, type, 'app'));
    }
    if (url.pathname === '/cgi-bin/message/send') {
      const refused = this.checkMediaMessage(body);
      if (refused) return answer(refused);
      if (this.now() < this.outageUntil) {
        this.refusedDuringOutage.push(this.now());
        return answer({ errcode: -1, errmsg: 'system busy' });
      }
      const agentOk = body.agentid === this.opts.agentId || (this.opts.acceptAgentIdAsString && body.agentid === String(this.opts.agentId));
      if (!agentOk) return answer({ errcode: 40056, errmsg: 'invalid agentid' });
      const msgtype = String(body.msgtype);
      const card = body.template_card as { card_type?: string; task_id?: string; button_list?: unknown[]; horizontal_content_list?: unknown[] } | undefined;
      if (msgtype === 'template_card') {
        if (!card?.task_id || !/^[A-Za-z0-9_\-@]{1,128}$/.test(card.task_id)) return answer({ errcode: 40058, errmsg: 'invalid task_id' });
        if ((card.button_list?.length ?? 0) > 6 || (card.horizontal_content_list?.length ?? 0) > 6) return answer({ errcode: 40058, errmsg: 'too many items' });
        if (this.sent.some((m) => (m.body.template_card as { task_id?: string } | undefined)?.task_id === card.task_id)) {
          return answer({ errcode: 40058, errmsg: 'task_id exists' });
        }
      }
      const interactive = msgtype === 'template_card' && ['button_interaction', 'vote_interaction', 'multiple_interaction'].includes(card?.card_type ?? '');
      const responseCode = interactive ? `rc-${++this.seq}-${randomBytes(6).toString('hex')}` : undefined;
      const touser = String(body.touser);
      if (responseCode) this.codes.set(responseCode, { issuedAt: this.now(), used: false, touser });
      this.sent.push({ at: this.now(), touser, msgtype, body, responseCode });
      return answer({ errcode: 0, errmsg: 'ok', invaliduser: '', msgid: `msg-${this.seq}`, ...(responseCode ? { response_code: responseCode } : {}) });
    }
    if (url.pathname === '/cgi-bin/agent/get') {
      // The app's details (doc 90227); SDKs ask for them when they connect.
      if (Number(url.searchParams.get('agentid')) !== this.opts.agentId) return answer({ errcode: 40056, errmsg: 'invalid agentid' });
      const v = this.agentVisibility;
      return answer({
        errcode: 0,
        errmsg: 'ok',
        agentid: this.opts.agentId,
        name: 'contract-bot',
        square_logo_url: '',
        description: '',
        allow_userinfos: { user: v.users.map((userid) => ({ userid })) },
        allow_partys: { partyid: v.parties },
        allow_tags: { tagid: [] },
        close: v.closed ? 1 : 0,
      });
    }
    if (url.pathname.startsWith('/cgi-bin/department/') || url.pathname.startsWith('/cgi-bin/user/')) {
      this.directoryCalls.push(url.pathname);
      return answer(this.directoryApi(url, body));
    }
    if (url.pathname === '/cgi-bin/message/update_template_card') {
      const code = this.codes.get(String(body.response_code));
      if (!code || code.used || this.now() - code.issuedAt > 72 * 3600_000) return answer({ errcode: 40029, errmsg: 'invalid response_code' });
      code.used = true;
      this.updates.push({ responseCode: String(body.response_code), userids: body.userids as string[], body });
      return answer({ errcode: 0, errmsg: 'ok' });
    }
    res.writeHead(404).end();
  }

  /** department/simplelist, user/list_id (cursor pages), user/get, as documented (96067, 95350, 90196). */
  private directoryApi(url: URL, body: Record<string, unknown>): Record<string, unknown> {
    const { departments, users, pageSize } = this.directory;
    if (url.pathname === '/cgi-bin/department/simplelist') {
      const root = Number(url.searchParams.get('id') ?? 1);
      if (!departments.some((d) => d.id === root)) return { errcode: 60123, errmsg: 'invalid party id' };
      const subtree = [root];
      for (let i = 0; i < subtree.length; i++) for (const d of departments) if (d.parentid === subtree[i]) subtree.push(d.id);
      return { errcode: 0, errmsg: 'ok', department_id: subtree.map((id) => ({ id, parentid: departments.find((d) => d.id === id)!.parentid, order: 0 })) };
    }
    if (url.pathname === '/cgi-bin/user/list_id') {
      const rows = users.flatMap((u) => u.department.map((department) => ({ userid: u.userid, department })));
      const start = Number(body.cursor ? Buffer.from(String(body.cursor), 'base64url').toString() : 0);
      const limit = Math.min(Number(body.limit ?? 10000), pageSize);
      const end = start + limit;
      return { errcode: 0, errmsg: 'ok', next_cursor: end < rows.length ? Buffer.from(String(end)).toString('base64url') : '', dept_user: rows.slice(start, end) };
    }
    if (url.pathname === '/cgi-bin/user/get') {
      const user = users.find((u) => u.userid === url.searchParams.get('userid'));
      if (!user) return { errcode: 60111, errmsg: 'userid not found' };
      return { errcode: 0, errmsg: 'ok', status: 1, direct_leader: [], ...user, main_department: user.department[0] };
    }
    return { errcode: 404, errmsg: 'no such API in the fake' };
  }

  /** Keeps an uploaded file (multipart field `media`, with a file name) and answers with its media_id. */
  private async store(raw: Buffer, contentType: string, type: string, via: 'app' | 'robot'): Promise<Record<string, unknown>> {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const media = form.get('media');
    if (!(media instanceof Blob) || !('name' in media) || !media.name) return { errcode: 41005, errmsg: 'media data missing' };
    const bytes = Buffer.from(await media.arrayBuffer());
    if (type === 'image' && (bytes.length > 2 * 1024 * 1024 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE))) return { errcode: 40009, errmsg: 'invalid image size or type' };
    if (bytes.length < 5 || bytes.length > 20 * 1024 * 1024) return { errcode: 40006, errmsg: 'invalid file size' };
    const mediaId = `media-${++this.seq}-${randomBytes(6).toString('hex')}`;
    this.media.set(mediaId, { type, fileName: String(media.name), contentType: media.type, bytes, via });
    return { errcode: 0, errmsg: 'ok', type, media_id: mediaId, created_at: String(Math.floor(this.now() / 1000)) };
  }

  /** Image and file messages: the media must have been uploaded (robot images: base64 whose md5 matches). */
  private checkMediaMessage(body: Record<string, unknown>): Record<string, unknown> | null {
    if (body.msgtype === 'file' || (body.msgtype === 'image' && (body.image as { media_id?: unknown })?.media_id !== undefined)) {
      const id = String((body[String(body.msgtype)] as { media_id?: unknown } | undefined)?.media_id ?? '');
      return this.media.has(id) ? null : { errcode: 40007, errmsg: 'invalid media_id' };
    }
    if (body.msgtype === 'image') {
      const image = body.image as { base64?: unknown; md5?: unknown } | undefined;
      if (typeof image?.base64 !== 'string' || typeof image.md5 !== 'string') return { errcode: 40008, errmsg: 'invalid message type' };
      const bytes = Buffer.from(image.base64, 'base64');
      if (bytes.length > 2 * 1024 * 1024) return { errcode: 40009, errmsg: 'invalid image size' };
      if (createHash('md5').update(bytes).digest('hex') !== image.md5) return { errcode: 301019, errmsg: 'media md5 not match' };
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------
  // Callbacks to the bot

  private nextMsgId(): string {
    this.msgIdSeq += 1n;
    return this.msgIdSeq.toString();
  }

  /** Encrypts and signs a plaintext message as WeCom would; returns the query and the XML body. */
  envelope(plaintext: string): { query: URLSearchParams; body: string } {
    const encrypted = encryptMessage(this.opts.encodingAesKey, plaintext, this.opts.corpId);
    const timestamp = String(Math.floor(this.now() / 1000));
    const nonce = String(100000 + (++this.seq % 900000));
    const query = new URLSearchParams({ msg_signature: signatureOf(this.opts.token, timestamp, nonce, encrypted), timestamp, nonce });
    const body = buildWecomXml({ ToUserName: this.opts.corpId, AgentID: String(this.opts.agentId), Encrypt: encrypted });
    return { query, body };
  }

  /** POSTs like WeCom: up to 3 attempts, each failing on a non-200 or no answer within 5 s. */
  async deliver(plaintext: string, timeoutMs = 5000): Promise<number | 'timeout'> {
    const { query, body } = this.envelope(plaintext); // a retry carries the same message
    let last: number | 'timeout' = 'timeout';
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const response = await fetch(`${this.callbackUrl}?${query}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' }, signal: AbortSignal.timeout(timeoutMs) });
        last = response.status;
        await response.text();
      } catch {
        last = 'timeout';
      }
      this.callbackAttempts.push({ status: last });
      if (last === 200) return last;
    }
    return last;
  }

  textXml(from: string, content: string, msgId = this.nextMsgId()): string {
    return buildWecomXml({
      ToUserName: this.opts.corpId,
      FromUserName: from,
      CreateTime: Math.floor(this.now() / 1000),
      MsgType: 'text',
      Content: content,
      MsgId: msgId,
      AgentID: this.opts.agentId,
    });
  }

  /** The XML of a click on a template card button. */
  clickXml(from: string, taskId: string, eventKey: string): string {
    return buildWecomXml({
      ToUserName: this.opts.corpId,
      FromUserName: from,
      CreateTime: Math.floor(this.now() / 1000),
      MsgType: 'event',
      Event: 'template_card_event',
      EventKey: eventKey,
      TaskId: taskId,
      CardType: 'button_interaction',
      ResponseCode: `rc-click-${++this.seq}`,
      AgentID: this.opts.agentId,
    });
  }

  sendText(from: string, content: string): Promise<number | 'timeout'> {
    return this.deliver(this.textXml(from, content));
  }

  /** Clicks the button labelled `label` on the latest card sent to `user`. */
  clickButton(user: string, label: string): Promise<number | 'timeout'> {
    const card = this.latestCard(user);
    const button = (card.button_list as { text: string; key: string }[]).find((b) => b.text === label);
    if (!button) throw new Error(`no ${label} button on ${String(card.task_id)}`);
    return this.deliver(this.clickXml(user, String(card.task_id), button.key));
  }

  latestCard(user: string): Record<string, unknown> {
    const m = [...this.sent].reverse().find((s) => s.touser === user && s.msgtype === 'template_card');
    if (!m) throw new Error(`no template card sent to ${user}`);
    return m.body.template_card as Record<string, unknown>;
  }

  /** URL verification as WeCom does it: the echostr percent-encoded with encodeURIComponent. */
  async verifyUrl(echo = `${Date.now()}${this.seq}`): Promise<{ status: number; body: string; echo: string }> {
    const encrypted = encryptMessage(this.opts.encodingAesKey, echo, this.opts.corpId);
    const timestamp = String(Math.floor(this.now() / 1000));
    const nonce = '263014780';
    const signature = signatureOf(this.opts.token, timestamp, nonce, encrypted);
    const response = await fetch(
      `${this.callbackUrl}?msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&echostr=${encodeURIComponent(encrypted)}`,
    );
    return { status: response.status, body: await response.text(), echo };
  }

  /** Texts sent to a user, in order. */
  textsTo(user: string): string[] {
    return this.sent
      .filter((m) => m.touser === user)
      .map((m) =>
        m.msgtype === 'text'
          ? String((m.body.text as { content: string }).content)
          : m.msgtype === 'markdown'
            ? String((m.body.markdown as { content: string }).content)
            : `[card] ${JSON.stringify(m.body.template_card)}`,
      );
  }
}
