// A command that names a person resolves by id, identity or a display name only one person has; when
// a name is shared, the reply lists the candidates and nothing happens (before, `转交 … 李四` silently
// took the first 李四). The policy refuses shared names at start-up, but a directory can still hold
// them (a later sync from the platforms' contact lists), so the use-case does not rely on it.

import { parsePolicy } from '../../bot/config';
import { databaseFingerprint, EXAMPLE_POLICY, lastCardAction, startHarness, type Harness } from '../support/harness';

const NO = 'HT-2026-0001';
let h: Harness;

beforeEach(async () => {
  const policy = parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml');
  // A second 王五, added behind the policy check, as a directory sync could.
  policy.people.push({ id: 'wangwu2', name: '王五', roles: ['legal'], manager: 'qianqi', identities: ['wecom:WangWu2'] });
  h = await startHarness({ policy });
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  await h.say('zhangsan', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:广告投放');
  await h.say('zhangsan', `提交 ${NO}`);
});
afterEach(() => h.close());

const assignee = async () => (await h.app.dataSource.query("SELECT assignee_id a FROM approval_step WHERE status = 'pending'"))[0].a;

it.each([
  ['typed', (who: string, to: string) => h.say(who, `转交 ${NO} ${to}`)],
  ['from the card', (who: string, to: string) => h.click(who, lastCardAction(h, who, '转交'), to)],
])('a shared name (%s) lists the candidates with their ids and changes nothing', async (_how, transfer) => {
  for (const typed of ['王五', '@王五', '王\u200B五 ']) {
    const before = await databaseFingerprint(h.app);
    const { reply, others } = await transfer('lisi', typed);
    expect(reply).toContain('通讯录里有 2 位「王五」：王五（账号 wangwu）、王五（账号 wangwu2）');
    expect(reply).toContain(`例：转交 ${NO} wangwu`);
    expect(others).toEqual([]);
    expect(await databaseFingerprint(h.app)).toBe(before);
  }
  expect(await assignee()).toBe('lisi');
});

it('resolves by id, by identity, and by a name only one person has (normalised, any case)', async () => {
  expect((await h.say('lisi', `转交 ${NO} wangwu2`)).reply).toContain('已转交给 王五');
  expect(await assignee()).toBe('wangwu2');
  expect((await h.say('wangwu2', `转交 ${NO} wecom:QianQi`)).reply).toContain('已转交给 钱七');
  expect((await h.say('qianqi', `转交 ${NO} 周\u00AD七`)).reply).toContain('已转交给 周七');
  expect(await assignee()).toBe('zhouqi');
});

it('a name nobody has is not found', async () => {
  const before = await databaseFingerprint(h.app);
  expect((await h.say('lisi', `转交 ${NO} 王六`)).reply).toContain('通讯录里没有「王六」');
  expect(await databaseFingerprint(h.app)).toBe(before);
});
