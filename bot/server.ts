// The HTTP server: health check now; the platform callback routes are added by their adapters.

import http, { type Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import type { DataSource } from 'typeorm';
import { pingDatabase } from '../storage/data-source';
import type { Logger } from './logger';
import { clientIp } from './raw-body';

export interface ServerDeps {
  dataSource: DataSource;
  log: Logger;
  /** Adds platform routes (WeCom callback, DingTalk HTTP mode) to the router. */
  routes?: ((router: Router) => void)[];
  /** Graceful stop: once closed, new requests are answered 503 (main.ts). */
  gate?: RequestGate;
}

/**
 * Counts the requests in flight and, once closed, answers new ones 503 (a platform retries the
 * callback later, to whichever instance is up) while the server still listens; requests already
 * in flight finish, and their connection closes.
 */
export class RequestGate {
  private closed = false;
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves once no request that got through is still being handled. */
  drained(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  middleware(): Koa.Middleware {
    return async (ctx, next) => {
      if (this.closed) {
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.set('Connection', 'close');
        ctx.body = { status: 'stopping' };
        return;
      }
      this.inFlight++;
      try {
        await next();
      } finally {
        if (this.closed) ctx.set('Connection', 'close');
        if (--this.inFlight === 0) for (const resolve of this.waiters.splice(0)) resolve();
      }
    };
  }
}

/** Builds the Koa app. It does not listen: `listen` (main.ts) or a test does. */
export function createServer(deps: ServerDeps): Koa {
  const app = new Koa();
  const router = new Router();

  router.get('/healthz', async (ctx) => {
    const ok = await pingDatabase(deps.dataSource);
    ctx.status = ok ? 200 : 503;
    ctx.body = ok ? { status: 'ok' } : { status: 'unavailable', reason: 'database does not answer' };
  });
  for (const add of deps.routes ?? []) add(router);

  if (deps.gate) app.use(deps.gate.middleware());
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      // A client error raised by Koa or the router (a bad URL encoding, ctx.throw(4xx)): the
      // client's fault, not ours; anything else is a real internal fault.
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        deps.log.warn('request refused', { path: ctx.path, status, ip: clientIp(ctx) });
        ctx.status = status;
        ctx.body = '';
        return;
      }
      deps.log.error('request failed', { path: ctx.path, error: String(error) });
      ctx.status = 500;
      ctx.body = { status: 'error' };
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  // Errors Koa catches outside the middleware (writing to a socket the client closed): the client
  // went away, which is not a fault; anything else is logged.
  app.on('error', (error: Error & { code?: string }) => {
    const clientGone = ['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED'].includes(error.code ?? '');
    (clientGone ? deps.log.debug : deps.log.warn)('http error', { code: error.code, error: String(error) });
  });
  return app;
}

/**
 * Limits for slow or idle clients (slowloris): a client gets `headersTimeoutMs` to send its headers
 * and `requestTimeoutMs` for the whole request (Node answers 408 and closes), an idle keep-alive
 * connection is closed after `keepAliveTimeoutMs`, and a socket silent for `socketTimeoutMs` is
 * dropped. Node checks the first two every `checkIntervalMs`.
 */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  socketTimeoutMs: number;
  checkIntervalMs: number;
  maxHeadersCount: number;
}

// A platform callback is a few KB sent at once, and WeCom gives up after 5 s: these are generous.
export const SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  socketTimeoutMs: 60_000,
  checkIntervalMs: 1_000,
  maxHeadersCount: 64,
};

/** Serves the app on `port` (and `host`) with the limits above; resolves once listening. */
export function listen(app: Koa, port: number, host?: string, limits: ServerLimits = SERVER_LIMITS): Promise<Server> {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    app.callback(),
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxHeadersCount = limits.maxHeadersCount;
  server.setTimeout(limits.socketTimeoutMs); // the default handler destroys the silent socket
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
