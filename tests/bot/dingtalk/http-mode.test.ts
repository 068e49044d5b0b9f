// DingTalk HTTP mode under attack: the signature covers only the timestamp, so each signed
// (timestamp, sign) pair is spent on first use; the window is short and configurable; reply URLs
// are compared as parsed URLs. Real Koa server, real migrations, the fake DingTalk on 127.0.0.1.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { robotSign } from '../../../bot/dingtalk/robot-webhook';
import { chunksOf, rawRequest } from '../../support/raw-http';
import { DINGTALK, startHttpRig, stopHttpRig, type HttpRig } from '../../support/http-rig';

let rig: HttpRig;
afterEach(() => stopHttpRig(rig));

const post = (headers: Record<string, string>, body: string | Buffer | Buffer[]) => rawRequest(rig.dingtalkUrl, { headers, body });
const send = async (request: { headers: Record<string, string>; body: string }) => (await post(request.headers, request.body)).status;
async function say(staffId: string, text: string): Promise<{ headers: Record<string, string>; body: string }> {
  const request = rig.dingtalk.httpRequest(rig.dingtalk.robotMessage({ staffId, text }).payload);
  expect(await send(request)).toBe(200);
  await rig.settle();
  rig.clock.advanceHours(1 / 3600); // the next message is signed a second later
  return request;
}
const contractStatus = async () => (await rig.app.dataSource.query("SELECT status FROM contract WHERE number = 'HT-2026-0001'"))[0]?.status;
const params = (card: Record<string, unknown>) => (card.cardData as { cardParamMap: Record<string, string> }).cardParamMap;
const cardFor = (staffId: string) => [...rig.dingtalk.cardsCreated].reverse().find((c) => c.openSpaceId === `dtv1.card//IM_ROBOT.${staffId}`)!;
const errors = () => rig.logs.filter((l) => l.level === 'error');

async function submittedContract(): Promise<{ lastRequest: { headers: Record<string, string>; body: string }; approveClick: Record<string, unknown> }> {
  await say('zhangsan01', '新建客户 名称:华东日报社 等级:A');
  await say('zhangsan01', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:小单');
  const lastRequest = await say('zhangsan01', '提交 HT-2026-0001');
  expect(await contractStatus()).toBe('in_approval');
  const card = cardFor('lisi01');
  return { lastRequest, approveClick: rig.dingtalk.cardClick({ staffId: 'lisi01', outTrackId: String(card.outTrackId), params: { key: params(card).approveKey! } }) };
}

describe('each (timestamp, sign) pair is spent on first use', () => {
  beforeEach(async () => {
    rig = await startHttpRig();
  });

  it('refuses the issue\'s attack: a replayed header pair on a card-click body does not approve "as 李四"', async () => {
    const { lastRequest, approveClick } = await submittedContract();
    const before = await rig.writes();
    // The attacker saw zhangsan's last request and sends its headers with a click body of their own.
    const replay = await post(lastRequest.headers, JSON.stringify(approveClick));
    expect(replay.status).toBe(401);
    await rig.settle();
    expect(await contractStatus()).toBe('in_approval');
    expect(await rig.writes()).toEqual(before);
    expect(rig.logs).toContainEqual(expect.objectContaining({ msg: 'dingtalk callback rejected', status: 401, reason: 'signature already used for another body' }));
    // The genuine click, freshly signed, still works.
    const genuine = await post(rig.dingtalk.httpRequest(approveClick).headers, JSON.stringify(approveClick));
    expect(genuine.status).toBe(200);
    expect(await contractStatus()).toBe('approved');
  });

  it('refuses a replayed pair with another message body, whoever it claims to be from', async () => {
    const first = await say('zhangsan01', '帮助');
    const before = await rig.writes();
    const forged = JSON.stringify(rig.dingtalk.robotMessage({ staffId: 'qianqi01', text: '新建客户 名称:冒名 等级:A' }).payload);
    expect((await post(first.headers, forged)).status).toBe(401);
    await rig.settle();
    expect(await rig.writes()).toEqual(before);
    expect(await rig.count('customer')).toBe(0);
  });

  it('answers a byte-identical redelivery 200 and processes it once', async () => {
    const request = rig.dingtalk.httpRequest(rig.dingtalk.robotMessage({ staffId: 'zhangsan01', text: '新建客户 名称:华东日报社 等级:A' }).payload);
    for (let i = 0; i < 3; i++) expect(await send(request)).toBe(200);
    await rig.settle();
    expect(await rig.count('customer')).toBe(1);
    expect(await rig.writes()).toEqual({ inbox: 1, outbox: 1, spent: 1 });
    expect(rig.dingtalk.sessionPosts).toHaveLength(1);
  });

  it('lets exactly one of several concurrent bodies spend a pair', async () => {
    const headers = rig.dingtalk.httpRequest({}).headers;
    const bodies = ['甲', '乙', '丙', '丁', '戊'].map((n) => JSON.stringify(rig.dingtalk.robotMessage({ staffId: 'zhangsan01', text: `新建客户 名称:${n} 等级:A` }).payload));
    const statuses = await Promise.all(bodies.map((b) => post(headers, b).then((r) => r.status)));
    expect([...statuses].sort()).toEqual([200, 401, 401, 401, 401]);
    await rig.settle();
    expect(await rig.count('customer')).toBe(1);
    expect(await rig.writes()).toMatchObject({ inbox: 1, spent: 1 });
  });

  it('writes no spent pair for a request refused for its body (bad JSON, not an object, too large)', async () => {
    for (const body of ['{"msgId":', '[1,2,3]', '"text"', 'null', '\u0000\uffff']) {
      const { headers } = rig.dingtalk.httpRequest({});
      expect((await post(headers, body)).status).toBe(400);
      rig.clock.advanceHours(1 / 3600);
    }
    expect((await post(rig.dingtalk.httpRequest({}).headers, Buffer.alloc(64 * 1024 + 1, 'a'))).status).toBe(413);
    expect(await rig.writes()).toEqual({ inbox: 0, outbox: 0, spent: 0 });
  });

  it('prunes spent pairs once they are stale twice over, at most once a minute', async () => {
    await say('zhangsan01', '帮助');
    rig.clock.advanceHours(5 / 60); // 300 s: the first pair is now just stale
    await say('zhangsan01', '帮助');
    expect(await rig.count('spent_signature')).toBe(2);
    rig.clock.advanceHours(6 / 60); // 11 minutes after the first: more than twice the window
    await say('zhangsan01', '帮助');
    expect((await rig.app.dataSource.query('SELECT sign_timestamp AS t FROM spent_signature ORDER BY t')).map((r: { t: string | number }) => Number(r.t))).toHaveLength(2);
    expect(rig.logs).toContainEqual(expect.objectContaining({ msg: 'spent DingTalk signatures pruned', pruned: 1 }));
  });
});

describe('the time window', () => {
  const stale = (ageMs: number) => {
    const timestamp = String(rig.clock.now().getTime() - ageMs);
    return { timestamp, sign: robotSign(timestamp, DINGTALK.clientSecret), 'content-type': 'application/json' };
  };
  const message = () => JSON.stringify(rig.dingtalk.robotMessage({ staffId: 'zhangsan01', text: '帮助' }).payload);

  it('is 300 s by default: 301 s old (or ahead) is refused 403 with nothing stored, 299 s is accepted', async () => {
    rig = await startHttpRig();
    expect((await post(stale(301_000), message())).status).toBe(403);
    expect((await post(stale(-301_000), message())).status).toBe(403);
    expect(await rig.writes()).toEqual({ inbox: 0, outbox: 0, spent: 0 });
    expect((await post(stale(299_000), message())).status).toBe(200);
  });

  it('follows DINGTALK_HTTP_WINDOW_SECONDS', async () => {
    rig = await startHttpRig({ dingtalkWindowSeconds: 60 });
    expect((await post(stale(61_000), message())).status).toBe(403);
    expect((await post(stale(59_000), message())).status).toBe(200);
  });

  it('checks the signature before reading the body: an unsigned 10 MB upload is refused at once', async () => {
    rig = await startHttpRig();
    const response = await post({ timestamp: String(rig.clock.now().getTime()), sign: 'x' }, chunksOf(10 * 1024 * 1024));
    expect([401, 0]).toContain(response.status); // 0: the server closed before the client finished writing
    expect(await rig.writes()).toEqual({ inbox: 0, outbox: 0, spent: 0 });
    expect(errors()).toEqual([]);
  });
});

describe('reply URLs', () => {
  let attacker: http.Server;
  let attackerHits: string[];
  let attackerPort: number;
  beforeEach(async () => {
    rig = await startHttpRig();
    attackerHits = [];
    attacker = http.createServer((req, res) => {
      attackerHits.push(`${req.method} ${req.headers.host}${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerPort = (attacker.address() as AddressInfo).port;
  });
  afterEach(() => new Promise((r) => attacker.close(r)));

  const fakePort = () => new URL(rig.dingtalk.baseUrl).port;
  // Each passes a bare `startsWith(DINGTALK_OAPI_BASE)`; the last two land on the attacker's server.
  const attacks = () => [
    `http://127.0.0.1:${fakePort()}@127.0.0.1:${attackerPort}/robot/sendBySession?session=x`,
    `http://127.0.0.1:${fakePort()}\\@127.0.0.1:${attackerPort}/robot/sendBySession?session=x`,
    `http://127.0.0.1:${fakePort()}/robot/send?access_token=attackers-robot`,
    `http://127.0.0.1:${fakePort()}0/robot/sendBySession?session=x`,
  ];

  it('never posts a reply to a sessionWebhook off DINGTALK_OAPI_BASE; replies through the robot API instead, and stores no bad URL', async () => {
    for (const [i, url] of attacks().entries()) {
      const { payload } = rig.dingtalk.robotMessage({ staffId: 'zhangsan01', text: '帮助' });
      const request = rig.dingtalk.httpRequest({ ...payload, msgId: `attack-${i}`, sessionWebhook: url });
      expect(await send(request)).toBe(200);
      await rig.settle();
      rig.clock.advanceHours(1 / 3600);
    }
    expect(attackerHits).toEqual([]);
    expect(rig.dingtalk.sessionPosts).toEqual([]);
    expect(rig.dingtalk.oto).toHaveLength(attacks().length); // every reply went out, through the robot API
    const stored = JSON.stringify(await rig.app.dataSource.query('SELECT payload FROM inbox')) + JSON.stringify(await rig.app.dataSource.query('SELECT recipient FROM outbox'));
    expect(stored).not.toContain('sendBySession');
    expect(stored).not.toContain('attackers-robot');
  });

  it('does not post to a bad URL that is already in the outbox (stored before normalisation checked it)', async () => {
    const [viaUserinfo] = attacks();
    await rig.app.uow.run((tx) =>
      rig.app.deps.repos.outbox.enqueue(
        tx,
        {
          dedupeKey: 'old-row',
          to: { kind: 'conversation', platform: 'dingtalk', conversationId: 'cid_single_zhangsan01', conversationType: 'direct', personId: 'zhangsan', replyWebhook: { url: viaUserinfo!, expiresAt: rig.clock.now().getTime() + 3600_000 } },
          views: [{ type: 'text', text: '旧消息' }],
        },
        rig.clock.now(),
      ),
    );
    await rig.app.outbox.deliverDue();
    expect(attackerHits).toEqual([]);
    expect(rig.dingtalk.oto.map((m) => String(m.msgParam))).toEqual([expect.stringContaining('旧消息')]);
    expect(rig.logs).toContainEqual(expect.objectContaining({ msg: 'DingTalk session webhook not on DINGTALK_OAPI_BASE; using the robot API' }));
  });

  it('does not follow a redirect from the session webhook: the reply goes through the robot API', async () => {
    rig.dingtalk.sessionRedirect = `http://127.0.0.1:${attackerPort}/collect`;
    await say('zhangsan01', '帮助');
    expect(attackerHits).toEqual([]);
    expect(rig.dingtalk.oto.map((m) => String(m.msgParam))).toEqual([expect.stringContaining('新建合同')]);
  });

  it('still replies through a genuine session webhook', async () => {
    await say('zhangsan01', '帮助');
    expect(rig.dingtalk.sessionPosts).toEqual([expect.objectContaining({ accepted: true })]);
    expect(rig.dingtalk.oto).toEqual([]);
  });
});
