import type { Command, ParseOutcome } from '../../../handlers/commands/command';
import { HELP_COMMANDS } from '../../../handlers/commands/help';
import { normalizeContractNo, normalizeTicketNo, parseCommand } from '../../../handlers/commands/parse';

// Monday 2026-11-23, 10:00 in Shanghai.
const env = { now: new Date('2026-11-23T02:00:00Z'), timezone: 'Asia/Shanghai' };
const parse = (text: string) => parseCommand(text, env);
const command = (text: string): Command => {
  const r = parse(text);
  if (!r.ok) throw new Error(`${text}: ${JSON.stringify(r)}`);
  return r.command;
};
type Invalid = Extract<ParseOutcome, { kind: 'invalid' }>;
const invalid = (text: string): Invalid => {
  const r = parse(text);
  if (r.ok || r.kind !== 'invalid') throw new Error(`${text}: expected invalid, got ${JSON.stringify(r)}`);
  return r;
};

/** What every `invalid` must satisfy: names the field, and its example is a correct command of the same kind. */
function expectUsefulInvalid(r: Invalid): void {
  expect(r.field.length).toBeGreaterThan(0);
  expect(r.message).toContain(r.field);
  const again = parse(r.example);
  if (!again.ok) throw new Error(`example ${JSON.stringify(r.example)} for ${JSON.stringify(r)} does not parse: ${JSON.stringify(again)}`);
  expect(again.command.name).toBe(r.command);
}

const NO = 'HT-2026-0001';
const Q3 = {
  key: '2026Q3', label: '2026年第3季度', fromDate: '2026-07-01', toDate: '2026-10-01',
  from: new Date('2026-06-30T16:00:00Z'), to: new Date('2026-09-30T16:00:00Z'),
};

describe('every command, Chinese and English', () => {
  const cases: [string, string, Command][] = [
    ['帮助', 'help', { name: 'help' }],
    ['新建客户 名称:华东日报社 等级:A 别名:华东日报,华东报社', 'new customer name:华东日报社 tier:A aliases:华东日报,华东报社', {
      name: 'new_customer', customerName: '华东日报社', tier: 'A', aliases: ['华东日报', '华东报社'], confirm: false,
    }],
    ['客户 华东日报社', 'customer 华东日报社', { name: 'customer', query: '华东日报社' }],
    ['新建合同 客户:华东日报社 金额:50万 类型:销售 标题:2027年度广告投放', 'new contract customer:华东日报社 amount:500000 type:sales title:2027年度广告投放', {
      name: 'new_contract', fields: { customer: '华东日报社', amountFen: 50_000_000, type: 'sales', title: '2027年度广告投放' },
    }],
    [`修改 ${NO} 金额:60万`, `edit ${NO} amount:600,000`, { name: 'edit', contractNo: NO, changes: { amountFen: 60_000_000 } }],
    [`提交 ${NO}`, `submit ${NO}`, { name: 'submit', contractNo: NO }],
    [`取消 ${NO}`, `cancel ${NO}`, { name: 'cancel', contractNo: NO }],
    [`同意 ${NO}`, `approve ${NO}`, { name: 'approve', contractNo: NO }],
    [`驳回 ${NO} 付款条件不清楚`, `reject ${NO} 付款条件不清楚`, { name: 'reject', contractNo: NO, reason: '付款条件不清楚' }],
    [`转交 ${NO} 王五`, `transfer ${NO} 王五`, { name: 'transfer', contractNo: NO, to: '王五' }],
    [`催办 ${NO}`, `urge ${NO}`, { name: 'urge', contractNo: NO }],
    [`撤回 ${NO}`, `withdraw ${NO}`, { name: 'withdraw', contractNo: NO }],
    ['待办', 'todo', { name: 'todo' }],
    [`合同 ${NO}`, `contract ${NO}`, { name: 'contract', contractNo: NO }],
    ['我的合同', 'my contracts', { name: 'my_contracts' }],
    ['发送状态', 'outbox', { name: 'outbox_status' }],
    [`签订 ${NO} 2026-11-20`, `signed ${NO} 2026-11-20`, { name: 'signed', contractNo: NO, date: '2026-11-20' }],
    ['跟进 华东日报社 电话沟通续约 方式:电话 下次:下周一', 'follow-up 华东日报社 电话沟通续约 method:phone next:下周一', {
      name: 'follow_up', customer: '华东日报社', content: '电话沟通续约', method: '电话', next: '2026-11-30',
    }],
    ['报表 2026Q3', 'report 2026q3', { name: 'report', period: Q3 }],
    ['导出 台账', 'export ledger', { name: 'export', what: 'ledger' }],
    ['导出 报表 2026年第3季度', 'export report 2026Q3', { name: 'export', what: 'report', period: Q3 }],
    [`报修 ${NO} 紧急 生产线设备停机 联系人:张三`, `service ${NO} urgent 生产线设备停机 contact:张三`, {
      name: 'service', contractNo: NO, priority: 'urgent', description: '生产线设备停机', contact: '张三',
    }],
    ['受理 FW-2026-0001', 'ack FW-2026-0001', { name: 'ack', ticketNo: 'FW-2026-0001' }],
    ['响应 FW-2026-0001 已远程排查', 'respond FW-2026-0001 已远程排查', { name: 'respond', ticketNo: 'FW-2026-0001', note: '已远程排查' }],
    ['解决 FW-2026-0001 更换主板', 'resolve FW-2026-0001 更换主板', { name: 'resolve', target: { kind: 'ticket', ticketNo: 'FW-2026-0001' }, note: '更换主板' }],
    ['评价 FW-2026-0001 5 4 5 5', 'rate FW-2026-0001 5 4 5 5', {
      name: 'rate', ticketNo: 'FW-2026-0001', ratings: { speed: 5, ability: 4, attitude: 5, professional: 5 },
    }],
    ['异议 FW-2026-0001 设备仍有异响', 'objection FW-2026-0001 设备仍有异响', { name: 'objection', ticketNo: 'FW-2026-0001', content: '设备仍有异响' }],
    ['回访 FW-2026-0001', 'callback FW-2026-0001', { name: 'callback', ticketNo: 'FW-2026-0001' }],
    ['工单 FW-2026-0001', 'ticket FW-2026-0001', { name: 'ticket', ticketNo: 'FW-2026-0001' }],
    // The fulfilment commands (more in fulfilment-parse.test.ts).
    [`里程碑 ${NO} 安装 计划:2027-03-15`, `milestone ${NO} 安装 plan:2027-03-15`, { name: 'milestone', contractNo: NO, milestone: '安装', planned: '2027-03-15' }],
    [`完成 ${NO} 安装`, `done ${NO} 安装`, { name: 'milestone_done', contractNo: NO, milestone: '安装' }],
    [`延期 ${NO} 安装 2027-04-30 缺货`, `delay ${NO} 安装 2027-04-30 缺货`, { name: 'milestone_delay', contractNo: NO, milestone: '安装', newDate: '2027-04-30', reason: '缺货' }],
    [`付款节点 ${NO} 2027-03-31 15万`, `payment node ${NO} 2027-03-31 15万`, { name: 'payment_node', contractNo: NO, date: '2027-03-31', amountFen: 15_000_000 }],
    [`回款 ${NO} 15万`, `payment ${NO} 15万`, { name: 'receipt', contractNo: NO, amountFen: 15_000_000 }],
    [`问题 ${NO} 无法开机`, `issue ${NO} 无法开机`, { name: 'problem', contractNo: NO, description: '无法开机' }],
    ['解决 WT-2026-0001 好了', 'resolve WT-2026-0001 好了', { name: 'resolve', target: { kind: 'problem', problemNo: 'WT-2026-0001' }, note: '好了' }],
  ];

  it.each(cases)('%s  ≡  %s', (zh, en, expected) => {
    expect(command(zh)).toEqual(expected);
    expect(command(en)).toEqual(expected);
  });

  it('covers every command name', () => {
    const names = new Set(cases.map(([, , c]) => c.name));
    expect([...names].sort()).toEqual(HELP_COMMANDS.map((h) => h.name).sort());
  });
});

describe('keywords', () => {
  it.each([
    ['HELP', 'help'], ['Help', 'help'], ['?', 'help'], ['？', 'help'], ['/help', 'help'], ['/帮助', 'help'], ['／帮助', 'help'],
    ['  帮助  ', 'help'], ['\n帮助\n', 'help'], ['\u3000帮助\u3000', 'help'], ['@合同助手 帮助', 'help'], ['\u200b帮助', 'help'],
    ['TODO', 'todo'], ['My Contracts', 'my_contracts'], ['my   contracts', 'my_contracts'], ['my\ncontracts', 'my_contracts'],
    ['New Contract 客户:a 金额:1万 类型:销售 标题:x', 'new_contract'],
    ['New  Customer 华东', 'new_customer'], ['customer 华东', 'customer'],
    [`sign ${NO}`, 'signed'], [`SIGNED ${NO}`, 'signed'],
    ['followup 华东 聊了', 'follow_up'], ['follow up 华东 聊了', 'follow_up'], ['Follow-Up 华东 聊了', 'follow_up'],
  ])('%j → %s', (text, name) => {
    expect(command(text).name).toBe(name);
  });

  it('prefers the longest keyword', () => {
    expect(command('我的合同').name).toBe('my_contracts');
    expect(command('新建客户 华东').name).toBe('new_customer');
    expect(command('新建合同 客户:a 金额:1万 类型:销售 标题:x').name).toBe('new_contract');
    expect(command(`signed ${NO} 明天`)).toEqual({ name: 'signed', contractNo: NO, date: '2026-11-24' });
  });

  it('lets a Chinese keyword run straight into its argument', () => {
    expect(command('同意HT-2026-0001')).toEqual({ name: 'approve', contractNo: NO });
    expect(command('驳回HT-2026-0001，金额不对')).toEqual({ name: 'reject', contractNo: NO, reason: '金额不对' });
    expect(command('提交ht20260001')).toEqual({ name: 'submit', contractNo: NO });
    expect(command('客户华东日报社')).toEqual({ name: 'customer', query: '华东日报社' });
    expect(command('新建合同客户:华东 金额:1万 类型:服务 标题:维保')).toMatchObject({ fields: { customer: '华东', type: 'service' } });
    expect(command('跟进华东日报社 拜访了')).toEqual({ name: 'follow_up', customer: '华东日报社', content: '拜访了' });
    expect(command('合同：HT-2026-0001')).toEqual({ name: 'contract', contractNo: NO });
  });

  it('requires whitespace (or the end) after an English keyword', () => {
    expect(command(`submit\n${NO}`)).toEqual({ name: 'submit', contractNo: NO });
    for (const text of ['helpful', 'todolist', `submitHT-2026-0001`, `signature ${NO}`, `contracts ${NO}`, 'customers 华东']) {
      expect(parse(text)).toEqual({ ok: false, kind: 'unknown' });
    }
  });

  it.each(['', '   ', '\n', '你好', '合同助手在吗', '同意吗', 'hello', '帮我看看', 'HT-2026-0001', '审批一下'])('unknown: %j', (text) => {
    expect(parse(text)).toEqual({ ok: false, kind: 'unknown' });
  });
});

describe('fields', () => {
  it('parses a new contract with both colon kinds, newlines and spaces inside values', () => {
    expect(
      command('新建合同\n客户:华东日报社\n金额：50.5万元\n类型:销售 标题:2027 年度 广告投放 风险：中 开始:2026-12-01 结束:12月31日\n付款:签约后 30 日内 续约:是'),
    ).toEqual({
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

  it('accepts English keys and values, case-insensitively', () => {
    expect(command('new contract Customer:KH-000001 AMOUNT:500,000 type:Service title:Ops support risk:HIGH auto_renew:no start:2027/1/1')).toEqual({
      name: 'new_contract',
      fields: { customer: 'KH-000001', amountFen: 50_000_000, type: 'service', title: 'Ops support', risk: 'high', autoRenew: false, startDate: '2027-01-01' },
    });
  });

  it.each([
    ['类型:销售', { type: 'sales' }], ['类型:服务', { type: 'service' }], ['类型:采购', { type: 'purchase' }], ['类型:其他', { type: 'other' }],
    ['类型:purchase', { type: 'purchase' }], ['类型:采购合同', { type: 'purchase' }],
    ['风险:低', { risk: 'low' }], ['风险:高风险', { risk: 'high' }], ['风险:medium', { risk: 'medium' }],
    ['金额:1.2亿', { amountFen: 12_000_000_000 }], ['金额:500000', { amountFen: 50_000_000 }], ['金额:500,000', { amountFen: 50_000_000 }],
    ['续约:yes', { autoRenew: true }], ['自动续约:否', { autoRenew: false }], ['续约:TRUE', { autoRenew: true }], ['auto_renew:false', { autoRenew: false }],
    ['开始:明天', { startDate: '2026-11-24' }], ['结束:下周一', { endDate: '2026-11-30' }], ['结束:12月1日', { endDate: '2026-12-01' }],
    ['付款:首付 30%，验收后付清', { paymentTerms: '首付 30%，验收后付清' }],
    ['客户:华东 日报社', { customer: '华东 日报社' }],
  ])('edit %s', (field, changes) => {
    expect(command(`修改 ${NO} ${field}`)).toEqual({ name: 'edit', contractNo: NO, changes });
  });

  it('edits several fields at once, separated by newlines', () => {
    expect(command(`修改 ${NO}\n金额:60万\n标题:新 标题\n风险:低`)).toEqual({
      name: 'edit', contractNo: NO, changes: { amountFen: 60_000_000, title: '新 标题', risk: 'low' },
    });
  });

  it('parses a new customer, with the name as a field or positional, tier in any case, aliases split on , ， 、', () => {
    expect(command('新建客户 名称:华东日报社 等级:a 别名:华东日报，华东报社、华东,华东')).toEqual({
      name: 'new_customer', customerName: '华东日报社', tier: 'A', aliases: ['华东日报', '华东报社', '华东'], confirm: false,
    });
    expect(command('new customer 北方 机械厂 tier:c confirm:yes')).toEqual({
      name: 'new_customer', customerName: '北方 机械厂', aliases: [], confirm: true,
      tier: 'C',
    });
    expect(command('新建客户 华东日报 确认：是')).toEqual({ name: 'new_customer', customerName: '华东日报', aliases: [], confirm: true });
    expect(command('新建客户 华东日报 等级:B级')).toMatchObject({ tier: 'B' });
  });

  it('takes the rest of an approval as the comment, and free text for reject/transfer', () => {
    expect(command(`同意 ${NO} 价格 合理`)).toEqual({ name: 'approve', contractNo: NO, comment: '价格 合理' });
    expect(command(`approve ${NO}\n同意，注意回款`)).toEqual({ name: 'approve', contractNo: NO, comment: '同意，注意回款' });
    expect(command(`驳回 ${NO} 付款 条件 不清楚`)).toEqual({ name: 'reject', contractNo: NO, reason: '付款 条件 不清楚' });
    expect(command(`转交 ${NO} zhangsan`)).toEqual({ name: 'transfer', contractNo: NO, to: 'zhangsan' });
  });

  it('ignores words after commands that take only a contract number', () => {
    expect(command(`催办 ${NO} 请尽快`)).toEqual({ name: 'urge', contractNo: NO });
    expect(command('待办 全部')).toEqual({ name: 'todo' });
  });

  it('parses a follow-up: customer, content with spaces, method, next date and contract', () => {
    expect(command('跟进 华东日报社 电话沟通 续约意向\n方式：拜访 下次:明天 合同:ht20260001')).toEqual({
      name: 'follow_up', customer: '华东日报社', content: '电话沟通 续约意向', method: '拜访', next: '2026-11-24', contractNo: NO,
    });
    expect(command('follow-up KH-000001 visited the plant method:visit contract:HT-2026-7')).toEqual({
      name: 'follow_up', customer: 'KH-000001', content: 'visited the plant', method: '拜访', contractNo: 'HT-2026-0007',
    });
    expect(command('跟进 KH-000001 发了报价 方式:邮件')).toMatchObject({ method: '邮件' });
    for (const m of ['电话', '拜访', '微信', '邮件', '会议']) expect(command(`跟进 a b 方式:${m}`)).toMatchObject({ method: m });
  });

  it('resolves relative dates in the policy timezone, not UTC', () => {
    // 2026-11-22T17:00Z is already Monday 01:00 in Shanghai (still Sunday in UTC).
    const lateSunday = { now: new Date('2026-11-22T17:00:00Z'), timezone: 'Asia/Shanghai' };
    expect(parseCommand(`签订 ${NO} 今天`, lateSunday)).toEqual({ ok: true, command: { name: 'signed', contractNo: NO, date: '2026-11-23' } });
    expect(parseCommand(`签订 ${NO} 明天`, lateSunday)).toEqual({ ok: true, command: { name: 'signed', contractNo: NO, date: '2026-11-24' } });
    expect(command(`签订 ${NO} 昨天`)).toEqual({ name: 'signed', contractNo: NO, date: '2026-11-22' });
    expect(command(`签订 ${NO} 12月1日`)).toEqual({ name: 'signed', contractNo: NO, date: '2026-12-01' });
    expect(command(`签订 ${NO} 2026/12/1`)).toEqual({ name: 'signed', contractNo: NO, date: '2026-12-01' });
  });
});

describe('contract numbers', () => {
  it.each([
    ['HT-2026-0001', 'HT-2026-0001'], ['ht-2026-0001', 'HT-2026-0001'], ['ht20260001', 'HT-2026-0001'], ['HT-2026-1', 'HT-2026-0001'],
    ['HT2026-12', 'HT-2026-0012'], ['Ht-2027-0345', 'HT-2027-0345'], ['HT-2026-9999', 'HT-2026-9999'],
  ])('%s → %s', (typed, canonical) => {
    expect(normalizeContractNo(typed)).toBe(canonical);
    expect(command(`合同 ${typed}`)).toEqual({ name: 'contract', contractNo: canonical });
  });

  it.each(['HT-26-1', 'HT-2026-00001', 'HT-2026-0000', 'HT-2026', 'XX-2026-0001', '2026-0001', 'HT-2026-0001a', 'FW-2026-0001', '一号'])('rejects %s', (typed) => {
    expect(normalizeContractNo(typed)).toBeNull();
    for (const kw of ['合同', '提交', '同意', '签订', '修改', 'withdraw']) {
      const r = invalid(`${kw} ${typed} 金额:1万`);
      expect(r.field).toBe('合同号');
      expect(r.message).toContain(typed);
      expectUsefulInvalid(r);
    }
  });
});

describe('ticket numbers', () => {
  it.each([['FW-2026-0001', 'FW-2026-0001'], ['fw20260001', 'FW-2026-0001'], ['FW-2026-1', 'FW-2026-0001'], ['Fw2027-345', 'FW-2027-0345']])('%s → %s', (typed, canonical) => {
    expect(normalizeTicketNo(typed)).toBe(canonical);
    expect(command(`工单 ${typed}`)).toEqual({ name: 'ticket', ticketNo: canonical });
  });

  it.each(['FW-26-1', 'FW-2026-00001', 'FW-2026-0000', 'HT-2026-0001', 'FW-2026-0001a', '一号'])('rejects %s', (typed) => {
    expect(normalizeTicketNo(typed)).toBeNull();
    for (const kw of ['受理', '响应', '评价', '异议', '回访', '工单']) {
      const r = invalid(`${kw} ${typed} 5 5 5 5`);
      expect(r.field).toBe('工单号');
      expectUsefulInvalid(r);
    }
    // 解决 reads the prefix first: anything but FW- is not something it can resolve (yet).
    expect(invalid(`解决 ${typed}`).field).toBe(typed.startsWith('FW') ? '工单号' : '编号');
  });

  it('keeps the ticket number the user typed in the example', () => {
    expect(invalid('评价 fw20260007 5 5').example).toBe('评价 FW-2026-0007 5 4 5 5');
  });
});

describe('malformed input names the field and gives an example that parses', () => {
  const nc = '新建合同 客户:华东日报社 金额:5万 类型:销售 标题:x';
  it.each([
    // new_contract: every field type
    ['新建合同 客户:华东日报社 金额:很多 类型:销售 标题:x', '金额'],
    ['新建合同 客户:华东日报社 金额:0 类型:销售 标题:x', '金额'],
    ['新建合同 客户:华东日报社 金额:-5万 类型:销售 标题:x', '金额'],
    ['新建合同 客户:华东日报社 金额:5万 类型:租赁 标题:x', '类型'],
    ['新建合同 客户:华东日报社 金额:5万 类型:销售', '标题'],
    ['新建合同 客户:华东日报社 金额:5万 标题:x', '类型'],
    ['新建合同 客户:华东日报社 类型:销售 标题:x', '金额'],
    ['新建合同 金额:5万 类型:销售 标题:x', '客户'],
    ['新建合同', '客户'],
    ['new contract', '客户'],
    ['新建合同 华东 金额:5万 类型:销售 标题:x', '客户'],
    ['新建合同 客户: 金额:5万 类型:销售 标题:x', '客户'],
    [`${nc} 风险:极高`, '风险'],
    [`${nc} 开始:2027-02-30`, '开始'],
    [`${nc} 结束:某天`, '结束'],
    [`${nc} 开始:2027-06-01 结束:2027-01-01`, '结束'],
    [`${nc} 续约:也许`, '续约'],
    [`${nc} 付款:`, '付款'],
    ['新建合同 客户:华东日报社 金额:5万 金额:6万 类型:销售 标题:x', '金额'],
    ['新建合同 客户:华东日报社 金额:5万 amount:6万 类型:销售 标题:x', '金额'],
    [`${nc} 方式:电话`, '方式'],
    [`${nc} 名称:华东`, '名称'],
    // edit
    [`修改 ${NO}`, '字段'],
    [`修改 ${NO} 60万`, '字段'],
    [`修改 ${NO} 金额:abc`, '金额'],
    [`修改 ${NO} 类型:租赁`, '类型'],
    [`修改 ${NO} 结束:2020-01-01 开始:2027-01-01`, '结束'],
    [`修改 ${NO} 下次:明天`, '下次'],
    ['修改 合同一 金额:5万', '合同号'],
    ['修改', '合同号'],
    // contract-number commands
    ['提交', '合同号'], ['submit', '合同号'], ['提交 abc', '合同号'], ['取消 abc', '合同号'], ['催办', '合同号'],
    ['撤回 x', '合同号'], ['合同 2026', '合同号'], ['同意', '合同号'], ['转交', '合同号'], ['签订', '合同号'],
    [`驳回 ${NO}`, '原因'],
    [`reject ${NO}`, '原因'],
    ['驳回 abc 原因', '合同号'],
    [`转交 ${NO}`, '转交人'],
    [`签订 ${NO} 某天`, '日期'],
    // follow_up
    ['跟进 华东日报社', '内容'],
    ['跟进 华东日报社 方式:电话', '内容'],
    ['跟进', '客户'],
    ['跟进 华东日报社 拜访 方式:飞鸽', '方式'],
    ['跟进 华东日报社 拜访 下次:某天', '下次'],
    ['跟进 华东日报社 拜访 合同:abc', '合同'],
    ['跟进 华东日报社 拜访 金额:5万', '金额'],
    ['跟进 华东日报社 拜访 方式:电话 方式:微信', '方式'],
    // new_customer / customer
    ['新建客户', '名称'],
    ['新建客户 等级:A', '名称'],
    ['新建客户 名称:x 等级:S', '等级'],
    ['新建客户 名称:x 确认:可能', '确认'],
    ['新建客户 名称:x 别名:', '别名'],
    ['新建客户 华东 名称:华东日报社', '名称'],
    ['新建客户 名称:x 金额:5万', '金额'],
    ['客户', '客户'],
    ['customer', '客户'],
  ])('%j → %s', (text, field) => {
    const r = invalid(text);
    expect(r.field).toBe(field);
    expectUsefulInvalid(r);
  });

  it('reports the first missing required field of a new contract, in the order 客户 金额 类型 标题', () => {
    expect(invalid('新建合同 标题:x').field).toBe('客户');
    expect(invalid('新建合同 标题:x 客户:a').field).toBe('金额');
    expect(invalid('新建合同 标题:x 客户:a 金额:1万').field).toBe('类型');
  });

  it('keeps the contract number the user typed in the example', () => {
    expect(invalid('驳回 ht20260007').example).toBe('驳回 HT-2026-0007 付款条件不清楚');
    expect(invalid('修改 HT-2026-7 金额:许多').example).toBe('修改 HT-2026-0007 金额:50万');
  });

  it('shows the wrong field in the example of a new contract', () => {
    const r = invalid(`${nc} 风险:极高`);
    expect(r.example).toContain('风险:中');
    expect(invalid(`${nc} 开始:2027-06-01 结束:2027-01-01`).example).toMatch(/开始:\S+ 结束:\S+/);
  });

  it('names the command in the outcome, whatever language the keyword', () => {
    expect(invalid(`reject ${NO}`).command).toBe('reject');
    expect(invalid('new customer tier:A').command).toBe('new_customer');
  });
});

describe('property: every malformed variant of a valid command explains itself with a parsable example', () => {
  const valid = [
    ...HELP_COMMANDS.map((h) => h.example),
    '新建合同 客户:华东日报社 金额:50.5万元 类型:服务 标题:2027 年度 维保 风险:高 开始:2027-01-01 结束:2027-12-31 付款:分 4 期 续约:否',
    '新建客户 名称:北方机械厂 等级:C 别名:北方机械,北机 确认:是',
    '跟进 KH-000001 拜访 谈了 价格 方式:拜访 下次:下周一 合同:HT-2026-0002',
    `修改 ${NO} 客户:华东 金额:1万 类型:采购 标题:y 风险:低 开始:明天 结束:下周一 付款:z 续约:是`,
  ];

  const variants = (line: string): string[] => {
    const out: string[] = [];
    // Every prefix, cut at a character boundary.
    const chars = [...line];
    for (let i = 0; i <= chars.length; i++) out.push(chars.slice(0, i).join(''));
    const tokens = line.split(' ');
    tokens.forEach((tok, i) => {
      const without = tokens.filter((_, j) => j !== i).join(' ');
      out.push(without);
      out.push([...tokens.slice(0, i + 1), tok, ...tokens.slice(i + 1)].join(' ')); // duplicated
      const colon = tok.indexOf(':');
      const garbled = colon >= 0 ? `${tok.slice(0, colon + 1)}？？` : '？？';
      out.push(tokens.map((t, j) => (j === i ? garbled : t)).join(' '));
      if (colon >= 0) out.push(tokens.map((t, j) => (j === i ? tok.slice(0, colon + 1) : t)).join(' ')); // empty value
    });
    return out;
  };

  it.each(valid)('%s', (line) => {
    expect(parse(line).ok).toBe(true);
    let invalids = 0;
    for (const v of variants(line)) {
      const r = parse(v);
      if (r.ok || r.kind === 'unknown') continue;
      invalids++;
      expectUsefulInvalid(r);
    }
    // Commands that take arguments must have produced some invalid variants, or the property says nothing.
    if (/\s/.test(line)) expect(invalids).toBeGreaterThan(0);
  });
});

describe('报表 and 导出', () => {
  it('reads this month when no period is given', () => {
    expect(command('报表')).toMatchObject({ name: 'report', period: { key: '2026-11' } });
    expect(command('报表本季度')).toMatchObject({ name: 'report', period: { key: '2026Q4' } });
  });

  it.each(['报表 2026Q9', '报表 明年第一季', `报表 ${'长'.repeat(60)}`, '导出 客户', '导出', '导出 台账 2026Q3', '导出 报表 13月'])('%s: names the field, with a working example', (text) => {
    expectUsefulInvalid(invalid(text));
  });
});
