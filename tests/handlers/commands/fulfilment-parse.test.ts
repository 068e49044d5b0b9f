// The fulfilment commands: Chinese and English forms, and bad input naming the field with an example.

import { parseCommand } from '../../../handlers/commands/parse';
import { replyToUnparsed } from '../../../handlers/execute';
import type { ParseOutcome } from '../../../handlers/commands/command';

const env = { now: new Date('2026-11-23T02:00:00Z'), timezone: 'Asia/Shanghai' };
const parse = (text: string) => parseCommand(text, env);
const command = (text: string) => {
  const r = parse(text);
  if (!r.ok) throw new Error(`did not parse: ${text} → ${JSON.stringify(r)}`);
  return r.command;
};
const invalid = (text: string) => {
  const r = parse(text) as Extract<ParseOutcome, { kind: 'invalid' }>;
  expect(r).toMatchObject({ ok: false, kind: 'invalid' });
  expect(parse(r.example).ok).toBe(true); // the example itself parses
  return r;
};
const NO = 'HT-2026-0001';

it.each([
  [`里程碑 ${NO} 设备安装 计划:2027-03-15 负责人:吴九`, `milestone ${NO} 设备安装 plan:2027-03-15 owner:吴九`, { name: 'milestone', contractNo: NO, milestone: '设备安装', planned: '2027-03-15', responsible: '吴九' }],
  [`完成 ${NO} 原材料采购完成`, `done ${NO} 原材料采购完成`, { name: 'milestone_done', contractNo: NO, milestone: '原材料采购完成' }],
  [`完成 ${NO} 2 昨天`, `done ht-2026-1 2 昨天`, { name: 'milestone_done', contractNo: NO, milestone: '2', date: '2026-11-22' }],
  [`延期 ${NO} 出厂检验合格 2027-04-30 供应商 芯片缺货`, `delay ${NO} 出厂检验合格 2027/4/30 供应商 芯片缺货`, { name: 'milestone_delay', contractNo: NO, milestone: '出厂检验合格', newDate: '2027-04-30', reason: '供应商 芯片缺货' }],
  [`付款节点 ${NO} 2027-03-31 15万 到货款`, `payment node ${NO} 2027-03-31 150,000 到货款`, { name: 'payment_node', contractNo: NO, date: '2027-03-31', amountFen: 15_000_000, label: '到货款' }],
  [`回款 ${NO} 15万 2026-11-20`, `payment ${NO} 150000 2026-11-20`, { name: 'receipt', contractNo: NO, amountFen: 15_000_000, date: '2026-11-20' }],
  [`回款 ${NO} 1.5万`, `receipt ${NO} 15000`, { name: 'receipt', contractNo: NO, amountFen: 1_500_000 }],
  [`问题 ${NO} 现场设备无法开机 影响:客户停产`, `issue ${NO} 现场设备无法开机 impact:客户停产`, { name: 'problem', contractNo: NO, description: '现场设备无法开机', impact: '客户停产' }],
  ['解决 WT-2026-0001 已更换主板', 'resolve wt20261 已更换主板', { name: 'resolve', target: { kind: 'problem', problemNo: 'WT-2026-0001' }, note: '已更换主板' }],
  ['解决 FW-2026-12 已处理', 'resolve fw-2026-0012 已处理', { name: 'resolve', target: { kind: 'ticket', ticketNo: 'FW-2026-0012' }, note: '已处理' }],
])('%s  ≡  %s', (zh, en, expected) => {
  expect(command(zh)).toEqual(expected);
  expect(command(en)).toEqual(expected);
});

describe('bad input names the field and shows an example that parses', () => {
  it.each([
    [`里程碑 ${NO} 设备安装`, '计划', '计划:2027-03-15'],
    [`里程碑 ${NO} 设备安装 计划:下下周`, '计划', '计划:'],
    [`里程碑 ${NO} 计划:2027-03-15`, '里程碑', '里程碑 HT-2026-0001'],
    [`里程碑 ${NO} 设备 安装 计划:2027-03-15`, '里程碑', '计划:'],
    [`里程碑 ${NO} 设备安装 计划:2027-03-15 影响:大`, '影响', '计划:'],
    [`完成 ${NO}`, '里程碑', '完成 HT-2026-0001'],
    [`完成 ${NO} 2 2099-01-01`, '完成日期', '完成 HT-2026-0001'],
    [`完成 ${NO} 设备 安装 昨天`, '日期', '完成 HT-2026-0001'],
    [`延期 ${NO} 出厂检验合格`, '新日期', '延期 HT-2026-0001'],
    [`延期 ${NO} 出厂检验合格 2027-04-30`, '原因', '延期 HT-2026-0001'],
    [`延期 ${NO} 出厂检验合格 不知道 缺货`, '新日期', '延期 HT-2026-0001'],
    [`付款节点 ${NO}`, '计划日期', '付款节点 HT-2026-0001'],
    [`付款节点 ${NO} 2027-03-31`, '金额', '付款节点 HT-2026-0001'],
    [`付款节点 ${NO} 2027-03-31 很多`, '金额', '付款节点 HT-2026-0001'],
    [`回款 ${NO}`, '金额', '回款 HT-2026-0001'],
    [`回款 ${NO} -5万`, '金额', '回款 HT-2026-0001'],
    [`回款 ${NO} 5万 明天 多余`, '日期', '回款 HT-2026-0001'],
    [`回款 HT-2026 5万`, '合同号', '回款 HT-2026-0001'],
    [`问题 ${NO}`, '描述', '问题 HT-2026-0001'],
    [`问题 ${NO} 影响:停产`, '描述', '问题 HT-2026-0001'],
    ['解决', '编号', '解决 FW-2026-0001'],
    ['解决 WT-2026-0001', '说明', '解决 FW-2026-0001'],
    ['解决 第一个 好了', '编号', '解决 FW-2026-0001'],
  ])('%s → %s', (text, field, example) => {
    const r = invalid(text);
    expect(r.field).toBe(field);
    expect(r.example).toContain(example);
    const reply = replyToUnparsed(r);
    expect(reply[0]).toMatchObject({ type: 'text' });
    expect(JSON.stringify(reply)).toContain('例：');
  });

  it('limits free text: a description, an impact and a resolution', () => {
    expect(invalid(`问题 ${NO} ${'很'.repeat(2001)}`).message).toContain('最长 2000');
    expect(invalid(`问题 ${NO} 坏了 影响:${'很'.repeat(201)}`).message).toContain('最长 200');
    expect(invalid(`解决 WT-2026-0001 ${'好'.repeat(1001)}`).message).toContain('最长 1000');
    expect(invalid(`里程碑 ${NO} ${'名'.repeat(51)} 计划:2027-01-01`).message).toContain('最长 50');
  });

  it('normalises hostile text: invisible characters go, a description keeps its lines', () => {
    const c = command(`问题 ${NO} 第一行\u202E反转\n第二行\u200B`);
    expect(c).toMatchObject({ name: 'problem', description: '第一行反转\n第二行' });
  });
});
