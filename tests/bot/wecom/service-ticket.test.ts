// A service ticket from phones on WeCom: the real Koa server, dispatch and WeCom notifier against the
// fake WeCom. The satisfaction card reaches the customer contact as a WeCom markdown message with the
// user's text escaped, and the rating typed back is recorded.

import { startRig, stopRig, type Rig } from '../../support/wecom-rig';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => stopRig(rig));

async function say(user: string, text: string): Promise<void> {
  expect(await rig.fake.sendText(user, text)).toBe(200);
  await rig.settle();
}

it('报修 → 解决 → satisfaction card to the contact → 评价, all over WeCom', async () => {
  await say('ZhangSan', '新建客户 名称:北方机械厂 等级:A');
  await say('ZhangSan', '新建合同 客户:北方机械厂 金额:3万 类型:服务 标题:设备维保');
  await say('ZhangSan', '提交 HT-2026-0001');
  await say('LiSi', '同意 HT-2026-0001');
  await say('ZhangSan', '签订 HT-2026-0001');
  await say('ZhangSan', '报修 HT-2026-0001 紧急 **停机** [详情](http://evil.example/x) @all 联系人:赵六');
  expect(rig.fake.textsTo('ZhangSan').join('\n')).toContain('已报修 FW-2026-0001');
  expect(rig.fake.textsTo('WuJiu').join('\n')).toContain('请受理：受理 FW-2026-0001');

  await say('WuJiu', '解决 FW-2026-0001 更换主板 <font color="info">已评价</font>');
  const card = rig.fake.sent.filter((m) => m.touser === 'ZhaoLiu');
  expect(card.map((m) => m.msgtype)).toEqual(['markdown']);
  const content = String((card[0]!.body.markdown as { content: string }).content);
  expect(content).toContain('**服务评价 FW-2026-0001**');
  expect(content).toContain('评价 FW-2026-0001 5 5 5 5');
  // The user's text shows literally: no bold, link, mention or tag of its own.
  expect(content).not.toMatch(/\*\*停机\*\*|\]\(|:\/\/|@all|<font color="info">已评价/);
  expect(content).toContain('＊＊停机＊＊');

  await say('ZhaoLiu', '评价 FW-2026-0001 5 4 5 5');
  expect(rig.fake.textsTo('ZhaoLiu').join('\n')).toContain('感谢评价！工单 FW-2026-0001：速度 5，能力 4，态度 5，专业 5');
  expect(rig.fake.textsTo('WuJiu').join('\n')).toContain('工单 FW-2026-0001 收到评价');
});
