// A contract signed through chat, for the fulfilment tests.

import type { Harness } from './harness';

/** A signed sales contract of ¥300,000 for 2026-12-01 … 2027-05-31 owned by 张三; returns its number. */
export async function signedContract(hh: Harness, extra = '', amount = '30万', title = '印刷设备'): Promise<string> {
  if (!/KH-/.test((await hh.say('zhangsan', '客户 华东日报社')).reply)) await hh.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  const { reply } = await hh.say('zhangsan', `新建合同 客户:华东日报社 金额:${amount} 类型:销售 标题:${title} 开始:2026-12-01 结束:2027-05-31 ${extra}`);
  const no = /HT-\d{4}-\d{4}/.exec(reply)?.[0];
  if (!no) throw new Error(`no contract: ${reply}`);
  await hh.say('zhangsan', `提交 ${no}`);
  for (const approver of ['lisi', 'wangwu', 'zhouqi', 'qianqi']) await hh.say(approver, `同意 ${no}`);
  const signed = await hh.say('zhangsan', `签订 ${no} 2026-11-23`);
  if (!signed.reply.includes('已登记')) throw new Error(`not signed: ${signed.reply}`);
  return no;
}

