// Bad input changes nothing and gets a reply that helps: the field, what is wrong, an example.

import { databaseFingerprint, startHarness, type Harness } from '../support/harness';

let h: Harness;
const NO = 'HT-2026-0001';

beforeAll(async () => {
  h = await startHarness();
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  await h.say('zhangsan', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:广告投放');
  await h.say('zhangsan', `提交 ${NO}`);
});
afterAll(() => h.close());

const MALFORMED: [who: string, text: string, mentions: string[]][] = [
  ['zhangsan', '新建合同 客户:华东日报社 金额:很多 类型:销售 标题:x', ['金额', '例：']],
  ['zhangsan', '新建合同 客户:华东日报社 金额:-5 类型:销售 标题:x', ['金额', '例：']],
  ['zhangsan', '新建合同 客户:华东日报社 金额:5万 类型:租赁 标题:x', ['类型', '例：']],
  ['zhangsan', '新建合同 客户:华东日报社 金额:5万 类型:销售', ['标题', '例：']],
  ['zhangsan', '新建合同 金额:5万 类型:销售 标题:x', ['客户', '例：']],
  ['zhangsan', '新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 风险:极高', ['风险', '例：']],
  ['zhangsan', '新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 开始:2027-13-01', ['开始', '例：']],
  ['zhangsan', '新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 开始:2027-06-01 结束:2027-01-01', ['结束', '例：']],
  ['zhangsan', '新建合同 客户:不存在的公司 金额:5万 类型:销售 标题:x', ['找不到客户']],
  ['zhangsan', `修改 ${NO}`, ['例：']],
  ['zhangsan', `修改 ${NO} 金额:abc`, ['金额', '例：']],
  ['zhangsan', `修改 ${NO} 标题:广告投放`, ['没有变化']],
  ['zhangsan', '修改 HT-2026-9999 标题:新', ['找不到合同']],
  ['zhangsan', '提交 合同一', ['合同号', '例：']],
  ['lisi', `驳回 ${NO}`, ['原因', '例：']],
  ['lisi', `转交 ${NO}`, ['例：']],
  ['lisi', `转交 ${NO} 不存在的人`, ['通讯录里没有']],
  ['zhangsan', '跟进 华东日报社', ['内容', '例：']],
  ['zhangsan', '跟进 华东日报社 拜访 方式:飞鸽传书', ['方式', '例：']],
  ['zhangsan', '跟进 华东日报社 拜访 下次:某天', ['下次', '例：']],
  ['zhangsan', '新建客户 等级:A', ['名称', '例：']],
  ['zhangsan', '新建客户 名称:西部能源 等级:S', ['等级', '例：']],
  ['zhangsan', '签订 HT-2026-0001 2030-01-01', ['签订']],
  // Property names as values (these threw an internal error once), and dates out of range.
  ['zhangsan', '签订 HT-2026-0001 toString', ['日期', '例：']],
  ['zhangsan', '新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 开始:__proto__', ['开始', '例：']],
  ['zhangsan', `修改 ${NO} 结束:constructor`, ['结束', '例：']],
  ['zhangsan', '跟进 华东日报社 拜访 下次:__proto__', ['下次', '例：']],
  ['zhangsan', '签订 HT-2026-0001 1900-01-01', ['日期', '超出范围', '2000-01-01', '例：']],
  ['zhangsan', `修改 ${NO} 开始:1900-01-01`, ['开始', '超出范围', '例：']],
  ['zhangsan', `修改 ${NO} 结束:2099-01-01`, ['结束', '超出范围', '例：']],
  ['zhangsan', '跟进 华东日报社 拜访 下次:2030-01-01', ['下次', '超出范围', '例：']],
  ['zhangsan', '你好', ['帮助']],
  ['zhangsan', '', ['帮助']],
];

it.each(MALFORMED)('%s: %s', async (who, text, mentions) => {
  const before = await databaseFingerprint(h.app);
  const { reply } = await h.say(who, text);
  for (const m of mentions) expect(reply).toContain(m);
  expect(await databaseFingerprint(h.app)).toBe(before);
});

it('the example in an error reply is itself a valid command', async () => {
  const { reply } = await h.say('zhangsan', '新建合同 客户:华东日报社 金额:很多 类型:销售 标题:x');
  const example = /例：(.+)/.exec(reply)![1]!;
  const { reply: second } = await h.say('zhangsan', example);
  expect(second).not.toContain('有误');
  expect(second).toContain('已创建合同草稿');
});
