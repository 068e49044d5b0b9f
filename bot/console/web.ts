// The web console at /console: a page served by the bot's own Koa server, and the JSON endpoints it
// uses. What a person types or clicks becomes a NormalizedEvent for the same dispatcher the platforms
// use (inbox → use-cases → outbox); what the outbox delivers reaches the page through the
// WebConsoleNotifier. It can act as anyone, so it answers this machine only unless told otherwise.

import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseCardActionKey } from '../../cards/action-key';
import { ROLE_LABEL } from '../../handlers/domain/contract-state';
import type { Clock } from '../../handlers/ports';
import type { App } from '../app';
import type { ConsoleSettings } from '../config';
import { boundedText, type NormalizedEvent } from '../events';
import type { Logger } from '../logger';
import { isRefusal, readRawBody } from '../raw-body';
import type { SimulatedClock } from './clock';
import type { WebConsoleNotifier } from './web-notifier';

export const CONSOLE_PATH = '/console';
const MAX_BODY = 64 * 1024;
/** The longest clock move at once: two weeks. */
export const MAX_ADVANCE_MINUTES = 14 * 24 * 60;
/** Simulated time moves in steps of at most this, running the jobs at each step as cron would. */
const STEP_MINUTES = 30;

export interface WebConsoleDeps {
  app: App;
  notifier: WebConsoleNotifier;
  settings: ConsoleSettings;
  log: Logger;
  /** Simulated time and the scheduled jobs; absent outside console mode (the clock is refused). */
  time?: { clock: SimulatedClock; runJobs(): Promise<void> };
  /** Seeds the demo company; absent when seeding is not offered. */
  seedDemo?: () => Promise<string>;
  /** The group channels of the policy, each shown as a pane. */
  channels: string[];
  /** The bot's clock (simulated in console mode). */
  clock: Clock;
  /** The client's address (tests stand in for a remote client); default: the socket's peer. */
  clientAddress?: (ctx: Context) => string | undefined;
}

const LOOPBACK_ADDRESS = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

export const isLoopbackAddress = (address: string | undefined): boolean => !!address && LOOPBACK_ADDRESS.test(address);

/**
 * Why a request to the console is refused, or null. Unless remote use is allowed: the peer must be
 * this machine, the request must not come through a proxy (which would make anyone look local), and
 * the Host must be a loopback name (a web page cannot reach it through a rebinding DNS name). A POST
 * must be JSON from the page's own origin (another site's page cannot send it without CORS).
 */
export function consoleRefusal(ctx: Context, settings: ConsoleSettings, address: string | undefined): { status: number; reason: string } | null {
  if (!settings.allowRemote) {
    if (!isLoopbackAddress(address)) return { status: 403, reason: 'the console answers this machine only (CONSOLE_ALLOW_REMOTE=true to allow others)' };
    if (ctx.get('x-forwarded-for') || ctx.get('forwarded')) return { status: 403, reason: 'the console is not served through a proxy' };
    if (!LOOPBACK_HOST.test(ctx.get('host'))) return { status: 403, reason: 'open the console as http://localhost or http://127.0.0.1' };
  }
  if (ctx.method === 'POST') {
    if (!ctx.is('application/json')) return { status: 415, reason: 'expected application/json' };
    const origin = ctx.get('origin');
    if (origin && origin !== `${ctx.protocol}://${ctx.get('host')}`) return { status: 403, reason: 'cross-origin request refused' };
  }
  return null;
}

const ASSETS: Record<string, string> = {
  '': 'text/html; charset=utf-8',
  'console.js': 'application/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
const FILE_OF: Record<string, string> = { '': 'index.html', 'console.js': 'console.js', 'console.css': 'console.css' };

/** The page's folder: next to this file (sources), or the sources' from the build output (dist/). */
function assetDir(): string {
  const candidates = [path.join(__dirname, 'public'), path.join(__dirname, '../../../bot/console/public')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'index.html')));
  if (!found) throw new Error(`web console assets not found in ${candidates.join(' or ')}`);
  return found;
}

// The page runs only its own script and style: no inline code, nothing from elsewhere.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const sayBody = z.object({ as: z.string().min(1).max(100), text: z.string().min(1).max(8000) });
const clickBody = z.object({ as: z.string().min(1).max(100), key: z.string().min(1).max(200), extra: z.string().max(8000).optional() });
const clockBody = z.object({ minutes: z.number().int().min(1).max(MAX_ADVANCE_MINUTES) });

async function jsonBody<T>(ctx: Context, schema: z.ZodType<T>): Promise<T | undefined> {
  const raw = await readRawBody(ctx, MAX_BODY);
  if (isRefusal(raw)) {
    ctx.status = raw.refused;
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    ctx.status = 400;
    ctx.body = { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
    return undefined;
  }
  return parsed.data;
}

export function consoleRoutes(deps: WebConsoleDeps): (router: Router) => void {
  const { app, notifier, settings, log } = deps;
  const directory = app.deps.directory;
  const dir = assetDir();
  const assets = new Map(Object.entries(FILE_OF).map(([name, file]) => [name, fs.readFileSync(path.join(dir, file))]));
  const addressOf = deps.clientAddress ?? ((ctx: Context) => ctx.req.socket.remoteAddress);
  let seq = 0;

  const guard = async (ctx: Context, next: Next) => {
    const refusal = consoleRefusal(ctx, settings, addressOf(ctx));
    if (refusal) {
      log.warn('console request refused', { path: ctx.path, status: refusal.status, reason: refusal.reason });
      ctx.status = refusal.status;
      ctx.body = { error: refusal.reason };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  };

  const person = (ctx: Context, id: string) => {
    const found = directory.get(id);
    if (!found) {
      ctx.status = 400;
      ctx.body = { error: `as: no person with id ${JSON.stringify(id.slice(0, 100))}` };
    }
    return found;
  };

  const dispatch = async (event: NormalizedEvent) => {
    if (event.kind === 'card.action') await app.dispatcher.acceptAndProcess(event); // the platforms' click path
    else await app.dispatcher.handle(event);
    await app.outbox.deliverDue();
  };
  const base = (personId: string) => ({
    platform: 'console' as const,
    deliveryKey: `console:web:${process.pid}:${Date.now()}:${++seq}`,
    senderIdentity: `console:${personId}`,
    conversation: { id: `console:${personId}`, type: 'direct' as const },
  });

  return (router) => {
    const asset = (name: string) => async (ctx: Context) => {
      ctx.type = ASSETS[name]!;
      ctx.set('Content-Security-Policy', CSP);
      ctx.body = assets.get(name);
    };
    router.get(CONSOLE_PATH, guard, asset(''));
    router.get(`${CONSOLE_PATH}/console.js`, guard, asset('console.js'));
    router.get(`${CONSOLE_PATH}/console.css`, guard, asset('console.css'));

    router.get(`${CONSOLE_PATH}/api/state`, guard, async (ctx) => {
      ctx.body = {
        people: directory.people.map((p) => ({ id: p.id, name: p.name, roles: p.roles.map((r) => ROLE_LABEL[r] ?? r) })),
        channels: deps.channels,
        now: deps.clock.now().toISOString(),
        timezone: app.deps.policy.timezone,
        clock: !!deps.time,
        demo: !!deps.seedDemo,
      };
    });

    router.get(`${CONSOLE_PATH}/api/feed`, guard, async (ctx) => {
      const after = Number(ctx.query.after ?? 0);
      ctx.body = { now: deps.clock.now().toISOString(), entries: notifier.since(Number.isSafeInteger(after) ? after : 0) };
    });

    router.post(`${CONSOLE_PATH}/api/say`, guard, async (ctx) => {
      const body = await jsonBody(ctx, sayBody);
      const me = body && person(ctx, body.as);
      if (!body || !me) return;
      notifier.said(me.id, body.text);
      await dispatch({ ...base(me.id), kind: 'message.text', text: boundedText(body.text) });
      ctx.body = { ok: true };
    });

    router.post(`${CONSOLE_PATH}/api/click`, guard, async (ctx) => {
      const body = await jsonBody(ctx, clickBody);
      const me = body && person(ctx, body.as);
      if (!body || !me) return;
      const action = parseCardActionKey(body.key);
      if (!action) {
        ctx.status = 400;
        ctx.body = { error: 'key: not a card button key' };
        return;
      }
      const extra = body.extra?.trim() ? boundedText(body.extra) : undefined;
      notifier.said(me.id, `［点击卡片按钮］${CLICK_LABEL[action.type]} ${action.contractNo}${extra ? `：${extra}` : ''}`);
      await dispatch({ ...base(me.id), kind: 'card.action', action, ...(extra ? { extra } : {}) });
      ctx.body = { ok: true };
    });

    router.post(`${CONSOLE_PATH}/api/clock`, guard, async (ctx) => {
      if (!deps.time) {
        ctx.status = 403;
        ctx.body = { error: 'the clock moves only in console mode (no platform configured)' };
        return;
      }
      const body = await jsonBody(ctx, clockBody);
      if (!body) return;
      const { clock, runJobs } = deps.time;
      // In steps, running the jobs at each, as cron would have while the time passed.
      for (let left = body.minutes; left > 0; left -= STEP_MINUTES) {
        clock.advance(Math.min(left, STEP_MINUTES) * 60_000);
        await runJobs();
      }
      await app.outbox.deliverDue();
      log.info('console clock moved', { minutes: body.minutes, now: clock.now().toISOString() });
      ctx.body = { now: clock.now().toISOString() };
    });

    router.post(`${CONSOLE_PATH}/api/demo`, guard, async (ctx) => {
      if (!deps.seedDemo) {
        ctx.status = 404;
        return;
      }
      const summary = await deps.seedDemo();
      await app.outbox.deliverDue();
      ctx.body = { summary };
    });
  };
}

const CLICK_LABEL = { approve: '同意', reject: '驳回', transfer: '转交', submit: '提交审批', cancel: '取消' } as const;
