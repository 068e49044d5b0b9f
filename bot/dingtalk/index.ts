// Connects DingTalk to the bot core: Stream mode (default) or the HTTP callback route, and the
// notifier for the outbox.

import type Router from '@koa/router';
import type { Clock } from '../../handlers/ports';
import { createCardDeliveryStore } from '../../storage/repositories';
import { createSpentSignatureStore } from '../../storage/repositories/spent-signatures';
import type { App } from '../app';
import type { BackgroundWork } from '../background';
import type { DingtalkSettings, Policy } from '../config';
import type { Logger } from '../logger';
import { DingtalkApi } from './api';
import { DEFAULT_DINGTALK_WINDOW_SECONDS, dingtalkHttpRoutes } from './http-callback';
import { listenToStream } from './inbound';
import { DingtalkNotifier } from './notifier';
import type { DownloadLinkSettings } from '../download-links';
import { ReplayGuard } from './replay-guard';
import { DingtalkStreamClient } from './stream';

export interface DingtalkConnection {
  notifier: DingtalkNotifier;
  routes: ((router: Router) => void)[];
  stream?: DingtalkStreamClient;
}

export function connectDingtalk(options: {
  settings: DingtalkSettings;
  app: App;
  policy: Policy;
  clock: Clock;
  log: Logger;
  background: BackgroundWork;
  reconnectDelayMs?: number;
  links?: DownloadLinkSettings | null;
}): DingtalkConnection {
  const { settings, app, policy, clock, log, background } = options;
  const api = new DingtalkApi(settings, clock);
  const robots = Object.fromEntries(
    Object.entries(policy.channels).map(([name, c]) => [name, c.dingtalk_webhook ? { webhook: c.dingtalk_webhook, secret: c.dingtalk_secret } : undefined]),
  );
  const notifier = new DingtalkNotifier({
    api,
    directory: app.deps.directory,
    cardTemplateId: settings.cardTemplateId,
    oapiBase: settings.oapiBase,
    callbackType: settings.mode === 'http' ? 'HTTP' : 'STREAM',
    robots,
    uow: app.uow,
    cards: createCardDeliveryStore(),
    clock,
    log,
    links: options.links,
  });
  const inbound = {
    dispatcher: app.dispatcher,
    background,
    deliver: () => app.outbox.deliverDue(),
    wake: () => background.track('inbox worker', app.worker.wake()),
    log,
    oapiBase: settings.oapiBase,
  };
  if (settings.mode === 'http') {
    const windowSeconds = settings.httpWindowSeconds;
    const replayGuard = new ReplayGuard({ uow: app.uow, store: createSpentSignatureStore(), clock, log, windowMs: (windowSeconds ?? DEFAULT_DINGTALK_WINDOW_SECONDS) * 1000 });
    return { notifier, routes: [dingtalkHttpRoutes({ ...inbound, appSecret: settings.clientSecret, clock, replayGuard, windowSeconds })] };
  }
  const stream = new DingtalkStreamClient({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    gatewayUrl: settings.gatewayUrl,
    reconnectDelayMs: options.reconnectDelayMs,
    log,
  });
  listenToStream(stream, inbound);
  return { notifier, routes: [], stream };
}
