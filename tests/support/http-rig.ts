// The bot with both HTTP callbacks (WeCom, and DingTalk in HTTP mode) on one real Koa server on
// 127.0.0.1, served by `listen` with the production limits, against the fake WeCom and the fake
// DingTalk, on one fake clock. Logs are recorded, so tests can assert that nothing was an error.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../../bot/app';
import { BackgroundWork } from '../../bot/background';
import { parsePolicy, type DingtalkSettings } from '../../bot/config';
import { connectDingtalk } from '../../bot/dingtalk';
import { DINGTALK_CALLBACK_PATH } from '../../bot/dingtalk/http-callback';
import { createLogger, type Logger } from '../../bot/logger';
import { NotifierRouter } from '../../bot/notifier-router';
import { createServer, listen } from '../../bot/server';
import { connectWecom } from '../../bot/wecom';
import { WECOM_CALLBACK_PATH } from '../../bot/wecom/callback';
import { FakeDingtalk } from '../fakes/dingtalk';
import { FakeWecom } from '../fakes/wecom';
import { EXAMPLE_POLICY, FakeClock, MONDAY_10AM } from './harness';
import { SETTINGS as WECOM } from './wecom-rig';

export const DINGTALK = { clientId: 'dingappkey001', clientSecret: 'app-secret-xyz' };
export { WECOM };

export interface HttpRig {
  app: App;
  clock: FakeClock;
  wecom: FakeWecom;
  dingtalk: FakeDingtalk;
  server: Server;
  base: string;
  wecomUrl: string;
  dingtalkUrl: string;
  /** Every log line, parsed. */
  logs: { level: string; msg: string; [k: string]: unknown }[];
  /** Waits for the processing the callbacks started in the background (which also delivers). */
  idle(): Promise<void>;
  /** idle, then one more outbox run. */
  settle(): Promise<void>;
  count(table: string): Promise<number>;
  /** Rows in the tables an unauthenticated request must never write to. */
  writes(): Promise<{ inbox: number; outbox: number; spent: number }>;
}

export async function startHttpRig(options: { dingtalkWindowSeconds?: number; wecomWindowSeconds?: number; template?: boolean } = {}): Promise<HttpRig> {
  const clock = new FakeClock(new Date(MONDAY_10AM));
  const now = () => clock.now().getTime();
  const wecom = await new FakeWecom({ ...WECOM, now }).start();
  const dingtalk = await new FakeDingtalk({ ...DINGTALK, now }).start();
  const logs: HttpRig['logs'] = [];
  const log: Logger = createLogger('debug', (line) => void logs.push(JSON.parse(line)));
  const policy = parsePolicy(EXAMPLE_POLICY.replace('quiet_hours: true', 'quiet_hours: false'), 'policy.yaml');
  const notifier = new NotifierRouter();
  const app = await createApp({ databaseUrl: 'sqlite::memory:', policy, notifier, clock, log });
  const background = new BackgroundWork(log);
  const wecomConnection = connectWecom({
    settings: { ...WECOM, apiBase: wecom.baseUrl, callbackWindowSeconds: options.wecomWindowSeconds },
    app, policy, clock, log, background,
  });
  const settings: DingtalkSettings = {
    ...DINGTALK,
    robotCode: DINGTALK.clientId,
    cardTemplateId: options.template === false ? undefined : 'contract-approval.schema',
    mode: 'http',
    gatewayUrl: dingtalk.gatewayUrl,
    apiBase: dingtalk.baseUrl,
    oapiBase: dingtalk.baseUrl,
    httpWindowSeconds: options.dingtalkWindowSeconds,
  };
  const dingtalkConnection = connectDingtalk({ settings, app, policy, clock, log, background });
  // People with both identities are reached on DingTalk (the router asks the notifiers in order).
  notifier.add(dingtalkConnection.notifier);
  notifier.add(wecomConnection.notifier);
  const server = await listen(createServer({ dataSource: app.dataSource, log, routes: [wecomConnection.routes, ...dingtalkConnection.routes] }), 0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wecom.callbackUrl = `${base}${WECOM_CALLBACK_PATH}`;
  const count = async (table: string) => Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM "${table}"`))[0].n);
  return {
    app,
    clock,
    wecom,
    dingtalk,
    server,
    base,
    wecomUrl: wecom.callbackUrl,
    dingtalkUrl: `${base}${DINGTALK_CALLBACK_PATH}`,
    logs,
    idle: () => background.idle(),
    async settle() {
      await background.idle();
      await app.outbox.deliverDue();
    },
    count,
    async writes() {
      const [row] = await app.dataSource.query(
        'SELECT (SELECT COUNT(*) FROM inbox) AS inbox, (SELECT COUNT(*) FROM outbox) AS outbox, (SELECT COUNT(*) FROM spent_signature) AS spent',
      );
      return { inbox: Number(row.inbox), outbox: Number(row.outbox), spent: Number(row.spent) };
    },
  };
}

export async function stopHttpRig(rig: HttpRig): Promise<void> {
  rig.server.closeAllConnections();
  await new Promise((r) => rig.server.close(r));
  await rig.settle();
  await rig.wecom.stop();
  await rig.dingtalk.stop();
  await rig.app.close();
}
