// The bot with DingTalk connected in Stream mode (the real DWClient) to the fake DingTalk on
// 127.0.0.1, with a signed group robot for the `approvals` channel. The bot and the fake share a
// fake clock, so scheduled work can be run days later; the SDK's own timers stay real.

import { createApp, type App } from '../../bot/app';
import { BackgroundWork } from '../../bot/background';
import { parsePolicy, type DingtalkSettings, type Policy } from '../../bot/config';
import { connectDingtalk, type DingtalkConnection } from '../../bot/dingtalk';
import { silentLogger } from '../../bot/logger';
import { NotifierRouter } from '../../bot/notifier-router';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { downloadRoutes, type DownloadLinkSettings } from '../../bot/download-links';
import { createServer } from '../../bot/server';
import { createOutboxStore } from '../../storage/repositories';
import { FakeDingtalk } from '../fakes/dingtalk';
import { EXAMPLE_POLICY, FakeClock, MONDAY_10AM } from './harness';

const CLIENT = { clientId: 'dingappkey001', clientSecret: 'app-secret-xyz' };
const ROBOT = { token: 'robot-token-1', secret: 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd' };

export interface DingtalkRig {
  fake: FakeDingtalk;
  app: App;
  policy: Policy;
  clock: FakeClock;
  /** Sends a chat line as a staff member and waits until the bot acknowledged, processed and delivered. */
  say(staffId: string, text: string): Promise<void>;
  /** The card parameters of the latest interactive card delivered to a staff member. */
  cardParams(staffId: string): Record<string, string>;
  /** The markdown texts sent to a staff member through the robot API (OTO). */
  otoMarkdown(staffId: string): string[];
  /** The markdown texts posted by the approvals group robot. */
  robotMarkdown(): string[];
  /** With `links`: the bot's Koa server serving the signed download links. */
  base?: string;
  stop(): Promise<void>;
}

async function waitFor(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startDingtalkRig(options: { template: boolean; links?: { secret: string; ttlMs: number } }): Promise<DingtalkRig> {
  const clock = new FakeClock(new Date(MONDAY_10AM));
  const fake = await new FakeDingtalk({ ...CLIENT, robots: { [ROBOT.token]: ROBOT.secret }, now: () => clock.now().getTime() }).start();
  const yaml = EXAMPLE_POLICY.replace('identities: [wecom:WangWu]', 'identities: [dingtalk:wangwu01, wecom:WangWu]').replace(
    'approvals: {}',
    `approvals: { dingtalk_webhook: "${fake.robotWebhook(ROBOT.token)}", dingtalk_secret: "${ROBOT.secret}" }`,
  );
  const policy = parsePolicy(yaml, 'policy.yaml');
  const notifier = new NotifierRouter();
  const app = await createApp({ databaseUrl: 'sqlite::memory:', policy, notifier, clock, log: silentLogger });
  const background = new BackgroundWork(silentLogger);
  const settings: DingtalkSettings = {
    ...CLIENT,
    robotCode: CLIENT.clientId,
    cardTemplateId: options.template ? 'contract-approval.schema' : undefined,
    mode: 'stream',
    gatewayUrl: fake.gatewayUrl,
    apiBase: fake.baseUrl,
    oapiBase: fake.baseUrl,
  };
  let server: Server | undefined;
  let links: DownloadLinkSettings | undefined;
  if (options.links) {
    // The download links are served by the bot's own Koa server, at the base URL the links name.
    // The base URL is known once the server listens; the route reads only the secret.
    const settings: DownloadLinkSettings = { ...options.links, baseUrl: '' };
    const route = downloadRoutes({ settings, uow: app.uow, outbox: createOutboxStore(), clock, log: silentLogger });
    server = createServer({ dataSource: app.dataSource, log: silentLogger, routes: [route] }).listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    settings.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    links = settings;
  }
  const dingtalk: DingtalkConnection = connectDingtalk({ settings, app, policy, clock, log: silentLogger, background, reconnectDelayMs: 50, links });
  notifier.add(dingtalk.notifier);
  await dingtalk.stream!.start();

  const markdownOf = (body: Record<string, unknown>) => String((body.markdown as { text: string }).text);
  return {
    fake,
    app,
    policy,
    clock,
    async say(staffId, text) {
      const { messageId } = fake.pushRobotMessage({ staffId, text });
      await waitFor(() => fake.acks.has(messageId), `ack of ${messageId}`);
      await background.idle();
      await app.outbox.deliverDue();
    },
    cardParams(staffId) {
      const card = [...fake.cardsCreated].reverse().find((c) => c.openSpaceId === `dtv1.card//IM_ROBOT.${staffId}`);
      if (!card) throw new Error(`no card delivered to ${staffId}`);
      return (card.cardData as { cardParamMap: Record<string, string> }).cardParamMap;
    },
    otoMarkdown: (staffId) =>
      fake.oto.filter((m) => (m.userIds as string[]).includes(staffId)).map((m) => String((JSON.parse(String(m.msgParam)) as { text: string }).text)),
    robotMarkdown: () => fake.robotPosts.filter((p) => p.errcode === 0).map((p) => markdownOf(p.body)),
    base: links?.baseUrl,
    async stop() {
      if (server) await new Promise((r) => server!.close(r));
      dingtalk.stream?.stop();
      await background.idle();
      await fake.stop();
      await app.close();
    },
  };
}
