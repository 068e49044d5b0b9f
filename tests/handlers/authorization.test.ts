// Every command × every role of the example directory: allowed or refused as product.md §1 and the
// README's permission table say. Each case starts from the same state on a fresh database.

import { databaseFingerprint, startHarness, type Harness } from '../support/harness';

// zhangsan: sales (owner), manager lisi; zhaoliu: another sales under lisi; lisi: sales_manager
// (approver of step 1), manager qianqi; wangwu: legal (step 2); zhouqi: finance; qianqi: gm;
// wujiu: service; admin: admin; stranger: not in the directory.
const PEOPLE = ['zhangsan', 'zhaoliu', 'lisi', 'wangwu', 'zhouqi', 'qianqi', 'wujiu', 'admin'] as const;
type Who = (typeof PEOPLE)[number];

interface Case {
  command: string;
  /** Who may run it, given a contract HT-2026-0001 of zhangsan in approval at step 1 (lisi). */
  allowed: Who[];
  /** A piece of the reply that only an allowed run produces. */
  success: string;
}

const NO = 'HT-2026-0001';
const CASES: Case[] = [
  { command: '帮助', allowed: [...PEOPLE], success: '新建合同' },
  { command: '新建客户 名称:南方电网物资 等级:B', allowed: ['zhangsan', 'zhaoliu', 'lisi', 'qianqi', 'admin'], success: '已新建客户' },
  { command: '客户 华东日报社', allowed: ['zhangsan', 'lisi', 'qianqi', 'wangwu', 'zhouqi', 'admin'], success: '下次跟进：' },
  { command: '新建合同 客户:华东日报社 金额:2万 类型:服务 标题:培训', allowed: ['zhangsan', 'zhaoliu', 'lisi', 'qianqi', 'admin'], success: '已创建合同草稿' },
  { command: `修改 ${NO} 标题:新标题`, allowed: ['zhangsan'], success: '生成 v2' },
  { command: `同意 ${NO}`, allowed: ['lisi'], success: '已同意' },
  { command: `驳回 ${NO} 价格太低`, allowed: ['lisi'], success: '已驳回' },
  { command: `转交 ${NO} 钱七`, allowed: ['lisi'], success: '已转交给 钱七' },
  { command: `催办 ${NO}`, allowed: ['zhangsan'], success: '已催办' },
  { command: `撤回 ${NO}`, allowed: ['zhangsan'], success: '已撤回' },
  { command: '待办', allowed: [...PEOPLE], success: '待审批' },
  { command: `合同 ${NO}`, allowed: ['zhangsan', 'lisi', 'qianqi', 'wangwu', 'zhouqi', 'admin'], success: `合同 ${NO}（审批中）` },
  { command: '我的合同', allowed: [...PEOPLE], success: '合同' },
  { command: '跟进 华东日报社 电话沟通 方式:电话', allowed: ['zhangsan', 'lisi', 'qianqi', 'admin'], success: '已记录跟进' },
  { command: '发送状态', allowed: ['admin'], success: '待发送' },
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

// A fresh copy of the same starting state for every case: one harness, reset through the database.
async function freshState(): Promise<void> {
  await h.close();
  h = await startHarness();
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  await h.say('zhangsan', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:广告投放');
  await h.say('zhangsan', `提交 ${NO}`);
}

describe.each(CASES)('$command', ({ command, allowed, success }) => {
  it.each(PEOPLE.map((p) => [p, allowed.includes(p)] as const))('%s allowed=%s', async (who, isAllowed) => {
    await freshState();
    const before = await databaseFingerprint(h.app);
    const { reply } = await h.say(who, command);
    if (isAllowed) {
      expect(reply).toContain(success);
    } else {
      expect(reply).not.toContain(success);
      expect(reply).toMatch(/只有|无权|不能|仅|由 .* 审批/);
      expect(await databaseFingerprint(h.app)).toBe(before);
    }
  });
});

describe('signing', () => {
  it.each(PEOPLE.map((p) => [p, ['zhangsan', 'wangwu', 'admin'].includes(p)] as const))('%s may record a signature: %s', async (who, isAllowed) => {
    await freshState();
    await h.say('lisi', `同意 ${NO}`);
    await h.say('wangwu', `同意 ${NO}`);
    const { reply } = await h.say(who, `签订 ${NO}`);
    expect(reply.includes('已登记')).toBe(isAllowed);
  });
});

it('a person not in the directory gets a polite explanation and nothing else', async () => {
  await freshState();
  const before = await databaseFingerprint(h.app);
  for (const text of ['帮助', `同意 ${NO}`, '新建客户 名称:某公司']) {
    const { reply, others } = await h.say('stranger', text);
    expect(reply).toContain('还不在合同助手的通讯录里');
    expect(others).toEqual([]);
  }
  expect(await databaseFingerprint(h.app)).toBe(before);
});
