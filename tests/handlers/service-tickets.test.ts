// Service tickets through the whole bot (real migrations on SQLite, the dispatcher, the outbox):
// 报修 → 受理 → 响应 → 解决 → 评价 / 回访 / 异议, who may do what, and what bad input gets back.

import { parseCommand } from '../../handlers/commands/parse';
import { databaseFingerprint, startHarness, type Harness } from '../support/harness';
import { servicePolicy, signedContract } from '../support/service';

let h: Harness;
let no: string;
beforeEach(async () => {
  h = await startHarness({ policy: servicePolicy() });
  no = await signedContract(h);
});
afterEach(() => h.close());

const audit = async () =>
  (await h.app.dataSource.query(`SELECT action, actor_id, detail FROM audit_event WHERE action LIKE 'ticket.%' ORDER BY id`)).map(
    (r: { action: string; actor_id: string; detail: string }) => [r.action, r.actor_id, JSON.parse(r.detail).ticket],
  );
const ticketRows = async () => Number((await h.app.dataSource.query('SELECT COUNT(*) AS n FROM service_ticket'))[0].n);
const state = async () => `${await databaseFingerprint(h.app)}|${JSON.stringify(await h.app.dataSource.query('SELECT * FROM service_ticket ORDER BY id'))}`;

describe('a ticket from 报修 to 评价', () => {
  it('assigns a service person, runs the clocks, and ends with a satisfaction card, a call-back task and an audit trail', async () => {
    const opened = await h.say('zhangsan', `报修 ${no} 紧急 生产线设备停机 联系人:赵六`);
    expect(opened.reply).toMatch(/已报修 FW-2026-0001 · 紧急 · 待受理/);
    expect(opened.reply).toContain('受理：截止 11-23 11:00（进行中）'); // urgent: 1 h natural
    expect(opened.reply).toContain('解决：截止 11-23 14:00（进行中）');
    // The handler is told (urgent: an urgent ticket reaches them at night too); the owner opened it himself.
    expect(opened.others.map((s) => [s.to, s.message.urgent, s.message.dedupeKey])).toEqual([
      [{ kind: 'person', personId: 'wujiu' }, true, 'ticket:1:assigned'],
    ]);
    expect(opened.others[0]!.text).toContain('请受理：受理 FW-2026-0001');

    h.clock.advanceHours(0.25);
    expect((await h.say('wujiu', '受理 FW-2026-0001')).reply).toContain('受理：截止 11-23 11:00（已完成 11-23 10:15 ✓）');
    expect((await h.say('wujiu', '受理 FW-2026-0001')).reply).toContain('已于 11-23 10:15 受理');
    h.clock.advanceHours(2); // 12:15: the response is late
    expect((await h.say('wujiu', 'respond fw20260001 远程排查完毕，下午上门')).reply).toMatch(/已响应工单 FW-2026-0001（已超过时限）[\s\S]*首次响应：截止 11-23 12:00（已完成 11-23 12:15 ✗ 超时）/);
    h.clock.advanceHours(1.5); // 13:45: in working time (at lunch the notes below would wait for 13:30)
    const resolved = await h.say('wujiu', '解决 FW-2026-0001 更换主板后恢复运行');
    expect(resolved.reply).toContain('已解决工单 FW-2026-0001');
    const to = (id: string) => resolved.others.filter((s) => s.to.kind === 'person' && s.to.personId === id).map((s) => s.text).join('\n');
    // The customer contact gets the card; the owner is told; the handler gets the call-back task (24 h).
    expect(to('zhaoliu')).toMatch(/服务评价 FW-2026-0001[\s\S]*评价 FW-2026-0001 5 5 5 5[\s\S]*异议 FW-2026-0001 <内容>（48 小时内处理）/);
    expect(to('zhangsan')).toContain('工单 FW-2026-0001 已解决（吴九）：更换主板后恢复运行');
    expect(to('wujiu')).toContain('请在 11-24 13:45 前回访客户');
    expect((await h.say('wujiu', '解决 FW-2026-0001')).reply).toContain('已于 11-23 13:45 解决');

    expect((await h.say('zhaoliu', '评价 FW-2026-0001 5 4 5 5')).reply).toContain('速度 5，能力 4，态度 5，专业 5');
    expect((await h.say('zhangsan', 'rate FW-2026-0001 1 1 1 1')).reply).toContain('每个工单只能评价一次');
    expect((await h.say('wujiu', 'callback FW-2026-0001 客户确认运行正常')).reply).toContain('已登记工单 FW-2026-0001 的回访');
    expect((await h.say('wujiu', '回访 FW-2026-0001')).reply).toContain('已于');
    const details = (await h.say('zhaoliu', '工单 FW-2026-0001')).reply;
    expect(details).toContain('评价：速度5 能力4 态度5 专业5');
    expect(details).toContain('回访：截止 11-24 13:45（已完成 11-23 13:45 ✓）');

    expect(await audit()).toEqual([
      ['ticket.opened', 'zhangsan', 'FW-2026-0001'],
      ['ticket.acknowledged', 'wujiu', 'FW-2026-0001'],
      ['ticket.responded', 'wujiu', 'FW-2026-0001'],
      ['ticket.resolved', 'wujiu', 'FW-2026-0001'],
      ['ticket.rated', 'zhaoliu', 'FW-2026-0001'],
      ['ticket.callback', 'wujiu', 'FW-2026-0001'],
    ]);
    const [responded] = await h.app.dataSource.query(`SELECT detail FROM audit_event WHERE action = 'ticket.responded'`);
    expect(JSON.parse(responded.detail)).toMatchObject({ met: false, note: '远程排查完毕，下午上门' });
  });

  it('round-robins the service people, tells the owner when someone else opens, and sends the card to the owner without a contact', async () => {
    const first = await h.say('wujiu', `service ${no} general 打印机卡纸`);
    expect(first.reply).toContain('处理人：吴九');
    // A general ticket's clocks count working hours; the owner hears of it (not urgent).
    expect(first.reply).toContain('时限：工作小时计时');
    expect(first.others.map((s) => [s.to, s.message.urgent ?? false])).toEqual([
      [{ kind: 'person', personId: 'wujiu' }, false],
      [{ kind: 'person', personId: 'zhangsan' }, false],
    ]);
    expect((await h.say('zhangsan', `报修 ${no} 一般 培训咨询`)).reply).toContain('处理人：郑十');
    expect((await h.say('lisi', `报修 ${no} 一般 网络故障`)).reply).toContain('处理人：吴九');
    // A response with no acknowledgement before it confirms the ticket too; resolving fills in both.
    const resolved = await h.say('zhengshi', '解决 FW-2026-0002 电话讲解完毕');
    expect(resolved.reply).toContain('受理：截止 11-23 11:00（已完成 11-23 10:00 ✓）');
    expect(resolved.others.filter((s) => s.to.kind === 'person' && s.to.personId === 'zhangsan').map((s) => s.text).join()).toContain('服务评价 FW-2026-0002');
  });

  it('an objection reopens a resolved ticket until it is settled, once', async () => {
    await h.say('zhangsan', `报修 ${no} 一般 设备异响 联系人:赵六`);
    expect((await h.say('zhaoliu', '异议 FW-2026-0001 还没修')).reply).toContain('尚未解决');
    await h.say('wujiu', '解决 FW-2026-0001 紧固螺丝');
    const objection = await h.say('zhaoliu', 'objection FW-2026-0001 仍有异响');
    expect(objection.reply).toContain('须在 11-25 10:00 前处理'); // 48 h natural
    expect(objection.others.map((s) => (s.to.kind === 'person' ? s.to.personId : '')).sort()).toEqual(['lisi', 'wujiu']);
    expect((await h.say('zhaoliu', '工单 FW-2026-0001')).reply).toContain('异议处理中');
    const settled = await h.say('wujiu', '解决 FW-2026-0001 更换轴承');
    expect(settled.reply).toContain('已处理工单 FW-2026-0001 的异议');
    expect(settled.others.map((s) => [s.to, s.text])).toEqual([[{ kind: 'person', personId: 'zhaoliu' }, expect.stringContaining('异议已处理')]]);
    expect((await h.say('zhaoliu', '异议 FW-2026-0001 又响了')).reply).toContain('已于 11-23 10:00 提出过异议并已处理');
    expect((await audit()).map((a: string[]) => a[0])).toEqual(['ticket.opened', 'ticket.resolved', 'ticket.objection', 'ticket.objection_closed']);
  });

  it('a periodic ticket agrees a visit date at least N working days ahead', async () => {
    // Monday 11-23: three working days ahead is Thursday 11-26.
    const opened = await h.say('zhangsan', `报修 ${no} 巡检 季度巡检`);
    expect(opened.reply).toContain('约定日期 2026-11-26');
    expect(opened.reply).toContain('解决：截止 11-27 00:00');
    expect(opened.reply).not.toContain('受理：截止');
    expect((await h.say('zhangsan', `报修 ${no} 巡检 年度巡检 日期:2026-11-25`)).reply).toContain('巡检须至少提前 3 个工作日约定，最早 2026-11-26');
    expect((await h.say('zhangsan', `报修 ${no} 巡检 年度巡检 日期:2026-11-28`)).reply).toContain('2026-11-28 不是工作日');
    expect((await h.say('zhangsan', `报修 ${no} 巡检 年度巡检 日期:下周一`)).reply).toContain('约定日期 2026-11-30');
  });
});

describe('permissions (in the use-cases)', () => {
  it('refuses, with nothing written, whoever may not open, handle, rate, object or read', async () => {
    await h.say('zhangsan', `报修 ${no} 一般 设备异响`);
    const before = await state();
    // 赵六 sells too, but this is 张三's contract.
    expect((await h.say('zhaoliu', `报修 ${no} 紧急 停机`)).reply).toContain(`只有合同负责人及其上级、客服和法务/财务/总经理/管理员可以为合同 ${no} 报修`);
    expect((await h.say('zhangsan', '受理 FW-2026-0001')).reply).toContain('只有处理人 吴九、客服和其上级可以受理工单 FW-2026-0001');
    expect((await h.say('zhaoliu', '解决 FW-2026-0001')).reply).toContain('可以解决工单');
    expect((await h.say('zhaoliu', '工单 FW-2026-0001')).reply).toContain('你无权查看工单 FW-2026-0001');
    expect((await h.say('zhangsan', '评价 FW-2026-0001 5 5 5 5')).reply).toContain('尚未解决，解决后才能评价');
    expect(await state()).toBe(before);
    await h.say('wujiu', '解决 FW-2026-0001 已修复');
    const resolvedState = await state();
    expect((await h.say('wujiu', '评价 FW-2026-0001 5 5 5 5')).reply).toContain('只有客户联系人、合同负责人 张三 及其上级可以评价');
    expect((await h.say('zhouqi', '异议 FW-2026-0001 不满意')).reply).toContain('可以对工单 FW-2026-0001 提出异议');
    expect((await h.say('zhangsan', '回访 FW-2026-0001')).reply).toContain('可以登记工单 FW-2026-0001 的回访');
    expect(await state()).toBe(resolvedState);
    // Finance reads every contract, so it may read the ticket; the owner's manager may rate.
    expect((await h.say('zhouqi', '工单 FW-2026-0001')).reply).toContain('服务工单 FW-2026-0001');
    expect((await h.say('lisi', '评价 FW-2026-0001 4 4 4 4')).reply).toContain('感谢评价');
  });

  it('opens tickets only on signed contracts', async () => {
    const draft = await h.say('zhangsan', '新建合同 客户:北方机械厂 金额:2万 类型:服务 标题:备件');
    const draftNo = /HT-\d{4}-\d{4}/.exec(draft.reply)![0];
    const before = await ticketRows();
    expect((await h.say('zhangsan', `报修 ${draftNo} 一般 x`)).reply).toContain(`合同 ${draftNo} 当前状态为「草稿」，签订后才能报修`);
    expect(await ticketRows()).toBe(before);
  });
});

describe('bad input gets the field named and an example', () => {
  it.each([
    ['报修', '报修', '「合同号」有误：缺少合同号'],
    [`报修 HT-2026-0001`, `报修 HT-2026-0001`, '「级别」有误：缺少级别：紧急/一般/巡检'],
    [`报修 HT-2026-0001 很急 停机`, `报修 HT-2026-0001 很急 停机`, '「很急」不是有效的级别，可选：紧急/一般/巡检'],
    [`报修 HT-2026-0001 紧急`, `报修 HT-2026-0001 紧急`, '「描述」有误：缺少问题描述'],
    [`报修 HT-2026-0001 紧急 停机 联系人:`, `报修 HT-2026-0001 紧急 停机 联系人:`, '「联系人:」后面没有填写内容'],
    [`报修 HT-2026-0001 紧急 停机 联系人:张三 联系人:李四`, `报修 HT-2026-0001 紧急 停机 联系人:张三 联系人:李四`, '「联系人」写了两次'],
    [`报修 HT-2026-0001 巡检 巡检 日期:2020-01-01`, `报修 HT-2026-0001 巡检 巡检 日期:2020-01-01`, '日期 2020-01-01 超出范围'],
    ['报修 <2001 字的描述>', `报修 HT-2026-0001 紧急 ${'长'.repeat(2001)}`, '「描述」最长 2000 个字'],
    ['受理', '受理', '「工单号」有误：缺少工单号'],
    ['受理 HT-2026-0001', '受理 HT-2026-0001', '「HT-2026-0001」不是工单号，工单号形如 FW-2026-0001'],
    ['解决 HT-2026-0001 已处理', '解决 HT-2026-0001 已处理', '「HT-2026-0001」不是可解决的编号'],
    ['评价 FW-2026-0001 5 5 5', '评价 FW-2026-0001 5 5 5', '缺少「专业」评分'],
    ['评价 FW-2026-0001', '评价 FW-2026-0001', '缺少「速度」评分'],
    ['评价 FW-2026-0001 5 5 5 0', '评价 FW-2026-0001 5 5 5 0', '「专业」应为 1–5 的整数，现在是「0」'],
    ['评价 FW-2026-0001 5 6 5 5', '评价 FW-2026-0001 5 6 5 5', '「能力」应为 1–5 的整数，现在是「6」'],
    ['评价 FW-2026-0001 5 5 5 4.5', '评价 FW-2026-0001 5 5 5 4.5', '「专业」应为 1–5 的整数，现在是「4.5」'],
    ['评价 FW-2026-0001 5 5 5 5 5', '评价 FW-2026-0001 5 5 5 5 5', '评分只有四项'],
    ['评价 FW-2026-0001 速度:5 能力:4 5 5', '评价 FW-2026-0001 速度:5 能力:4 5 5', '「5」不知是哪一项'],
    ['异议 FW-2026-0001', '异议 FW-2026-0001', '「异议」有误：请写明异议内容'],
  ])('%s', async (_label, line, message) => {
    const before = await state();
    const reply = (await h.say('zhangsan', line)).reply;
    expect(reply).toContain(message);
    expect(reply).toMatch(/例：\S+ /);
    expect(await state()).toBe(before);
  });

  it('a ticket that does not exist, and a description that is too long, change nothing', async () => {
    const before = await state();
    expect((await h.say('wujiu', '受理 FW-2026-0099')).reply).toContain('找不到工单 FW-2026-0099');
    expect((await h.say('zhangsan', `报修 ${no} 一般 打印机 联系人:不存在的人`)).reply).toContain('「联系人」不存在的人：通讯录中没有此人');
    expect((await h.say('zhangsan', `报修 ${no} 一般 打印机 日期:2026-12-01`)).reply).toContain('「日期」只用于巡检工单');
    expect(await state()).toBe(before);
  });
});

describe('parsing', () => {
  const env = { now: new Date('2026-11-23T02:00:00Z'), timezone: 'Asia/Shanghai' };
  const parse = (text: string) => parseCommand(text, env);

  it('normalises numbers, reads labelled ratings and English aliases', () => {
    expect(parse('ack fw-2026-7')).toEqual({ ok: true, command: { name: 'ack', ticketNo: 'FW-2026-0007' } });
    expect(parse('解决FW20260001 换了电源')).toEqual({ ok: true, command: { name: 'resolve', target: { kind: 'ticket', ticketNo: 'FW-2026-0001' }, note: '换了电源' } });
    expect(parse('评价 FW-2026-0001 专业:2 态度：3 速度5分 能力=4')).toEqual({
      ok: true,
      command: { name: 'rate', ticketNo: 'FW-2026-0001', ratings: { speed: 5, ability: 4, attitude: 3, professional: 2 } },
    });
    expect(parse('rate FW-2026-0001 5,4,3,2')).toMatchObject({ ok: true, command: { ratings: { speed: 5, ability: 4, attitude: 3, professional: 2 } } });
    expect(parse('service HT-2026-0001 urgent machine down contact:lisi')).toEqual({
      ok: true,
      command: { name: 'service', contractNo: 'HT-2026-0001', priority: 'urgent', description: 'machine down', contact: 'lisi' },
    });
    expect(parse('报修 HT-2026-0001 巡检 年度巡检 日期:12月1日')).toMatchObject({ ok: true, command: { priority: 'periodic', date: '2026-12-01' } });
    // A description may mention a date in words; only 报修's own keys are fields.
    expect(parse('报修 HT-2026-0001 一般 合同:HT-2026-0002 金额:1 客户说的')).toMatchObject({ ok: true, command: { description: '合同:HT-2026-0002 金额:1 客户说的' } });
    expect(parse('工单 FW-2026-0001')).toEqual({ ok: true, command: { name: 'ticket', ticketNo: 'FW-2026-0001' } });
  });

  it('the help lists the service commands', async () => {
    const help = (await h.say('zhangsan', '帮助')).reply;
    for (const example of ['报修 HT-2026-0001 紧急 生产线设备停机 联系人:张三', '受理 FW-2026-0001', '解决 FW-2026-0001 更换主板后恢复运行', '评价 FW-2026-0001 5 4 5 5', '异议 FW-2026-0001 设备仍有异响', '回访 FW-2026-0001 客户确认运行正常']) {
      expect(help).toContain(example);
    }
  });
});
