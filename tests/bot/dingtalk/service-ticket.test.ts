// A service ticket on DingTalk (Stream mode, the real DWClient, the fake DingTalk): the satisfaction
// card reaches the contract owner (no contact named) as a robot one-to-one markdown message with the
// user's text escaped, not as an interactive card, and the rating typed back is recorded.

import { startDingtalkRig, type DingtalkRig } from '../../support/dingtalk-rig';

let rig: DingtalkRig;
beforeEach(async () => {
  rig = await startDingtalkRig({ template: true });
});
afterEach(() => rig.stop());

it('报修 → 解决 → satisfaction card to the owner → 评价, all over DingTalk', async () => {
  await rig.say('zhangsan01', '新建客户 名称:北方机械厂 等级:A');
  await rig.say('zhangsan01', '新建合同 客户:北方机械厂 金额:3万 类型:服务 标题:设备维保');
  await rig.say('zhangsan01', '提交 HT-2026-0001');
  await rig.say('lisi01', '同意 HT-2026-0001');
  await rig.say('zhangsan01', '签订 HT-2026-0001');
  await rig.say('zhangsan01', '报修 HT-2026-0001 一般 **停机** [详情](http://evil.example/x) @all');
  const cardsBefore = rig.fake.cardsCreated.length;
  // 李四 is the handler's manager: he may resolve it.
  await rig.say('lisi01', '解决 FW-2026-0001 更换主板 <font color="info">已评价</font>');
  expect(rig.fake.cardsCreated.length).toBe(cardsBefore); // markdown, not an interactive card
  const card = rig.otoMarkdown('zhangsan01').find((t) => t.includes('服务评价 FW-2026-0001'));
  expect(card).toBeDefined();
  expect(card).toContain('> 请复制并修改分数后回复：评价 FW-2026-0001 5 5 5 5');
  expect(card).not.toMatch(/\*\*停机\*\*|\]\(|:\/\/|@all|<font/);
  expect(card).toContain('＊＊停机＊＊');

  await rig.say('zhangsan01', '评价 FW-2026-0001 速度:5 能力:4 态度:5 专业:5');
  const rated = await rig.app.dataSource.query("SELECT rating_speed, rating_ability, rated_by FROM service_ticket WHERE number = 'FW-2026-0001'");
  expect(rated.map((r: Record<string, unknown>) => [Number(r.rating_speed), Number(r.rating_ability), r.rated_by])).toEqual([[5, 4, 'zhangsan']]);
});
