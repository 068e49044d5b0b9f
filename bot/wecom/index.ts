// Connects WeCom to the bot core: the callback route, and the notifier for the outbox.

import type Router from '@koa/router';
import type { Clock } from '../../handlers/ports';
import { createCardDeliveryStore } from '../../storage/repositories';
import type { App } from '../app';
import type { BackgroundWork } from '../background';
import type { Policy, WecomSettings } from '../config';
import type { Logger } from '../logger';
import { WecomApi } from './api';
import { wecomCallbackRoutes } from './callback';
import { parseEncodingAesKey } from './crypto';
import { WecomNotifier } from './notifier';

export function connectWecom(options: {
  settings: WecomSettings;
  app: App;
  policy: Policy;
  clock: Clock;
  log: Logger;
  background: BackgroundWork;
}): { notifier: WecomNotifier; routes: (router: Router) => void } {
  const { settings, app, policy, clock, log, background } = options;
  const api = new WecomApi(settings, clock);
  const webhooks = Object.fromEntries(Object.entries(policy.channels).map(([name, c]) => [name, c.wecom_webhook]));
  const notifier = new WecomNotifier({ api, directory: app.deps.directory, webhooks, uow: app.uow, cards: createCardDeliveryStore(), clock, log });
  const routes = wecomCallbackRoutes({
    token: settings.token,
    aes: parseEncodingAesKey(settings.encodingAesKey),
    corpId: settings.corpId,
    dispatcher: app.dispatcher,
    wake: () => background.track('inbox worker', app.worker.wake()),
    log,
    clock,
    windowSeconds: settings.callbackWindowSeconds,
  });
  return { notifier, routes };
}
