// Shared set-up of the service-ticket tests: a signed contract of 张三's, and the policy they run on.

import { parsePolicy, type Policy } from '../../bot/config';
import { EXAMPLE_POLICY, type Harness } from './harness';

/** The example policy (its service channel gets the SLA escalations) plus a second service person. */
export function servicePolicy(extra = ''): Policy {
  const yaml = EXAMPLE_POLICY.replace(
    '  - id: admin\n',
    '  - id: zhengshi\n    name: 郑十\n    roles: [service]\n    manager: lisi\n    identities: [dingtalk:zhengshi01]\n  - id: admin\n',
  );
  return parsePolicy(yaml + extra, 'policy.test.yaml');
}

/** A low-risk contract of 张三's, approved by 李四 and signed; returns its number. */
export async function signedContract(h: Harness, title = '设备维保'): Promise<string> {
  await h.say('zhangsan', '新建客户 名称:北方机械厂 等级:A');
  const draft = await h.say('zhangsan', `新建合同 客户:北方机械厂 金额:3万 类型:服务 标题:${title}`);
  const no = /HT-\d{4}-\d{4}/.exec(draft.reply)![0];
  await h.say('zhangsan', `提交 ${no}`);
  await h.say('lisi', `同意 ${no}`);
  const signed = await h.say('zhangsan', `签订 ${no}`);
  if (!signed.reply.includes('已签订')) throw new Error(`could not sign ${no}: ${signed.reply}`);
  return no;
}
