import type { Command } from '../../../handlers/commands/command';
import { HELP_COMMANDS, helpText } from '../../../handlers/commands/help';
import { normalizeContractNo, parseCommand } from '../../../handlers/commands/parse';

const env = { now: new Date('2026-11-23T02:00:00Z'), timezone: 'Asia/Shanghai' };
const parse = (text: string) => parseCommand(text, env);
const command = (text: string): Command => {
  const r = parse(text);
  if (!r.ok) throw new Error(`${text}: ${JSON.stringify(r)}`);
  return r.command;
};

describe('keywords and aliases', () => {
  it.each([
    ['帮助', 'help'], ['help', 'help'], ['HELP', 'help'], ['？', 'help'], ['/help', 'help'],
    ['待办', 'todo'], ['todo', 'todo'], ['我的合同', 'my_contracts'], ['my contracts', 'my_contracts'],
    ['提交 HT-2026-0001', 'submit'], ['submit HT-2026-0001', 'submit'], ['提交HT-2026-0001', 'submit'],
    ['取消 HT-2026-0001', 'cancel'], ['催办 HT-2026-0001', 'urge'], ['urge HT-2026-0001', 'urge'],
    ['撤回 HT-2026-0001', 'withdraw'], ['withdraw HT-2026-0001', 'withdraw'],
    ['合同 HT-2026-0001', 'contract'], ['contract HT-2026-0001', 'contract'],
    ['签订 HT-2026-0001', 'signed'], ['sign HT-2026-0001', 'signed'],
    ['客户 华东日报社', 'customer'], ['customer KH-000001', 'customer'],
  ])('%s → %s', (text, name) => {
    expect(command(text).name).toBe(name);
  });

  it('does not take an English keyword out of a longer word', () => {
    expect(parse('helpful').ok).toBe(false);
    expect(parse('todolist')).toEqual({ ok: false, kind: 'unknown' });
  });

  it.each(['', '   ', '你好', '合同助手在吗', 'hello'])('unknown: %j', (text) => {
    expect(parse(text)).toEqual({ ok: false, kind: 'unknown' });
  });
});

describe('fields', () => {
  it('parses a new contract with both colon kinds, newlines and spaces inside values', () => {
    expect(command('新建合同 客户:华东日报社 金额：50.5万元\n类型:销售 标题:2027 年度 广告投放 风险:中 开始:2026-12-01 结束:12月31日 付款:签约后 30 日内 续约:是')).toEqual({
      name: 'new_contract',
      fields: {
        customer: '华东日报社',
        amountFen: 50_500_000,
        type: 'sales',
        title: '2027 年度 广告投放',
        risk: 'medium',
        startDate: '2026-12-01',
        endDate: '2026-12-31',
        paymentTerms: '签约后 30 日内',
        autoRenew: true,
      },
    });
  });

  it('accepts English keys and values', () => {
    expect(command('new contract customer:KH-000001 amount:500,000 type:service title:Ops risk:high')).toMatchObject({
      fields: { customer: 'KH-000001', amountFen: 50_000_000, type: 'service', risk: 'high' },
    });
  });

  it('parses a new customer, with the name given as a field or positionally', () => {
    expect(command('新建客户 名称:华东日报社 等级:a 别名:华东日报，华东报社、华东')).toEqual({
      name: 'new_customer', customerName: '华东日报社', tier: 'A', aliases: ['华东日报', '华东报社', '华东'], confirm: false,
    });
    expect(command('new customer 北方机械厂 tier:C confirm:yes')).toEqual({
      name: 'new_customer', customerName: '北方机械厂', tier: 'C', aliases: [], confirm: true,
    });
  });

  it('parses edits, approvals with comments, rejections, transfers and signatures', () => {
    expect(command('修改 HT-2026-0001 金额:60万 标题:新标题')).toEqual({
      name: 'edit', contractNo: 'HT-2026-0001', changes: { amountFen: 60_000_000, title: '新标题' },
    });
    expect(command('同意 HT-2026-0001 价格 合理')).toEqual({ name: 'approve', contractNo: 'HT-2026-0001', comment: '价格 合理' });
    expect(command('approve ht-2026-1')).toEqual({ name: 'approve', contractNo: 'HT-2026-0001' });
    expect(command('驳回 HT-2026-0001 付款条件不清楚')).toEqual({ name: 'reject', contractNo: 'HT-2026-0001', reason: '付款条件不清楚' });
    expect(command('转交 HT-2026-0001 王五')).toEqual({ name: 'transfer', contractNo: 'HT-2026-0001', to: '王五' });
    expect(command('签订 HT-2026-0001 昨天')).toEqual({ name: 'signed', contractNo: 'HT-2026-0001', date: '2026-11-22' });
  });

  it('parses a follow-up with content, method, next date and contract', () => {
    expect(command('跟进 华东日报社 电话沟通 续约意向 方式:电话 下次:下周一 合同:ht20260001')).toEqual({
      name: 'follow_up', customer: '华东日报社', content: '电话沟通 续约意向', method: '电话', next: '2026-11-30', contractNo: 'HT-2026-0001',
    });
    expect(command('follow-up KH-000001 visited')).toEqual({ name: 'follow_up', customer: 'KH-000001', content: 'visited' });
  });

  it('normalises contract numbers', () => {
    expect(normalizeContractNo('ht20260001')).toBe('HT-2026-0001');
    expect(normalizeContractNo('HT-2026-12')).toBe('HT-2026-0012');
    expect(normalizeContractNo('HT-26-1')).toBeNull();
  });
});

describe('malformed input names the field and gives an example that parses', () => {
  it.each([
    ['新建合同 客户:华东日报社 金额:很多 类型:销售 标题:x', '金额'],
    ['新建合同 客户:华东日报社 金额:0 类型:销售 标题:x', '金额'],
    ['新建合同 客户:华东日报社 金额:5万 类型:租赁 标题:x', '类型'],
    ['新建合同 客户:华东日报社 金额:5万 类型:销售', '标题'],
    ['新建合同 金额:5万 类型:销售 标题:x', '客户'],
    ['新建合同 华东 金额:5万 类型:销售 标题:x', '客户'],
    ['新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 风险:极高', '风险'],
    ['新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 开始:2027-02-30', '开始'],
    ['新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 开始:2027-06-01 结束:2027-01-01', '结束'],
    ['新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 续约:也许', '续约'],
    ['新建合同 客户:华东日报社 金额:5万 金额:6万 类型:销售 标题:x', '金额'],
    ['新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x 方式:电话', '方式'],
    ['修改 HT-2026-0001', '字段'],
    ['修改 HT-2026-0001 金额:abc', '金额'],
    ['修改 合同一 金额:5万', '合同号'],
    ['提交', '合同号'],
    ['提交 abc', '合同号'],
    ['驳回 HT-2026-0001', '原因'],
    ['转交 HT-2026-0001', '转交人'],
    ['签订 HT-2026-0001 某天', '日期'],
    ['跟进 华东日报社', '内容'],
    ['跟进', '客户'],
    ['跟进 华东日报社 拜访 方式:飞鸽', '方式'],
    ['跟进 华东日报社 拜访 下次:某天', '下次'],
    ['跟进 华东日报社 拜访 合同:abc', '合同'],
    ['新建客户', '名称'],
    ['新建客户 等级:A', '名称'],
    ['新建客户 名称:x 等级:S', '等级'],
    ['客户', '客户'],
  ])('%s → %s', (text, field) => {
    const r = parse(text);
    expect(r).toMatchObject({ ok: false, kind: 'invalid', field });
    if (r.ok || r.kind !== 'invalid') throw new Error('unreachable');
    expect(r.message.length).toBeGreaterThan(0);
    expect(parse(r.example).ok).toBe(true);
  });
});

describe('help', () => {
  it('lists every command with an example that parses to that command', () => {
    for (const c of HELP_COMMANDS) expect(command(c.example).name).toBe(c.name);
    expect(helpText()).toContain('新建合同 客户:华东日报社');
    expect(helpText().split('\n').length).toBeLessThan(25);
  });
});
