// The bot with WeCom connected, its Koa server on 127.0.0.1, and the fake WeCom, on a fake clock.

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp, type App } from '../../bot/app';
import { BackgroundWork } from '../../bot/background';
import { parsePolicy } from '../../bot/config';
import { silentLogger } from '../../bot/logger';
import { NotifierRouter } from '../../bot/notifier-router';
import { createServer } from '../../bot/server';
import { connectWecom } from '../../bot/wecom';
import { WECOM_CALLBACK_PATH } from '../../bot/wecom/callback';
import { FakeWecom } from '../fakes/wecom';
import { EXAMPLE_POLICY, FakeClock, MONDAY_10AM } from './harness';

export const SETTINGS = {
  corpId: 'ww1234567890abcdef',
  agentId: 1000002,
  secret: 'app-secret',
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

export interface Rig {
  fake: FakeWecom;
  app: App;
  clock: FakeClock;
  server: Server;
  base: string;
  settle(): Promise<void>;
  count(table: string): Promise<number>;
}

export async function startRig(options: { databaseUrl?: string; now?: string } = {}): Promise<Rig> {
  const clock = new FakeClock(new Date(options.now ?? MONDAY_10AM));
  const fake = await new FakeWecom({ ...SETTINGS, now: () => clock.now().getTime() }).start();
  const yaml = EXAMPLE_POLICY.replace('approvals: {}', `approvals: { wecom_webhook: "${fake.webhookUrl('robot-approvals')}" }`).replace(
    'management: {}',
    `management: { wecom_webhook: "${fake.webhookUrl('robot-management')}" }`,
  );
  const policy = parsePolicy(yaml, 'policy.yaml');
  const notifier = new NotifierRouter();
  const app = await createApp({ databaseUrl: options.databaseUrl ?? 'sqlite::memory:', policy, notifier, clock, log: silentLogger });
  const background = new BackgroundWork(silentLogger);
  const wecom = connectWecom({ settings: { ...SETTINGS, apiBase: fake.baseUrl }, app, policy, clock, log: silentLogger, background });
  notifier.add(wecom.notifier);
  const server = createServer({ dataSource: app.dataSource, log: silentLogger, routes: [wecom.routes] }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.callbackUrl = `${base}${WECOM_CALLBACK_PATH}`;
  return {
    fake,
    app,
    clock,
    server,
    base,
    async settle() {
      await background.idle();
      await app.outbox.deliverDue();
    },
    count: async (table) => Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM "${table}"`))[0].n),
  };
}


export async function stopRig(rig: Rig): Promise<void> {
  await new Promise((r) => rig.server.close(r));
  await rig.fake.stop();
  await rig.app.close();
}
