// DingTalk Stream mode with the official SDK's DWClient, supervised (platforms.md §A1.8, §A1.9):
// - the gateway URL is configurable (2.1.5 hard-codes it) and each client has its own subscriptions
//   array (2.1.5 shares one between instances);
// - reconnection is ours: the SDK's own (autoReconnect) has two paths that can both fire and leak
//   sockets, and it waits for the server to close after a `disconnect` frame, during which pushes
//   stop. We reconnect with a new ticket as soon as `disconnect` arrives, or when a socket drops.

import { DWClient, type DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from '../logger';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';
export const DEFAULT_GATEWAY_URL = 'https://api.dingtalk.com/v1.0/gateway/connections/open';

interface SdkInternals {
  socket?: { on(event: 'close', fn: () => void): void; close(): void; readyState: number };
  dw_url?: string;
}

export interface StreamClientOptions {
  clientId: string;
  clientSecret: string;
  gatewayUrl?: string;
  reconnectDelayMs?: number;
  log: Logger;
}

export class DingtalkStreamClient extends DWClient {
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly gatewayUrl: string;
  private readonly reconnectDelayMs: number;
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
    this.log = options.log;
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
    void this.open();
    await this.firstOpen;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.getEndpoint();
      await this._connect();
      const socket = this.internals.socket!;
      socket.on('close', () => {
        // Only the current socket matters: an old one closing after a `disconnect` is expected.
        if (!this.stopped && this.internals.socket === socket) this.scheduleReconnect('socket closed');
      });
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
      void this.open();
    }, this.reconnectDelayMs);
  }

  override onSystem(frame: DWClientDownStream): void {
    super.onSystem(frame);
    if (frame.headers.topic === 'disconnect' && !this.stopped) {
      // The server stops pushing on this socket now and closes it in ~10 s: open the next one at once.
      const old = this.internals.socket;
      void this.open().then(() => old?.close());
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.disconnect();
  }
}
