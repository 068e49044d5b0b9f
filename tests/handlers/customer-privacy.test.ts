// `客户 <名称>` and `跟进 <客户>` reveal a customer only to those product.md §1 lets see it (the owner,
// the owner's managers, legal/finance/gm/admin; for follow-ups the owner, managers, gm/admin). Anyone
// else gets exactly the reply they would get for a customer that does not exist. And the rights come
// first: a person is searched only among the customers they may see, so a long name from someone
// without rights costs no comparison with everyone's customers.

import * as names from '../../handlers/domain/names';
import { databaseFingerprint, startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A 别名:华东日报');
});
afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

/** The reply with the queried text replaced, so replies about two different names can be compared. */
const replyAbout = async (who: string, query: string) => (await h.say(who, `客户 ${query}`)).reply.replaceAll(query, '<q>');

describe('客户 <名称>', () => {
  it.each(['zhangsan', 'lisi', 'qianqi', 'wangwu', 'zhouqi', 'admin'])('%s (owner, manager or a read-all role) sees the profile', async (who) => {
    const { reply } = await h.say(who, '客户 华东日报社');
    expect(reply).toContain('客户 KH-000001 华东日报社');
    expect(reply).toContain('负责人');
  });

  it.each(['zhaoliu', 'wujiu'])('%s gets the same reply as for a customer that does not exist', async (who) => {
    for (const [existing, missing] of [['华东日报社', '华南晚报社'], ['华东日报', '华南晚报'], ['KH-000001', 'KH-000999']] as const) {
      const hidden = await replyAbout(who, existing);
      expect(hidden).toBe(await replyAbout(who, missing));
      expect(hidden).not.toMatch(/KH-000001|张三|华东日报社/);
      expect(hidden).toContain('仅负责人、其上级及法务/财务/总经理/管理员可以查看');
    }
  });

  it('does not suggest close names the person may not see', async () => {
    const { reply } = await h.say('zhaoliu', '客户 华东报社');
    expect(reply).not.toContain('你是不是要找');
    expect(reply).not.toContain('KH-000001');
    // The owner is offered the close name.
    expect((await h.say('zhangsan', '客户 华东报社')).reply).toContain('你是不是要找：KH-000001 华东日报社');
  });

  it('lets a person see their own customers, and a manager those of their team', async () => {
    await h.say('zhaoliu', '新建客户 名称:北方机械厂 等级:C');
    expect((await h.say('zhaoliu', '客户 北方机械厂')).reply).toContain('客户 KH-000002 北方机械厂');
    expect((await h.say('zhangsan', '客户 北方机械厂')).reply).toContain('找不到客户「北方机械厂」');
    expect((await h.say('lisi', '客户 北方机械厂')).reply).toContain('客户 KH-000002 北方机械厂');
  });
});

describe('跟进 <客户>', () => {
  it('someone else’s customer is not found, like one that does not exist; nothing is written', async () => {
    const before = await databaseFingerprint(h.app);
    const hidden = (await h.say('zhaoliu', '跟进 华东日报社 顺路拜访')).reply;
    const missing = (await h.say('zhaoliu', '跟进 华南晚报社 顺路拜访')).reply;
    expect(hidden.replaceAll('华东日报社', '<q>')).toBe(missing.replaceAll('华南晚报社', '<q>'));
    expect(hidden).toContain('只有负责人及其上级');
    expect(await databaseFingerprint(h.app)).toBe(before);
    expect((await h.say('lisi', '跟进 华东日报社 经理回访')).reply).toContain('已记录跟进');
  });
});

describe('rights before work', () => {
  it('a 12,000-character 客户 from a person without customer rights is refused with nothing looked up or compared', async () => {
    const listAll = jest.spyOn(h.app.deps.repos.customers, 'listAll');
    const listByOwners = jest.spyOn(h.app.deps.repos.customers, 'findByNameKeys');
    const findByCode = jest.spyOn(h.app.deps.repos.customers, 'findByCode');
    const close = jest.spyOn(names, 'isCloseName');
    const normalize = jest.spyOn(names, 'normalizeCustomerName');
    const before = await databaseFingerprint(h.app);
    const { reply } = await h.say('wujiu', `客户 ${'华东日报社'.repeat(2400)}`);
    expect(reply).toContain('整条消息最长 4000 个字');
    for (const spy of [listAll, listByOwners, findByCode, close, normalize]) expect(spy).not.toHaveBeenCalled();
    expect(await databaseFingerprint(h.app)).toBe(before);
  });

  it('a name at the limit from a person without rights is looked up only among their own customers (none): no comparison at all', async () => {
    const listAll = jest.spyOn(h.app.deps.repos.customers, 'listAll');
    const exact = jest.spyOn(h.app.deps.repos.customers, 'findByNameKeys');
    const candidates = jest.spyOn(h.app.deps.repos.customers, 'findNameCandidates');
    const close = jest.spyOn(names, 'isCloseName');
    const { reply } = await h.say('wujiu', `客户 ${'华东日报社'.repeat(40)}`);
    expect(reply).toContain('找不到客户');
    expect(listAll).not.toHaveBeenCalled();
    expect(exact).toHaveBeenCalledWith(expect.anything(), [expect.any(String)], ['wujiu']);
    expect(candidates).toHaveBeenCalledWith(expect.anything(), expect.any(String), ['wujiu'], expect.any(Number));
    expect(close).not.toHaveBeenCalled();
    // The spies do see the work when it is allowed: legal may read every customer.
    await h.say('wangwu', `客户 ${'华东日报社'.repeat(40)}`);
    expect(candidates).toHaveBeenLastCalledWith(expect.anything(), expect.any(String), null, expect.any(Number));
    expect(close).toHaveBeenCalled();
    expect(listAll).not.toHaveBeenCalled();
  });

  it('a follow-up from someone who may not log one compares nothing with other people’s customers', async () => {
    const listAll = jest.spyOn(h.app.deps.repos.customers, 'listAll');
    const close = jest.spyOn(names, 'isCloseName');
    await h.say('zhaoliu', `跟进 ${'华东日报社'.repeat(40)} 顺路拜访`);
    expect(listAll).not.toHaveBeenCalled();
    expect(close).not.toHaveBeenCalled();
  });

  it('new customers and contracts check the role before comparing names', async () => {
    const listAll = jest.spyOn(h.app.deps.repos.customers, 'listAll');
    expect((await h.say('wangwu', `新建客户 名称:${'华东日报社'.repeat(40)}`)).reply).toContain('只有销售');
    expect((await h.say('wujiu', `新建合同 客户:${'华东日报社'.repeat(40)} 金额:5万 类型:销售 标题:x`)).reply).toContain('只有销售');
    expect(listAll).not.toHaveBeenCalled();
  });
});

describe('invisible characters do not make a new customer', () => {
  it.each([
    ['a soft hyphen', '华东\u00ADx日报社'.replace('x', '')],
    ['a right-to-left override', '华东日报社\u202E'],
    ['zero-width characters', '\u200B华东\u200D日报社\uFEFF'],
  ])('%s: seen as a duplicate of 华东日报社, nothing written', async (_what, typed) => {
    const before = await databaseFingerprint(h.app);
    const { reply } = await h.say('zhaoliu', `新建客户 名称:${typed} 确认:是`);
    expect(reply).toContain('「华东日报社」已是客户 KH-000001 华东日报社 的名称或别名');
    expect(await databaseFingerprint(h.app)).toBe(before);
  });

  it('stores the normalised name, so later look-ups and comparisons see the plain text', async () => {
    await h.say('zhangsan', '新建客户 名称:北方\u00AD机械厂\u202E 别名:北\u200B机 等级:C');
    const rows = await h.app.dataSource.query("SELECT name, aliases FROM customer WHERE code = 'KH-000002'");
    expect(rows).toEqual([{ name: '北方机械厂', aliases: '["北机"]' }]);
    expect((await h.say('zhangsan', '新建客户 名称:北方机械厂')).reply).toContain('已是客户 KH-000002');
    expect((await h.say('zhangsan', '客户 北机')).reply).toContain('客户 KH-000002 北方机械厂');
  });
});
