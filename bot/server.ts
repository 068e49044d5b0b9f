// The HTTP server: health check now; the platform callback routes are added by their adapters.

import Router from '@koa/router';
import Koa from 'koa';
import type { DataSource } from 'typeorm';
import { pingDatabase } from '../storage/data-source';
import type { Logger } from './logger';

export interface ServerDeps {
  dataSource: DataSource;
  log: Logger;
  /** Adds platform routes (WeCom callback, DingTalk HTTP mode) to the router. */
  routes?: ((router: Router) => void)[];
}

/** Builds the Koa app. It does not listen: main.ts (or a test) does. */
export function createServer(deps: ServerDeps): Koa {
  const app = new Koa();
  const router = new Router();

  router.get('/healthz', async (ctx) => {
    const ok = await pingDatabase(deps.dataSource);
    ctx.status = ok ? 200 : 503;
    ctx.body = ok ? { status: 'ok' } : { status: 'unavailable', reason: 'database does not answer' };
  });
  for (const add of deps.routes ?? []) add(router);

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      deps.log.error('request failed', { path: ctx.path, error: String(error) });
      ctx.status = 500;
      ctx.body = { status: 'error' };
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
