// A fake DingTalk on 127.0.0.1 that speaks the real wire formats (platforms.md Part A, Part C):
// the Stream gateway (single-use tickets, 401 for bad credentials), the WebSocket endpoint pushing
// frames with `data` as a JSON string, SYSTEM ping/disconnect, redelivery of unacknowledged frames,
// the OpenAPI endpoints (token, robot OTO/group send, cards), session webhooks that expire, and the
// signed group robot webhook with its 20/min limit. Everything is recorded for assertions.

import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeDingtalkOptions {
  clientId: string;
  clientSecret: string;
  /** Group robot access tokens and their 加签 secrets. */
  robots?: Record<string, string>;
  /** Resend a pushed frame that has not been acknowledged after this long (ms); 0 = never. */
  redeliverAfterMs?: number;
  now?: () => number;
}

interface Frame {
  specVersion: string;
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

/** A member of the fake's directory (doc: 查询用户详情). */
export interface FakeDingtalkUser {
  userid: string;
  name: string;
  mobile?: string;
  dept_id_list: number[];
  manager_userid?: string;
}

export interface Ack {
  code: number;
  headers: Record<string, string>;
  message: string;
  data: string;
}

/** A burst of robot messages pushed with a bounded number unacknowledged (see `blast`). */
export interface BlastOptions {
  /** Staff ids the messages come from, in turn. */
  senders: string[];
  count: number;
  text: string;
  /** Most frames pushed and not yet acknowledged; a new one goes out as each ack comes in. */
  window: number;
  /**
   * Push at this steady rate instead (as DingTalk does, without waiting for acks), still never more
   * than `window` unacknowledged: the ack latency at a given load rather than at saturation.
   */
  ratePerSecond?: number;
  /** Prefix of every frame's messageId, which is also its msgId. */
  idPrefix?: string;
  /** Give up (resolve with what was acknowledged) after this long. */
  timeoutMs?: number;
}

export interface BlastResult {
  /** The messageIds acknowledged, in ack order (each is also the message's msgId). */
  acked: string[];
  /** Frame pushed → its ack read, per acknowledged frame (ms). */
  latenciesMs: Float64Array;
  /** First push to last ack (ms). */
  elapsedMs: number;
  timedOut: boolean;
}

interface BlastState {
  sentAt: Map<string, number>;
  onAck(id: string): void;
}

export class FakeDingtalk {
  readonly gatewayRequests: { clientId: string; subscriptions: { type: string; topic: string }[] }[] = [];
  readonly acks = new Map<string, Ack[]>();
  readonly deliveries: { messageId: string; connection: number }[] = [];
  readonly oto: Record<string, unknown>[] = [];
  readonly groupSends: Record<string, unknown>[] = [];
  readonly cardsCreated: Record<string, unknown>[] = [];
  readonly cardUpdates: Record<string, unknown>[] = [];
  readonly sessionPosts: { session: string; body: Record<string, unknown>; accepted: boolean }[] = [];
  readonly robotPosts: { token: string; body: Record<string, unknown>; errcode: number }[] = [];
  tokenRequests = 0;
  baseUrl = '';
  /** The directory on the legacy API (topapi): departments (dept_id, parent_id) and members. */
  readonly directory = { departments: [{ dept_id: 1, parent_id: 0, name: '公司' }] as { dept_id: number; parent_id: number; name: string }[], users: [] as FakeDingtalkUser[] };
  /** errcodes the legacy API answers instead of success, per path, consumed one by one. */
  readonly oapiFailures = new Map<string, number[]>();
  readonly directoryCalls: string[] = [];
  /** How long the gateway takes to answer (a slow network). */
  gatewayDelayMs = 0;
  /** How long the session webhooks of new messages really work (the payload always says 90 min). */
  sessionTtlMs = 90 * 60_000;
  /** When set, the session webhook answers 307 to this URL (a compromised or misbehaving endpoint). */
  sessionRedirect?: string;

  private server!: http.Server;
  private wss!: WebSocketServer;
  private tickets = new Map<string, number>(); // ticket → expiry
  private sockets: { ws: WebSocket; id: number; open: boolean }[] = [];
  private socketSeq = 0;
  private pending = new Map<string, { frame: Frame; timer?: NodeJS.Timeout }>();
  private sent = new Map<string, Frame>();
  private tokens = new Map<string, number>();
  private sessions = new Map<string, number>(); // session → expiry
  private robotTimes = new Map<string, number[]>();
  private seq = 0;
  private blastState: BlastState | null = null;

  constructor(private readonly opts: FakeDingtalkOptions) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  get gatewayUrl(): string {
    return `${this.baseUrl}/v1.0/gateway/connections/open`;
  }

  robotWebhook(token: string): string {
    return `${this.baseUrl}/robot/send?access_token=${token}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.route(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const ticket = url.searchParams.get('ticket') ?? '';
      const expiry = this.tickets.get(ticket);
      if (url.pathname !== '/connect' || expiry === undefined || expiry < this.now()) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      this.tickets.delete(ticket); // single use
      this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const s of this.sockets) s.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // -------------------------------------------------------------------------------------------
  // Stream

  private attach(ws: WebSocket): void {
    const entry = { ws, id: ++this.socketSeq, open: true };
    this.sockets.push(entry);
    ws.on('message', (raw) => {
      const ack = JSON.parse(String(raw)) as Ack;
      const id = ack.headers?.messageId;
      if (!id) return;
      if (this.blastState?.sentAt.has(id)) return this.blastState.onAck(id); // not recorded: a blast may be 100,000 frames
      this.acks.set(id, [...(this.acks.get(id) ?? []), ack]);
      const p = this.pending.get(id);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(id);
      }
    });
    ws.on('close', () => (entry.open = false));
    // Frames nobody acknowledged go out again on the new connection.
    for (const [id, p] of this.pending) if (p.frame.type !== 'SYSTEM') this.transmit(p.frame, id);
  }

  /** Connections open at the WebSocket level, whether or not they still get pushes. */
  get openSockets(): number {
    return this.sockets.filter((s) => s.ws.readyState === s.ws.OPEN).length;
  }

  /** The network stops carrying anything without closing: nothing is read, so pings go unanswered. */
  freezeConnections(): void {
    for (const s of this.sockets.filter((x) => x.open)) {
      s.open = false;
      (s.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    }
  }

  /** Live connections that still get pushes (a connection told to disconnect gets none). */
  get liveConnections(): number {
    return this.sockets.filter((s) => s.open).length;
  }

  private transmit(frame: Frame, messageId: string): void {
    const target = [...this.sockets].reverse().find((s) => s.open && s.ws.readyState === s.ws.OPEN);
    if (!target) return; // delivered when a client connects
    target.ws.send(JSON.stringify(frame));
    this.deliveries.push({ messageId, connection: target.id });
    const p = this.pending.get(messageId);
    if (p && this.opts.redeliverAfterMs) {
      clearTimeout(p.timer);
      p.timer = setTimeout(() => this.pending.has(messageId) && this.transmit(frame, messageId), this.opts.redeliverAfterMs);
    }
  }

  private push(type: Frame['type'], topic: string, data: unknown, messageId = `msg_${++this.seq}_${randomUUID().slice(0, 8)}`): string {
    const frame: Frame = {
      specVersion: '1.0',
      type,
      headers: { appId: 'app-1', connectionId: 'conn-1', contentType: 'application/json', messageId, time: String(this.now()), topic },
      data: JSON.stringify(data), // always a JSON string
    };
    this.pending.set(messageId, { frame });
    this.sent.set(messageId, frame);
    this.transmit(frame, messageId);
    return messageId;
  }

  /** A robot message (topic /v1.0/im/bot/messages/get); returns the frame's messageId. */
  pushRobotMessage(p: { staffId: string; text: string; group?: string; msgId?: string; nick?: string }): { messageId: string; msgId: string; session: string } {
    const { payload, msgId, session } = this.robotMessage(p);
    return { messageId: this.push('CALLBACK', '/v1.0/im/bot/messages/get', payload), msgId, session };
  }

  /**
   * HTTP mode (platforms.md §A4.5): the body and the headers DingTalk would POST to the bot's
   * callback URL, signed with the current timestamp (ms) of this fake's clock.
   */
  httpRequest(payload: unknown): { headers: Record<string, string>; body: string } {
    const timestamp = String(this.now());
    const sign = createHmac('sha256', this.opts.clientSecret).update(`${timestamp}\n${this.opts.clientSecret}`).digest('base64');
    return { headers: { 'content-type': 'application/json; charset=utf-8', timestamp, sign }, body: JSON.stringify(payload) };
  }

  /** A robot message's payload, as pushed in Stream mode or POSTed in HTTP mode; its session webhook works. */
  robotMessage(p: { staffId: string; text: string; group?: string; msgId?: string; nick?: string }): { payload: Record<string, unknown>; msgId: string; session: string } {
    const msgId = p.msgId ?? `msgid_${++this.seq}`;
    const session = `session_${++this.seq}`;
    const createAt = this.now();
    this.sessions.set(session, createAt + this.sessionTtlMs);
    const payload = {
      conversationId: p.group ?? `cid_single_${p.staffId}`,
      conversationType: p.group ? '2' : '1',
      ...(p.group ? { conversationTitle: '销售群', isInAtList: true } : {}),
      chatbotCorpId: 'ding-corp',
      chatbotUserId: '$:LWCP_v1:$bot',
      msgId,
      senderNick: p.nick ?? p.staffId,
      isAdmin: false,
      senderStaffId: p.staffId,
      sessionWebhookExpiredTime: createAt + 90 * 60_000,
      createAt,
      senderCorpId: 'ding-corp',
      senderId: `$:LWCP_v1:$${p.staffId}`,
      sessionWebhook: `${this.baseUrl}/robot/sendBySession?session=${session}`,
      robotCode: this.opts.clientId,
      msgtype: 'text',
      text: { content: p.group ? ` ${p.text}` : p.text }, // the @mention is stripped, leaving a space
    };
    return { payload, msgId, session };
  }

  /**
   * Pushes `count` text messages as fast as they are acknowledged, at most `window` unacknowledged,
   * on the newest live connection; no redelivery. The frames are serialised before the clock starts,
   * so what is timed is the client, not this fake. Acks are not recorded in `acks`.
   */
  async blast(o: BlastOptions): Promise<BlastResult> {
    const target = [...this.sockets].reverse().find((s) => s.open && s.ws.readyState === s.ws.OPEN);
    if (!target) throw new Error('blast: no live connection');
    const prefix = o.idPrefix ?? `blast-${++this.seq}`;
    const ids: string[] = [];
    const frames: string[] = [];
    for (let i = 0; i < o.count; i++) {
      const id = `${prefix}-${i}`;
      const { payload } = this.robotMessage({ staffId: o.senders[i % o.senders.length]!, text: o.text, msgId: id });
      const headers = { appId: 'app-1', connectionId: 'conn-1', contentType: 'application/json', messageId: id, time: String(this.now()), topic: '/v1.0/im/bot/messages/get' };
      ids.push(id);
      frames.push(JSON.stringify({ specVersion: '1.0', type: 'CALLBACK', headers, data: JSON.stringify(payload) }));
    }
    const sentAt = new Map<string, number>();
    const acked: string[] = [];
    const latencies = new Float64Array(o.count);
    const socket = (target.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    let next = 0;
    let corked = false;
    const started = performance.now();
    return new Promise<BlastResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (timedOut: boolean) => {
        clearTimeout(timer);
        this.blastState = null;
        resolve({ acked, latenciesMs: latencies.subarray(0, acked.length), elapsedMs: performance.now() - started, timedOut });
      };
      // Frames pushed in one turn leave in one write, as from a real server under load.
      const send = () => {
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(() => {
            corked = false;
            socket.uncork();
          });
        }
        const id = ids[next]!;
        sentAt.set(id, performance.now());
        target.ws.send(frames[next]!);
        next++;
      };
      this.blastState = {
        sentAt,
        onAck: (id) => {
          const at = sentAt.get(id);
          if (at === undefined || at < 0) return; // a second ack of the same frame
          latencies[acked.length] = performance.now() - at;
          sentAt.set(id, -1);
          acked.push(id);
          if (acked.length === o.count) finish(false);
          else if (next < o.count && !o.ratePerSecond) send();
        },
      };
      timer = setTimeout(() => finish(true), o.timeoutMs ?? 120_000);
      if (o.count === 0) return finish(false);
      if (!o.ratePerSecond) {
        while (next < Math.min(o.window, o.count)) send();
        return;
      }
      const rate = o.ratePerSecond;
      const paced = () => {
        if (!this.blastState) return;
        const due = Math.min(o.count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
        while (next < due && next - acked.length < o.window) send();
        if (next < o.count) setTimeout(paced, 1);
      };
      paced();
    });
  }

  /** A card button click (topic /v1.0/card/instances/callback). */
  pushCardClick(p: { staffId: string; outTrackId: string; params: Record<string, string> }): string {
    return this.push('CALLBACK', '/v1.0/card/instances/callback', this.cardClick(p));
  }

  /** A card button click's payload, as pushed in Stream mode or POSTed in HTTP mode. */
  cardClick(p: { staffId: string; outTrackId: string; params: Record<string, string> }): Record<string, unknown> {
    return {
      type: 'actionCallback',
      outTrackId: p.outTrackId,
      corpId: 'ding-corp',
      userId: p.staffId,
      userIdType: 1,
      spaceType: 'IM_ROBOT',
      spaceId: p.staffId,
      content: JSON.stringify({ cardPrivateData: { actionIds: ['action'], params: p.params } }),
    };
  }

  /** Sends a frame again as DingTalk does when it believes the ack was lost. */
  redeliver(messageId: string): void {
    const frame = this.sent.get(messageId);
    if (!frame) throw new Error(`no frame ${messageId}`);
    this.pending.set(messageId, { frame });
    this.transmit(frame, messageId);
  }

  ping(opaque: string): string {
    return this.push('SYSTEM', 'ping', { opaque });
  }

  /** SYSTEM disconnect: no more pushes on the current connections, closed after `closeAfterMs`. */
  disconnect(closeAfterMs = 100): void {
    const current = this.sockets.filter((s) => s.open);
    for (const s of current) {
      s.ws.send(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM', headers: { contentType: 'application/json', messageId: `sys_${++this.seq}`, time: String(this.now()), topic: 'disconnect' }, data: JSON.stringify({ reason: 'persistent connection is timeout' }) }));
      s.open = false;
      setTimeout(() => s.ws.close(), closeAfterMs);
    }
  }

  /** The network drops: sockets die without a word. */
  dropConnections(): void {
    for (const s of this.sockets.filter((x) => x.open)) {
      s.open = false;
      s.ws.terminate();
    }
  }

  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  // -------------------------------------------------------------------------------------------
  // HTTP: gateway, OpenAPI, session and robot webhooks

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return this.json(res, 400, { code: 'InvalidParameter', message: 'body is not JSON' });
    }
    const key = `${req.method} ${url.pathname}`;

    if (key === 'POST /v1.0/gateway/connections/open') {
      if (body.clientId !== this.opts.clientId || body.clientSecret !== this.opts.clientSecret) {
        return this.json(res, 401, { requestid: randomUUID(), code: 'authFailed', message: '鉴权失败' });
      }
      this.gatewayRequests.push({ clientId: String(body.clientId), subscriptions: body.subscriptions as never });
      if (this.gatewayDelayMs) await new Promise((r) => setTimeout(r, this.gatewayDelayMs));
      const ticket = randomUUID();
      this.tickets.set(ticket, this.now() + 90_000);
      return this.json(res, 200, { endpoint: `${this.baseUrl.replace('http', 'ws')}/connect`, ticket });
    }
    if (key === 'POST /v1.0/oauth2/accessToken') {
      this.tokenRequests++;
      if (body.appKey !== this.opts.clientId || body.appSecret !== this.opts.clientSecret) {
        return this.json(res, 400, { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' });
      }
      const token = `dt-token-${++this.seq}`;
      this.tokens.set(token, this.now() + 7200_000);
      return this.json(res, 200, { accessToken: token, expireIn: 7200 });
    }
    if (key === 'POST /robot/sendBySession') {
      if (this.sessionRedirect) {
        res.writeHead(307, { location: this.sessionRedirect }).end();
        return;
      }
      const session = url.searchParams.get('session') ?? '';
      const expiry = this.sessions.get(session);
      const accepted = expiry !== undefined && expiry > this.now();
      this.sessionPosts.push({ session, body, accepted });
      return accepted ? this.json(res, 200, { errcode: 0, errmsg: 'ok' }) : this.json(res, 200, { errcode: 300001, errmsg: 'session is expired' });
    }
    if (key === 'POST /robot/send') return this.robotSend(url, body, res);
    if (key.startsWith('POST /topapi/')) return this.json(res, 200, this.topapi(url, body));
    // Asked by other clients at start-up (the Koishi adapter's getLogin): an empty app list.
    if (key === 'POST /microapp/list') return this.json(res, 200, { errcode: 0, errmsg: 'ok', appList: [] });

    // Everything else needs the new-style token in the header.
    const token = String(req.headers['x-acs-dingtalk-access-token'] ?? '');
    const expiry = this.tokens.get(token);
    if (expiry === undefined || expiry <= this.now()) {
      return this.json(res, 400, { code: 'InvalidAuthentication', requestid: randomUUID(), message: '不合法的access_token' });
    }
    if (key === 'POST /v1.0/robot/oToMessages/batchSend' || key === 'POST /v1.0/robot/groupMessages/send') {
      if (typeof body.msgParam !== 'string' || !body.msgKey || body.robotCode !== this.opts.clientId) {
        return this.json(res, 400, { code: 'InvalidParameter', message: 'msgParam must be a JSON string' });
      }
      (key.includes('oTo') ? this.oto : this.groupSends).push(body);
      return this.json(res, 200, { processQueryKey: `pqk-${++this.seq}`, invalidStaffIdList: [], flowControlledStaffIdList: [] });
    }
    if (key === 'GET /v1.0/microApp/allInnerApps') return this.json(res, 200, { appList: [] });
    if (key === 'POST /v1.0/card/instances/createAndDeliver' || key === 'PUT /v1.0/card/instances') {
      const map = (body.cardData as { cardParamMap?: Record<string, unknown> } | undefined)?.cardParamMap ?? {};
      if (Object.values(map).some((v) => typeof v !== 'string')) {
        return this.json(res, 400, { code: 'InvalidParameter', message: 'cardParamMap values must be strings' });
      }
      if (key.startsWith('POST')) {
        if (!body.outTrackId || !body.cardTemplateId || !body.openSpaceId) return this.json(res, 400, { code: 'MissingParameter', message: 'outTrackId, cardTemplateId, openSpaceId' });
        this.cardsCreated.push(body);
        return this.json(res, 200, { success: true, result: { outTrackId: body.outTrackId, deliverResults: [{ spaceType: 'IM_ROBOT', spaceId: String(body.openSpaceId), carrierId: `c-${this.seq}` }] } });
      }
      if (!this.cardsCreated.some((c) => c.outTrackId === body.outTrackId)) return this.json(res, 400, { code: 'CardNotExist', message: 'card not found' });
      this.cardUpdates.push(body);
      return this.json(res, 200, { result: true, success: true });
    }
    res.writeHead(404).end();
  }

  failNextOapi(path: string, ...errcodes: number[]): void {
    this.oapiFailures.set(path, [...(this.oapiFailures.get(path) ?? []), ...errcodes]);
  }

  /** The legacy directory API: HTTP 200 with errcode; the token goes in `access_token`. */
  private topapi(url: URL, body: Record<string, unknown>): Record<string, unknown> {
    this.directoryCalls.push(url.pathname);
    const injected = this.oapiFailures.get(url.pathname)?.shift();
    if (injected !== undefined) return { errcode: injected, errmsg: `injected ${injected}`, request_id: randomUUID() };
    const expiry = this.tokens.get(url.searchParams.get('access_token') ?? '');
    if (expiry === undefined || expiry <= this.now()) return { errcode: 40014, errmsg: '不合法的access_token' };
    const { departments, users } = this.directory;
    const ok = (result: unknown) => ({ errcode: 0, errmsg: 'ok', result, request_id: randomUUID() });
    if (url.pathname === '/topapi/v2/department/listsub') {
      const id = Number(body.dept_id ?? 1);
      if (!departments.some((d) => d.dept_id === id)) return { errcode: 60003, errmsg: '部门不存在' };
      return ok(departments.filter((d) => d.parent_id === id).map((d) => ({ ...d, auto_add_user: true, create_dept_group: false })));
    }
    if (url.pathname === '/topapi/user/listid') {
      const id = Number(body.dept_id);
      return ok({ userid_list: users.filter((u) => u.dept_id_list.includes(id)).map((u) => u.userid) });
    }
    if (url.pathname === '/topapi/v2/user/get') {
      const user = users.find((u) => u.userid === body.userid);
      if (!user) return { errcode: 60121, errmsg: '找不到该用户' };
      return ok({ ...user, unionid: `union-${user.userid}`, active: true, state_code: '86' });
    }
    return { errcode: 404, errmsg: 'no such API in the fake' };
  }

  private robotSend(url: URL, body: Record<string, unknown>, res: http.ServerResponse): void {
    const token = url.searchParams.get('access_token') ?? '';
    const secret = this.opts.robots?.[token];
    const record = (errcode: number, errmsg: string) => {
      this.robotPosts.push({ token, body, errcode });
      this.json(res, 200, { errcode, errmsg });
    };
    if (secret === undefined) return record(300001, 'token is not exist');
    const timestamp = url.searchParams.get('timestamp') ?? '';
    const sign = url.searchParams.get('sign') ?? ''; // URLSearchParams has already percent-decoded it
    if (Math.abs(this.now() - Number(timestamp)) > 3600_000) return record(310000, 'invalid timestamp');
    const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
    if (sign !== expected) return record(310000, 'sign not match');
    const recent = (this.robotTimes.get(token) ?? []).filter((t) => t > this.now() - 60_000);
    if (recent.length >= 20) return record(130101, 'send too fast, exceed 20 times per minute');
    recent.push(this.now());
    this.robotTimes.set(token, recent);
    record(0, 'ok');
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
