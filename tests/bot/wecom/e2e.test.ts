// WeCom end to end: the real Koa server and dispatch path against the fake WeCom on 127.0.0.1.

import { encryptMessage, signatureOf } from '../../../bot/wecom/crypto';
import { markdown, md } from '../../../handlers/views';
import { SETTINGS, startRig, stopRig, type Rig } from '../../support/wecom-rig';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => stopRig(rig));

async function say(user: string, text: string): Promise<void> {
  expect(await rig.fake.sendText(user, text)).toBe(200);
  await rig.settle();
}
async function click(user: string, label: string): Promise<void> {
  expect(await rig.fake.clickButton(user, label)).toBe(200);
  await rig.settle();
}
const contractStatus = async () => (await rig.app.dataSource.query("SELECT status FROM contract WHERE number = 'HT-2026-0001'"))[0]?.status;

async function draftContract(amount = '30万'): Promise<void> {
  await say('ZhangSan', '新建客户 名称:华东日报社 等级:A');
  await say('ZhangSan', `新建合同 客户:华东日报社 金额:${amount} 类型:销售 标题:2027年度广告投放`);
}

it('answers URL verification with the decrypted echostr as the whole body', async () => {
  const { status, body, echo } = await rig.fake.verifyUrl();
  expect(status).toBe(200);
  expect(body).toBe(echo);
});

it('runs the approval flow from phones: command → card → clicks → decided, cards updated, submitter told', async () => {
  await draftContract();
  expect(rig.fake.textsTo('ZhangSan').join('\n')).toContain('已新建客户 KH-000001');
  const preview = rig.fake.latestCard('ZhangSan');
  expect(preview).toMatchObject({ card_type: 'button_interaction', main_title: { title: '合同草稿 HT-2026-0001' } });

  await click('ZhangSan', '提交审批');
  expect(await contractStatus()).toBe('in_approval');
  const card = rig.fake.latestCard('LiSi');
  expect(card.card_type).toBe('button_interaction');
  expect((card.horizontal_content_list as { keyname: string }[]).map((f) => f.keyname)).toEqual(['客户', '金额', '类型', '负责人', '审批链', '截止']);
  expect(card.sub_title_text).toContain('路由：规则 2「中额合同」');
  expect((card.button_list as { text: string }[]).map((b) => b.text)).toEqual(['同意', '驳回', '转交']);
  const lisiCode = rig.fake.sent.find((m) => m.touser === 'LiSi' && m.msgtype === 'template_card')!.responseCode!;

  await click('LiSi', '同意');
  // LiSi's card is greyed out through update_template_card with the code from its send
  expect(rig.fake.updates).toEqual([expect.objectContaining({ responseCode: lisiCode, userids: ['LiSi'], body: expect.objectContaining({ button: { replace_name: '已同意' } }) })]);
  expect(rig.fake.latestCard('WangWu').main_title).toMatchObject({ title: '合同审批 HT-2026-0001' });
  expect(rig.fake.textsTo('ZhangSan').join('\n')).toContain('李四 已同意合同 HT-2026-0001（第 1/2 步）');

  await click('WangWu', '同意');
  expect(await contractStatus()).toBe('approved');
  expect(rig.fake.textsTo('ZhangSan').join('\n')).toContain('审批通过');
  expect(rig.fake.updates.map((u) => u.userids[0])).toEqual(['LiSi', 'WangWu']);
});

it('runs a two-step chain where the second approver rejects with a reason', async () => {
  await draftContract();
  await say('ZhangSan', '提交 HT-2026-0001');
  await click('LiSi', '同意');
  await click('WangWu', '驳回'); // a button cannot carry the reason: the bot asks for it
  expect(rig.fake.textsTo('WangWu').at(-1)).toContain('请回复驳回原因：驳回 HT-2026-0001 <原因>');
  expect(await contractStatus()).toBe('in_approval');
  await say('WangWu', '驳回 HT-2026-0001 付款条件不清楚');
  expect(await contractStatus()).toBe('rejected');
  expect(rig.fake.textsTo('ZhangSan').join('\n')).toContain('被 王五 驳回，原因：付款条件不清楚');
  expect(rig.fake.updates.at(-1)).toMatchObject({ userids: ['WangWu'], body: { button: { replace_name: '已驳回' } } });
});

it('changes state once and replies once when WeCom delivers the same callback three times', async () => {
  const xml = rig.fake.textXml('ZhangSan', '新建客户 名称:华东日报社 等级:A');
  for (let i = 0; i < 3; i++) expect(await rig.fake.deliver(xml)).toBe(200);
  await rig.settle();
  expect(await rig.count('customer')).toBe(1);
  expect(await rig.count('inbox')).toBe(1);
  expect(rig.fake.textsTo('ZhangSan')).toHaveLength(1);
});

it('refuses a click on an old version or an already decided step, changing nothing', async () => {
  await draftContract();
  await say('ZhangSan', '提交 HT-2026-0001');
  const oldCard = rig.fake.latestCard('LiSi');
  await say('ZhangSan', '修改 HT-2026-0001 金额:35万');
  const approveOld = (oldCard.button_list as { text: string; key: string }[]).find((b) => b.text === '同意')!;
  const steps = await rig.count('approval_step');
  expect(await rig.fake.deliver(rig.fake.clickXml('LiSi', String(oldCard.task_id), approveOld.key))).toBe(200);
  await rig.settle();
  expect(rig.fake.textsTo('LiSi').at(-1)).toContain('v1');
  expect(rig.fake.textsTo('LiSi').at(-1)).toContain('已作废');
  expect(await rig.app.dataSource.query("SELECT COUNT(*) AS n FROM approval_step WHERE status = 'approved'")).toEqual([{ n: 0 }]);
  expect(await rig.count('approval_step')).toBe(steps);

  await click('LiSi', '同意'); // the v2 card works
  expect(await rig.fake.deliver(rig.fake.clickXml('LiSi', 'again', (rig.fake.latestCard('LiSi').button_list as { key: string }[])[0]!.key))).toBe(200);
  await rig.settle();
  expect(rig.fake.textsTo('LiSi').at(-1)).toContain('已经处理过了');
});

it('greys out every card the approver held after a transfer there and back (A → B → A)', async () => {
  await draftContract();
  await say('ZhangSan', '提交 HT-2026-0001');
  await say('LiSi', '转交 HT-2026-0001 钱七');
  await say('QianQi', '转交 HT-2026-0001 李四');
  const lisiCards = rig.fake.sent.filter((m) => m.touser === 'LiSi' && m.msgtype === 'template_card').map((m) => m.responseCode!);
  expect(lisiCards).toHaveLength(2); // the first card, and the one sent when the step came back
  await click('LiSi', '同意'); // on the second card
  expect(await rig.app.dataSource.query("SELECT status FROM approval_step WHERE seq = 1")).toEqual([{ status: 'approved' }]);
  const label = (code: string) => rig.fake.updates.filter((u) => u.responseCode === code).map((u) => (u.body.button as { replace_name: string }).replace_name);
  expect(label(lisiCards[0]!)).toEqual(['已转交 钱七']);
  expect(label(lisiCards[1]!)).toEqual(['已同意']);
  const qianqiCard = rig.fake.sent.find((m) => m.touser === 'QianQi' && m.msgtype === 'template_card')!.responseCode!;
  expect(label(qianqiCard)).toEqual(['已转交 李四']);
  // Every interactive card sent for the step is final now: none is left with live buttons.
  const stepCards = rig.fake.sent.filter((m) => m.msgtype === 'template_card' && m.touser !== 'WangWu' && m.touser !== 'ZhangSan');
  expect(stepCards.every((m) => label(m.responseCode!).length === 1)).toBe(true);
});

describe('bad requests are rejected, store nothing, and the server keeps serving', () => {
  const post = async (query: URLSearchParams | string, body: string | Buffer) =>
    (await fetch(`${rig.fake.callbackUrl}?${query}`, { method: 'POST', body })).status;
  const signed = (encrypted: string) => {
    const timestamp = String(Math.floor(rig.clock.now().getTime() / 1000));
    const q = new URLSearchParams({ timestamp, nonce: '42' });
    q.set('msg_signature', signatureOf(SETTINGS.token, timestamp, '42', encrypted));
    return q;
  };
  const envelope = (encrypted: string) => `<xml><ToUserName><![CDATA[${SETTINGS.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
  const plaintext = () => rig.fake.textXml('ZhangSan', '新建客户 名称:恶意 等级:A');

  it.each([
    ['a bad signature', 401, async () => {
      const { query, body } = rig.fake.envelope(plaintext());
      query.set('msg_signature', '0'.repeat(40));
      return post(query, body);
    }],
    ['a missing signature', 401, async () => post('timestamp=1&nonce=2', rig.fake.envelope(plaintext()).body)],
    ['another corp id', 403, async () => {
      const encrypted = encryptMessage(SETTINGS.encodingAesKey, plaintext(), 'wwSOMEONEELSE');
      return post(signed(encrypted), envelope(encrypted));
    }],
    ['a plaintext POST', 403, async () => post(signed('x'), plaintext())],
    ['truncated base64', 400, async () => {
      const encrypted = encryptMessage(SETTINGS.encodingAesKey, plaintext(), SETTINGS.corpId).slice(0, 50);
      return post(signed(encrypted), envelope(encrypted));
    }],
    ['garbage XML', 400, async () => post(signed('x'), '<xml><Encrypt>abc</Encrypt')],
    ['an XML entity bomb', 400, async () => post(signed('x'), '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>')],
    ['a 10 MB body', 413, async () => post(signed('x'), Buffer.alloc(10 * 1024 * 1024, 'a'))],
  ] as [string, number, () => Promise<number>][])('%s → %i', async (_what, status, send) => {
    expect(await send()).toBe(status);
    await rig.settle();
    expect(await rig.count('inbox')).toBe(0);
    expect(await rig.count('customer')).toBe(0);
    expect(rig.fake.sent).toEqual([]);
    expect((await fetch(`${rig.base}/healthz`)).status).toBe(200);
  });
});

it('refreshes an expired token transparently (42001) and once for 40014', async () => {
  await say('ZhangSan', '帮助');
  expect(rig.fake.tokenRequests).toHaveLength(1);
  rig.fake.expireTokens();
  await say('ZhangSan', '待办');
  expect(rig.fake.tokenRequests).toHaveLength(2);
  rig.fake.failNext('/cgi-bin/message/send', 40014);
  await say('ZhangSan', '我的合同');
  expect(rig.fake.tokenRequests).toHaveLength(3);
  expect(rig.fake.textsTo('ZhangSan')).toHaveLength(3);
});

describe('group robot alerts', () => {
  const alert = (i: number) =>
    rig.app.uow.run((tx) =>
      rig.app.deps.repos.outbox.enqueue(tx, { dedupeKey: `alert:${i}`, to: { kind: 'channel', channel: 'approvals' }, views: [markdown('审批超时', md`第 ${i} 条`)] }, rig.clock.now()),
    );

  it('sends at most 20 a minute per robot; the 21st waits in the outbox and goes out the next minute', async () => {
    for (let i = 1; i <= 21; i++) await alert(i);
    await rig.app.outbox.deliverDue();
    expect(rig.fake.webhookPosts.filter((p) => p.accepted)).toHaveLength(20);
    expect(rig.fake.webhookPosts.filter((p) => !p.accepted)).toHaveLength(0); // never provoke the robot's own limit
    expect(await rig.app.dataSource.query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")).toEqual([{ n: 1 }]);
    rig.clock.advanceHours(1 / 60 + 1 / 3600);
    await rig.app.outbox.deliverDue();
    expect(rig.fake.webhookPosts.filter((p) => p.accepted)).toHaveLength(21);
    expect(String((rig.fake.webhookPosts.at(-1)!.body.markdown as { content: string }).content)).toContain('第 21 条');
  });

  it('a 45009 from the robot delays the alert, which is delivered later', async () => {
    rig.fake.failNext('/cgi-bin/webhook/send', 45009);
    await alert(1);
    await rig.app.outbox.deliverDue();
    expect(rig.fake.webhookPosts).toHaveLength(0);
    expect((await rig.app.dataSource.query('SELECT status, attempts FROM outbox'))[0]).toEqual({ status: 'pending', attempts: 0 });
    rig.clock.advanceHours(1 / 60 + 1 / 3600);
    await rig.app.outbox.deliverDue();
    expect(rig.fake.webhookPosts).toEqual([expect.objectContaining({ key: 'robot-approvals', accepted: true })]);
  });
});

it('the fake WeCom retries a callback that gets no 200, three attempts in all', async () => {
  rig.fake.callbackUrl = `${rig.base}/not-the-callback`;
  expect(await rig.fake.sendText('ZhangSan', '帮助')).toBe(404);
  expect(rig.fake.callbackAttempts.map((a) => a.status)).toEqual([404, 404, 404]);
});
