// DingTalk end to end: the real DWClient (dingtalk-stream 2.1.5) against the fake DingTalk gateway,
// WebSocket and OpenAPI on 127.0.0.1, through the real dispatch path.

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp, systemClock, type App } from '../../../bot/app';
import { BackgroundWork } from '../../../bot/background';
import { parsePolicy, type DingtalkSettings } from '../../../bot/config';
import { connectDingtalk, type DingtalkConnection } from '../../../bot/dingtalk';
import { robotSign, sendRobotWebhook } from '../../../bot/dingtalk/robot-webhook';
import { SlidingWindowLimiter } from '../../../bot/rate-limit';
import { silentLogger } from '../../../bot/logger';
import { NotifierRouter } from '../../../bot/notifier-router';
import { createServer } from '../../../bot/server';
import { markdown, md } from '../../../handlers/views';
import { FakeDingtalk } from '../../fakes/dingtalk';
import { EXAMPLE_POLICY, FakeClock } from '../../support/harness';

const CLIENT = { clientId: 'dingappkey001', clientSecret: 'app-secret-xyz' };
const ROBOT = { token: 'robot-token-1', secret: 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd' };

interface Rig {
  fake: FakeDingtalk;
  app: App;
  dingtalk: DingtalkConnection;
  background: BackgroundWork;
  server?: Server;
  base?: string;
}

async function startRig(options: { template?: boolean; mode?: 'stream' | 'http' } = {}): Promise<Rig> {
  const fake = await new FakeDingtalk({ ...CLIENT, robots: { [ROBOT.token]: ROBOT.secret } }).start();
  // These tests run on the real clock (the SDK's WebSocket timing): no quiet hours, whatever the hour.
  const yaml = EXAMPLE_POLICY.replace('quiet_hours: true', 'quiet_hours: false').replace('identities: [wecom:WangWu]', 'identities: [dingtalk:wangwu01, wecom:WangWu]').replace(
    'approvals: {}',
    `approvals: { dingtalk_webhook: "${fake.robotWebhook(ROBOT.token)}", dingtalk_secret: "${ROBOT.secret}" }`,
  );
  const policy = parsePolicy(yaml, 'policy.yaml');
  const notifier = new NotifierRouter();
  const app = await createApp({ databaseUrl: 'sqlite::memory:', policy, notifier, clock: systemClock, log: silentLogger });
  const background = new BackgroundWork(silentLogger);
  const settings: DingtalkSettings = {
    ...CLIENT,
    robotCode: CLIENT.clientId,
    cardTemplateId: options.template === false ? undefined : 'contract-approval.schema',
    mode: options.mode ?? 'stream',
    gatewayUrl: fake.gatewayUrl,
    apiBase: fake.baseUrl,
    oapiBase: fake.baseUrl,
  };
  const dingtalk = connectDingtalk({ settings, app, policy, clock: systemClock, log: silentLogger, background, reconnectDelayMs: 50 });
  notifier.add(dingtalk.notifier);
  const rig: Rig = { fake, app, dingtalk, background };
  if (dingtalk.stream) await dingtalk.stream.start();
  if (dingtalk.routes.length) {
    rig.server = createServer({ dataSource: app.dataSource, log: silentLogger, routes: dingtalk.routes }).listen(0, '127.0.0.1');
    await new Promise((r) => rig.server!.once('listening', r));
    rig.base = `http://127.0.0.1:${(rig.server.address() as AddressInfo).port}`;
  }
  return rig;
}

async function stopRig(rig: Rig): Promise<void> {
  rig.dingtalk.stream?.stop();
  if (rig.server) await new Promise((r) => rig.server!.close(r));
  await rig.background.idle();
  await rig.fake.stop();
  await rig.app.close();
}

async function waitFor(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let rig: Rig;
afterEach(() => stopRig(rig));

/** Pushes a frame and waits until the bot acknowledged it, processed it and delivered the outbox. */
async function settle(messageId: string): Promise<void> {
  await waitFor(() => rig.fake.acks.has(messageId), `ack of ${messageId}`);
  await rig.background.idle();
  await rig.app.outbox.deliverDue();
}
async function say(staffId: string, text: string, group?: string): Promise<void> {
  await settle(rig.fake.pushRobotMessage({ staffId, text, group }).messageId);
}
const cardFor = (staffId: string) => [...rig.fake.cardsCreated].reverse().find((c) => c.openSpaceId === `dtv1.card//IM_ROBOT.${staffId}`)!;
const params = (card: Record<string, unknown>) => (card.cardData as { cardParamMap: Record<string, string> }).cardParamMap;
async function click(staffId: string, keyName: string): Promise<string> {
  const card = cardFor(staffId);
  const messageId = rig.fake.pushCardClick({ staffId, outTrackId: String(card.outTrackId), params: { key: params(card)[keyName]! } });
  await settle(messageId);
  return messageId;
}
const replies = () => rig.fake.sessionPosts.map((p) => String((p.body.markdown as { text: string }).text));
const otoTo = (staffId: string) => rig.fake.oto.filter((m) => (m.userIds as string[]).includes(staffId)).map((m) => String(m.msgParam));
const contractStatus = async () => (await rig.app.dataSource.query("SELECT status FROM contract WHERE number = 'HT-2026-0001'"))[0]?.status;

describe('Stream mode with interactive cards', () => {
  beforeEach(async () => {
    rig = await startRig();
  });

  it('registers with the gateway with its own subscriptions, and echoes SYSTEM pings', async () => {
    expect(rig.fake.gatewayRequests).toEqual([
      {
        clientId: CLIENT.clientId,
        subscriptions: [
          { type: 'EVENT', topic: '*' },
          { type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' },
          { type: 'CALLBACK', topic: '/v1.0/card/instances/callback' },
        ],
      },
    ]);
    const id = rig.fake.ping('opaque-42');
    await waitFor(() => rig.fake.acks.has(id), 'ping echo');
    expect(rig.fake.acks.get(id)![0]).toMatchObject({ code: 200, data: JSON.stringify({ opaque: 'opaque-42' }) });
  });

  it('runs the approval flow: command → card → clicks → decided, cards updated for all holders, submitter told', async () => {
    await say('zhangsan01', '新建客户 名称:华东日报社 等级:A');
    expect(replies().join('\n')).toContain('已新建客户 KH-000001');
    await say('zhangsan01', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:2027年度广告投放');
    expect(params(cardFor('zhangsan01'))).toMatchObject({ title: '合同草稿 HT-2026-0001', submitKey: 'submit|HT-2026-0001', actionable: 'true' });

    await click('zhangsan01', 'submitKey');
    expect(await contractStatus()).toBe('in_approval');
    const lisiCard = cardFor('lisi01');
    expect(lisiCard).toMatchObject({ cardTemplateId: 'contract-approval.schema', callbackType: 'STREAM' });
    expect(params(lisiCard).approveKey).toMatch(/^approve\|HT-2026-0001\|\d+\|1$/);

    const clickId = await click('lisi01', 'approveKey');
    // the ack of the click updates the clicker's card; PUT updates it for every holder
    const ackData = JSON.parse(rig.fake.acks.get(clickId)![0]!.data) as { response: { cardData: { cardParamMap: Record<string, string> } } };
    expect(ackData.response.cardData.cardParamMap).toMatchObject({ actionable: 'false', status: expect.stringMatching(/^已同意 · 李四 · /) });
    expect(rig.fake.cardUpdates).toEqual([expect.objectContaining({ outTrackId: lisiCard.outTrackId })]);
    expect(params(cardFor('wangwu01')).title).toBe('合同审批 HT-2026-0001');
    expect(otoTo('zhangsan01').join('\n')).toContain('李四 已同意合同 HT-2026-0001');

    await click('wangwu01', 'approveKey');
    expect(await contractStatus()).toBe('approved');
    expect(otoTo('zhangsan01').join('\n')).toContain('审批通过');
  });

  it('works when @-mentioned in a group: the reply goes to the group and @s the sender', async () => {
    await say('zhangsan01', '帮助', 'cid_group_sales');
    const post = rig.fake.sessionPosts.at(-1)!;
    expect(post.body).toMatchObject({ msgtype: 'markdown', at: { atUserIds: ['zhangsan01'] } });
    expect(String((post.body.markdown as { text: string }).text)).toContain('新建合同');
  });

  it('processes a redelivered frame once', async () => {
    const { messageId } = rig.fake.pushRobotMessage({ staffId: 'zhangsan01', text: '新建客户 名称:华东日报社 等级:A' });
    await settle(messageId);
    rig.fake.redeliver(messageId);
    await waitFor(() => rig.fake.acks.get(messageId)!.length === 2, 'second ack');
    await rig.background.idle();
    await rig.app.outbox.deliverDue();
    expect(await rig.app.dataSource.query('SELECT COUNT(*) AS n FROM customer')).toEqual([{ n: 1 }]);
    expect(replies()).toHaveLength(1);
  });

  it('reconnects with a new ticket after `disconnect`, losing and doubling nothing', async () => {
    rig.fake.disconnect(200);
    // pushed while the client moves to a new connection
    const { messageId } = rig.fake.pushRobotMessage({ staffId: 'zhangsan01', text: '新建客户 名称:华东日报社 等级:A' });
    await settle(messageId);
    expect(rig.fake.gatewayRequests).toHaveLength(2);
    expect(await rig.app.dataSource.query('SELECT COUNT(*) AS n FROM customer')).toEqual([{ n: 1 }]);
    await new Promise((r) => setTimeout(r, 300)); // the old socket closes: no third connection
    expect(rig.fake.gatewayRequests).toHaveLength(2);
    await say('zhangsan01', '待办');
    expect(replies()).toHaveLength(2);
  });

  it('reconnects after a dropped socket, and gets the frame it had not acknowledged', async () => {
    rig.fake.dropConnections();
    const { messageId } = rig.fake.pushRobotMessage({ staffId: 'zhangsan01', text: '帮助' });
    await settle(messageId);
    expect(rig.fake.gatewayRequests).toHaveLength(2);
    expect(replies()).toHaveLength(1);
  });

  it('a click by someone who is not the assignee changes nothing and is told so', async () => {
    await say('zhangsan01', '新建客户 名称:华东日报社 等级:A');
    await say('zhangsan01', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:广告');
    await say('zhangsan01', '提交 HT-2026-0001');
    const card = cardFor('lisi01');
    const messageId = rig.fake.pushCardClick({ staffId: 'qianqi01', outTrackId: String(card.outTrackId), params: { key: params(card).approveKey! } });
    await settle(messageId);
    expect(otoTo('qianqi01').join('\n')).toContain('由 李四 审批，你不能处理');
    expect(JSON.parse(rig.fake.acks.get(messageId)![0]!.data)).toEqual({ response: null });
    expect(await rig.app.dataSource.query("SELECT COUNT(*) AS n FROM approval_step WHERE status = 'approved'")).toEqual([{ n: 0 }]);
  });

  it('falls back to the robot API when the session webhook has expired', async () => {
    rig.fake.sessionTtlMs = 0; // DingTalk refuses the webhook although the payload says it is valid
    await say('zhangsan01', '帮助');
    expect(rig.fake.sessionPosts).toEqual([expect.objectContaining({ accepted: false })]);
    expect(otoTo('zhangsan01').join('\n')).toContain('新建合同');
  });
});

describe('gateway credentials', () => {
  it('refuses a bad secret with 401 and the client keeps retrying without connecting', async () => {
    const fake = await new FakeDingtalk(CLIENT).start();
    const bad = await fetch(fake.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: CLIENT.clientId, clientSecret: 'wrong' }) });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ code: 'authFailed' });
    const { DingtalkStreamClient } = await import('../../../bot/dingtalk/stream');
    const client = new DingtalkStreamClient({ clientId: CLIENT.clientId, clientSecret: 'wrong', gatewayUrl: fake.gatewayUrl, reconnectDelayMs: 20, log: silentLogger });
    void client.start();
    await new Promise((r) => setTimeout(r, 150));
    client.stop();
    expect(fake.gatewayRequests).toHaveLength(0);
    expect(fake.liveConnections).toBe(0);
    await fake.stop();
    rig = await startRig(); // afterEach stops a rig
  });
});

describe('without a card template', () => {
  beforeEach(async () => {
    rig = await startRig({ template: false });
  });

  it('sends approval cards as markdown with the commands to type, and says how to act', async () => {
    await say('zhangsan01', '新建客户 名称:华东日报社 等级:A');
    await say('zhangsan01', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:小单');
    await say('zhangsan01', '提交 HT-2026-0001');
    expect(rig.fake.cardsCreated).toEqual([]);
    expect(otoTo('lisi01').join('\n')).toContain('回复命令操作：「同意 HT-2026-0001」');
    await say('lisi01', '同意 HT-2026-0001');
    expect(await contractStatus()).toBe('approved');
  });
});

describe('signed group robot', () => {
  beforeEach(async () => {
    rig = await startRig();
  });

  it('signs like the reference vectors', () => {
    expect(robotSign(1700000000000, 'this is secret')).toBe('sSFWELbV2YwjdDQhWZwTcWlX5BWUx5J6TPpsZmuPii0=');
    expect(robotSign('1700000000000', ROBOT.secret)).toBe('8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw=');
  });

  it('delivers the 21st alert of a minute in the next minute', async () => {
    const clock = new FakeClock(new Date());
    const fake = await new FakeDingtalk({ ...CLIENT, robots: { [ROBOT.token]: ROBOT.secret }, now: () => clock.now().getTime() }).start();
    const limiter = new SlidingWindowLimiter(20, 60_000, clock);
    const robot = { webhook: fake.robotWebhook(ROBOT.token), secret: ROBOT.secret };
    const body = { msgtype: 'markdown', markdown: { title: 't', text: 'x' } };
    for (let i = 0; i < 20; i++) await sendRobotWebhook(robot, body, limiter, clock);
    await expect(sendRobotWebhook(robot, body, limiter, clock)).rejects.toMatchObject({ options: { deferUntil: new Date(clock.now().getTime() + 60_000) } });
    clock.advanceHours(1 / 60);
    await sendRobotWebhook(robot, body, limiter, clock);
    expect(fake.robotPosts.map((p) => p.errcode)).toEqual(new Array(21).fill(0));
    await fake.stop();
  });

  it('sends 20 alerts a minute; the 21st waits in the outbox (never provoking the 10-minute throttle)', async () => {
    for (let i = 1; i <= 21; i++) {
      await rig.app.uow.run((tx) =>
        rig.app.deps.repos.outbox.enqueue(tx, { dedupeKey: `alert:${i}`, to: { kind: 'channel', channel: 'approvals' }, views: [markdown('审批超时', md`第 ${i} 条`)] }, new Date()),
      );
    }
    await rig.app.outbox.deliverDue();
    expect(rig.fake.robotPosts.filter((p) => p.errcode === 0)).toHaveLength(20);
    expect(rig.fake.robotPosts.filter((p) => p.errcode !== 0)).toEqual([]);
    const waiting = await rig.app.dataSource.query("SELECT next_attempt_at AS at, attempts FROM outbox WHERE status = 'pending'");
    expect(waiting).toHaveLength(1);
    expect(Number(waiting[0].at) - Date.now()).toBeGreaterThan(50_000); // the next minute
    expect(waiting[0].attempts).toBe(0);
  });
});

describe('HTTP mode', () => {
  beforeEach(async () => {
    rig = await startRig({ mode: 'http' });
  });

  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(`${rig.base}/dingtalk/callback`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const message = (text: string) => ({
    msgId: `msg-${Math.random()}`,
    msgtype: 'text',
    text: { content: text },
    conversationId: 'cid_single_zhangsan01',
    conversationType: '1',
    senderStaffId: 'zhangsan01',
  });

  it('verifies the signature and answers through the robot API', async () => {
    const timestamp = String(Date.now());
    const res = await post({ timestamp, sign: robotSign(timestamp, CLIENT.clientSecret) }, message('新建客户 名称:华东日报社 等级:A'));
    expect(res.status).toBe(200);
    await rig.background.idle();
    await rig.app.outbox.deliverDue();
    expect(otoTo('zhangsan01').join('\n')).toContain('KH-000001');
  });

  it('takes card clicks on the same route and answers with the clicker\'s card update', async () => {
    const signed = () => {
      const timestamp = String(Date.now());
      return { timestamp, sign: robotSign(timestamp, CLIENT.clientSecret) };
    };
    for (const text of ['新建客户 名称:华东日报社 等级:A', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:小单', '提交 HT-2026-0001']) {
      await post(signed(), message(text));
      await rig.background.idle();
      await rig.app.outbox.deliverDue();
    }
    const card = cardFor('lisi01');
    expect(card.callbackType).toBe('HTTP');
    const click = {
      type: 'actionCallback',
      outTrackId: card.outTrackId,
      userId: 'lisi01',
      content: JSON.stringify({ cardPrivateData: { actionIds: ['approve'], params: { key: params(card).approveKey } } }),
    };
    const res = await post(signed(), click);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { cardData: { cardParamMap: Record<string, string> } }).cardData.cardParamMap.status).toMatch(/^已同意 · 李四/);
    expect(await contractStatus()).toBe('approved');
  });

  it.each([
    ['a bad signature', 401, () => ({ timestamp: String(Date.now()), sign: robotSign(Date.now(), 'wrong secret') })],
    ['no signature', 401, () => ({ timestamp: String(Date.now()) })],
    ['a stale signature', 403, () => {
      const old = String(Date.now() - 2 * 3600_000);
      return { timestamp: old, sign: robotSign(old, CLIENT.clientSecret) };
    }],
  ] as [string, number, () => Record<string, string>][])('%s → %i, nothing stored', async (_what, status, headers) => {
    expect((await post(headers(), message('新建客户 名称:某公司 等级:A'))).status).toBe(status);
    expect(await rig.app.dataSource.query('SELECT COUNT(*) AS n FROM inbox')).toEqual([{ n: 0 }]);
  });
});
