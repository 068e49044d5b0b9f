// DingTalk Stream mode with the official SDK's DWClient, supervised (platforms.md §A1.8, §A1.9):
// - the gateway URL is configurable (2.1.5 hard-codes it) and each client has its own subscriptions
//   array (2.1.5 shares one between instances);
// - reconnection is ours: the SDK's own (autoReconnect) has two paths that can both fire and leak
//   sockets, and it waits for the server to close after a `disconnect` frame, during which pushes
//   stop. We reconnect with a new ticket as soon as `disconnect` arrives, or when a socket drops.
//   One connection attempt at a time (a `disconnect` and the old socket's close may both ask for
//   one), and a new socket closes the one it replaces: however often it reconnects, one socket is open.
// - liveness is ours too: the SDK's keepAlive starts a heartbeat timer per connection and never
//   clears the previous one. One timer per client pings the current socket; a socket that did not
//   answer the previous ping (a network that went silent without closing) is dropped and replaced.
// - acks are cheap: a robot message's ack (its data is ignored by the server) is one template string
//   instead of two JSON.stringify, and acks sent in one turn leave in one socket write.

import { DWClient, type DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from '../logger';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';
export const DEFAULT_GATEWAY_URL = 'https://api.dingtalk.com/v1.0/gateway/connections/open';

interface SdkSocket {
  on(event: 'close', fn: () => void): void;
  close(): void;
  terminate(): void;
  ping(): void;
  send(data: string): void;
  readyState: number;
  /** The ws library's TCP socket (absent once closed). */
  _socket?: { cork(): void; uncork(): void; destroyed: boolean };
}

interface SdkInternals {
  socket?: SdkSocket;
  dw_url?: string;
  /** Set by the SDK on every pong (and KEEPALIVE frame). */
  isAlive: boolean;
  /** Options of every new WebSocket. */
  sslopts: Record<string, unknown>;
}

const OPEN = 1;

export interface StreamClientOptions {
  clientId: string;
  clientSecret: string;
  gatewayUrl?: string;
  reconnectDelayMs?: number;
  /** How often the connection is pinged; one unanswered ping drops it. */
  pingIntervalMs?: number;
  log: Logger;
}

export class DingtalkStreamClient extends DWClient {
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | null = null;
  /** TCP sockets corked until the end of this turn (see sendCoalesced). */
  private readonly corked = new Set<object>();
  private readonly gatewayUrl: string;
  private readonly reconnectDelayMs: number;
  private readonly pingIntervalMs: number;
  private readonly log: Logger;
  /** Resolves once the first connection is open. */
  private firstOpen: Promise<void>;
  private markOpen!: () => void;

  constructor(options: StreamClientOptions) {
    super({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      keepAlive: false,
      // A fresh array per client, and no SDK reconnection: see the header comment.
      subscriptions: [{ type: 'EVENT', topic: '*' }],
      autoReconnect: false,
    } as ConstructorParameters<typeof DWClient>[0]);
    this.gatewayUrl = options.gatewayUrl ?? DEFAULT_GATEWAY_URL;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 1000;
    this.pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this.log = options.log;
    // A handshake that never completes must fail, or the reconnection would wait on it forever.
    this.internals.sslopts = { ...this.internals.sslopts, handshakeTimeout: 10_000 };
    this.firstOpen = new Promise((resolve) => (this.markOpen = resolve));
  }

  private get internals(): SdkInternals {
    return this as unknown as SdkInternals;
  }

  override async getEndpoint(): Promise<this> {
    const response = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        ua: 'contract-bot',
        subscriptions: this.config.subscriptions,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as { endpoint?: string; ticket?: string; message?: string };
    if (!response.ok) throw new Error(`DingTalk gateway: HTTP ${response.status} ${body.message ?? ''}`);
    if (!body.endpoint || !body.ticket) throw new Error('DingTalk gateway: no endpoint or ticket');
    this.internals.dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }

  /** Connects and stays connected until `stop()`. Resolves when the first connection is open. */
  async start(): Promise<void> {
    this.pingTimer ??= setInterval(() => this.checkAlive(), this.pingIntervalMs);
    this.pingTimer.unref();
    void this.open();
    await this.firstOpen;
  }

  /** One connection attempt at a time: callers during an attempt share it. */
  private open(): Promise<void> {
    this.opening ??= this.connectOnce().finally(() => (this.opening = null));
    return this.opening;
  }

  private async connectOnce(): Promise<void> {
    if (this.stopped) return;
    const previous = this.internals.socket;
    try {
      await this.getEndpoint();
      await this._connect();
      const socket = this.internals.socket!;
      if (this.stopped) return socket.close();
      this.internals.isAlive = true;
      socket.on('close', () => {
        // Only the current socket matters: an old one closing after a `disconnect` is expected.
        if (!this.stopped && this.internals.socket === socket) this.scheduleReconnect('socket closed');
      });
      // The socket this one replaces gets no more pushes (or is dead): close it, it is not current.
      if (previous && previous !== socket) previous.close();
      this.log.info('DingTalk stream connected');
      this.markOpen();
    } catch (error) {
      this.log.warn('DingTalk stream connect failed', { error: (error as Error).message });
      this.scheduleReconnect('connect failed');
    }
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped || this.retryTimer) return;
    this.log.info('DingTalk stream reconnecting', { reason, inMs: this.reconnectDelayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.internals.socket?.readyState === OPEN && !this.opening) return; // already replaced meanwhile
      void this.open();
    }, this.reconnectDelayMs);
  }

  /** Pings the current socket; drops it when the previous ping went unanswered (its close reconnects). */
  private checkAlive(): void {
    const socket = this.internals.socket;
    if (this.stopped || this.opening || !socket || socket.readyState !== OPEN) return;
    if (!this.internals.isAlive) {
      this.log.warn('DingTalk stream silent: reconnecting', { afterMs: this.pingIntervalMs });
      socket.terminate();
      return;
    }
    this.internals.isAlive = false;
    socket.ping();
  }

  override onSystem(frame: DWClientDownStream): void {
    super.onSystem(frame);
    // The server stops pushing on this socket now and closes it in ~10 s: open the next one at once
    // (it closes this one once it is open).
    if (frame.headers.topic === 'disconnect' && !this.stopped) void this.open();
  }

  /**
   * The SDK's ack (platforms.md §A1.4). A null result, every robot message's, needs no serialising
   * beyond the messageId; anything else goes through the SDK.
   */
  override socketCallBackResponse(messageId: string, result: unknown): void {
    if (result !== null) return super.socketCallBackResponse(messageId, result);
    if (!messageId) throw new Error('send: messageId must be defined');
    this.sendCoalesced(`{"code":200,"headers":{"contentType":"application/json","messageId":${JSON.stringify(messageId)}},"message":"OK","data":"{\\"response\\":null}"}`);
  }

  override send(messageId: string, value: unknown): void {
    if (!messageId) throw new Error('send: messageId must be defined');
    this.sendCoalesced(JSON.stringify({ code: 200, headers: { contentType: 'application/json', messageId }, message: 'OK', data: JSON.stringify(value) }));
  }

  /** Sends on the current socket; everything sent until the end of this turn goes out in one write. */
  private sendCoalesced(text: string): void {
    const socket = this.internals.socket;
    if (!socket) return;
    const tcp = socket._socket;
    if (tcp && !tcp.destroyed && socket.readyState === OPEN && !this.corked.has(tcp)) {
      this.corked.add(tcp);
      tcp.cork();
      process.nextTick(() => {
        this.corked.delete(tcp);
        tcp.uncork();
      });
    }
    socket.send(text);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.disconnect();
  }
}
