// Milestones, payment nodes and receipts, fulfilment problems: through chat, on real migrations.

import { robotMarkdown as dingtalkRobotMarkdown } from '../../cards/dingtalk/card';
import { robotMarkdown as wecomRobotMarkdown } from '../../cards/wecom/message';
import { problemAlerts } from '../../handlers/fulfilment-alerts';
import { SYSTEM } from '../../handlers/context';
import { signedContract } from '../support/fulfilment';
import { startHarness, type Harness } from '../support/harness';
import { ATTACK_TITLE, LINKISH, LIVE_TAG } from '../support/hostile';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const rows = (sql: string, params: unknown[] = []) => h.app.dataSource.query(sql, params);
const count = async (sql: string, params: unknown[] = []) => Number(Object.values((await rows(sql, params))[0] as object)[0]);

/** Everything the fulfilment commands may write, to compare before and after a refusal. */
async function fingerprint(): Promise<string> {
  const tables = ['milestone', 'payment_node', 'payment_receipt', 'fulfilment_problem', 'audit_event', 'sequence'];
  const counts = await Promise.all(tables.map((t) => count(`SELECT COUNT(*) FROM ${t}`)));
  // Replies to the chat go through the outbox too; notifications to anyone else must not appear.
  counts.push(await count("SELECT COUNT(*) FROM outbox WHERE recipient_key NOT LIKE 'conversation:%'"));
  return JSON.stringify({
    counts,
    contracts: await rows('SELECT number, status, version, received_fen FROM contract ORDER BY id'),
    milestones: await rows('SELECT * FROM milestone ORDER BY id'),
    nodes: await rows('SELECT * FROM payment_node ORDER BY id'),
    problems: await rows('SELECT * FROM fulfilment_problem ORDER BY id'),
  });
}

describe('milestones', () => {
  it('creates the plan from the sales template at signing, across the contract term', async () => {
    const no = await signedContract(h);
    const ms = await rows('SELECT seq, name, planned_date, original_date, status, responsible_id FROM milestone ORDER BY seq');
    // Term 2026-12-01 → 2027-05-31 (181 days): 25%, 50%, 80%, 100%.
    expect(ms).toEqual([
      { seq: 1, name: '原材料采购完成', planned_date: '2027-01-15', original_date: '2027-01-15', status: 'open', responsible_id: 'zhangsan' },
      { seq: 2, name: '生产进度50%', planned_date: '2027-03-02', original_date: '2027-03-02', status: 'open', responsible_id: 'zhangsan' },
      { seq: 3, name: '出厂检验合格', planned_date: '2027-04-25', original_date: '2027-04-25', status: 'open', responsible_id: 'zhangsan' },
      { seq: 4, name: '客户现场验收', planned_date: '2027-05-31', original_date: '2027-05-31', status: 'open', responsible_id: 'zhangsan' },
    ]);
    const details = (await h.say('zhangsan', `合同 ${no}`)).reply;
    expect(details).toContain('里程碑：完成 0/4（0%）');
  });

  it('adds, completes and delays milestones; progress and days late show in 合同', async () => {
    const no = await signedContract(h);
    let r = await h.say('zhangsan', `里程碑 ${no} 设备安装调试 计划:2026-11-20 负责人:吴九`);
    expect(r.reply).toContain('已为 HT-2026-0001 添加里程碑 5.「设备安装调试」，计划 2026-11-20，负责人 吴九');
    expect(r.others.map((o) => o.to)).toEqual([{ kind: 'person', personId: 'wujiu' }]);

    // 吴九 is responsible for milestone 5 only.
    r = await h.say('wujiu', `完成 ${no} 原材料采购完成`);
    expect(r.reply).toContain('只有里程碑负责人 张三');
    r = await h.say('wujiu', `完成 ${no} 5 2026-11-22`);
    expect(r.reply).toContain('已登记 HT-2026-0001 里程碑「设备安装调试」于 2026-11-22 完成（比计划晚 2 天）。进度 1/5');
    expect((await rows('SELECT status FROM contract'))[0].status).toBe('performing'); // the first milestone done
    r = await h.say('wujiu', `完成 ${no} 5`);
    expect(r.reply).toContain('已于 2026-11-22 完成');

    r = await h.say('zhangsan', `延期 ${no} 出厂检验合格 2027-05-10 供应商芯片缺货`);
    expect(r.reply).toContain('从 2027-04-25 延期到 2027-05-10（第 1 次延期），原因：供应商芯片缺货');
    r = await h.say('lisi', `delay ${no} 3 2027-05-20 物流延误`); // the owner's manager may
    expect(r.reply).toContain('第 2 次延期');
    const m = (await rows("SELECT planned_date, original_date, delays FROM milestone WHERE name = '出厂检验合格'"))[0];
    expect(m.planned_date).toBe('2027-05-20');
    expect(m.original_date).toBe('2027-04-25');
    expect(JSON.parse(m.delays)).toEqual([
      expect.objectContaining({ from: '2027-04-25', to: '2027-05-10', reason: '供应商芯片缺货', by: 'zhangsan' }),
      expect.objectContaining({ from: '2027-05-10', to: '2027-05-20', reason: '物流延误', by: 'lisi' }),
    ]);
    expect(await count("SELECT COUNT(*) FROM audit_event WHERE action = 'milestone.delayed'")).toBe(2);

    const details = (await h.say('zhangsan', `合同 ${no}`)).reply;
    expect(details).toContain('里程碑：完成 1/5（20%）');
    expect(details).toContain('· 3. 出厂检验合格 计划 2027-05-20 未完成，负责人 张三，延期 2 次（原计划 2027-04-25；物流延误）');
    expect(details).toContain('· 5. 设备安装调试 计划 2026-11-20 ✓ 2026-11-22 完成（晚 2 天）');
    expect(details).toContain('里程碑延期：物流延误'); // the timeline
  });

  it('refuses a delay without a reason or to an earlier date, strangers, and unknown milestones, writing nothing', async () => {
    const no = await signedContract(h);
    const before = await fingerprint();
    expect((await h.say('zhangsan', `延期 ${no} 出厂检验合格 2027-05-10`)).reply).toContain('「原因」有误：延期必须写明原因');
    expect((await h.say('zhangsan', `延期 ${no} 出厂检验合格 2027-04-01 提前`)).reply).toContain('不晚于当前计划 2027-04-25');
    expect((await h.say('zhaoliu', `延期 ${no} 出厂检验合格 2027-05-10 想延`)).reply).toContain('只有里程碑负责人');
    expect((await h.say('zhaoliu', `里程碑 ${no} 安装 计划:2027-01-01`)).reply).toContain('只有合同负责人 张三、其上级或管理员');
    expect((await h.say('zhangsan', `完成 ${no} 不存在`)).reply).toContain('没有里程碑「不存在」。现有：1.原材料采购完成、2.生产进度50%');
    expect((await h.say('zhangsan', `完成 ${no} 1 2099-01-01`)).reply).toContain('「完成日期」有误');
    expect((await h.say('zhangsan', `里程碑 ${no} 原材料采购完成 计划:2027-01-01`)).reply).toContain('已有里程碑「原材料采购完成」');
    expect((await h.say('zhangsan', `里程碑 ${no} 安装 调试 计划:2027-01-01`)).reply).toContain('里程碑名称不能含空格');
    expect(await fingerprint()).toBe(before);
  });

  it('refuses milestones on a contract not yet signed', async () => {
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
    await h.say('zhangsan', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:样品');
    expect((await h.say('zhangsan', '里程碑 HT-2026-0001 安装 计划:2027-01-01')).reply).toContain('当前草稿，里程碑只适用于已签订、履行中的合同');
  });
});

describe('payment nodes and receipts', () => {
  it('makes nodes from a relative 付款 at signing, the last share taking the remainder', async () => {
    const no = await signedContract(h, '付款:30%签约后10日,70%验收后30日', '100000.01');
    const nodes = await rows('SELECT seq, planned_date, amount_fen, label, source FROM payment_node ORDER BY seq');
    expect(nodes).toEqual([
      { seq: 1, planned_date: '2026-12-03', amount_fen: 3_000_000, label: '30%签约后10日', source: 'terms' },
      { seq: 2, planned_date: '2027-06-30', amount_fen: 7_000_001, label: '70%验收后30日', source: 'terms' }, // 客户现场验收 2027-05-31 + 30
    ]);
    expect((await h.say('zhangsan', `合同 ${no}`)).reply).toContain('应收：计划 ¥100,000.01，已收 ¥0.00，未收 ¥100,000.01');
  });

  it('makes nodes from a dated 付款, keeps free text as text, and adds nodes by command within the amount', async () => {
    const no = await signedContract(h, '付款:2026-12-01 10万;2027-03-01 10万');
    expect(await rows('SELECT planned_date, amount_fen FROM payment_node ORDER BY seq')).toEqual([
      { planned_date: '2026-12-01', amount_fen: 10_000_000 },
      { planned_date: '2027-03-01', amount_fen: 10_000_000 },
    ]);
    let r = await h.say('zhangsan', `付款节点 ${no} 2027-06-30 10万 尾款`);
    expect(r.reply).toContain('已为 HT-2026-0001 添加付款节点：2027-06-30 ¥100,000.00（尾款）。已计划 ¥300,000.00 / 合同金额 ¥300,000.00');
    r = await h.say('zhangsan', `付款节点 ${no} 2027-07-30 1`);
    expect(r.reply).toContain('超过合同金额 ¥300,000.00');
    expect(await count('SELECT COUNT(*) FROM payment_node')).toBe(3);

    const free = await signedContract(h, '付款:余款验收后付清');
    expect(await count('SELECT COUNT(*) FROM payment_node n JOIN contract c ON c.id = n.contract_id WHERE c.number = ?', [free])).toBe(0);
  });

  it('records receipts oldest node first and shows planned, received, outstanding and overdue', async () => {
    const no = await signedContract(h, '付款:2026-11-20 10万;2027-03-01 10万');
    let r = await h.say('zhouqi', `回款 ${no} 4万`); // finance may record
    expect(r.reply).toContain('已登记 HT-2026-0001 回款 ¥40,000.00（2026-11-23）');
    expect(r.reply).toContain('应收：计划 ¥200,000.00，已收 ¥40,000.00，未收 ¥260,000.00，逾期 ¥60,000.00');
    r = await h.say('zhangsan', `payment ${no} 8万 2026-11-23`);
    expect(await rows('SELECT received_fen FROM payment_node ORDER BY seq')).toEqual([{ received_fen: 10_000_000 }, { received_fen: 2_000_000 }]);
    const details = (await h.say('zhangsan', `合同 ${no}`)).reply;
    expect(details).toContain('应收：计划 ¥200,000.00，已收 ¥120,000.00，未收 ¥180,000.00');
    expect(details).toContain('· 2026-11-20 ¥100,000.00 2026-11-20 付款：✓ 已收齐');
    expect(details).toContain('· 2027-03-01 ¥100,000.00 2027-03-01 付款：已收 ¥20,000.00');
    expect((await h.say('zhaoliu', `回款 ${no} 1万`)).reply).toContain('只有合同负责人、其上级、财务或管理员');
  });

  it('refuses a receipt that would exceed the contract amount and changes nothing', async () => {
    const no = await signedContract(h, '付款:2026-12-01 30万');
    await h.say('zhouqi', `回款 ${no} 29万`);
    const before = await fingerprint();
    const r = await h.say('zhouqi', `回款 ${no} 1万0.01`.replace('1万0.01', '10000.01'));
    expect(r.reply).toContain('回款未登记：登记后累计回款 ¥300,000.01 将超过合同金额 ¥300,000.00。已回款 ¥290,000.00，最多还可登记 ¥10,000.00');
    expect(await fingerprint()).toBe(before);
    expect((await h.say('zhouqi', `回款 ${no} 1万`)).reply).toContain('已收 ¥300,000.00，未收 ¥0.00');
    expect((await h.say('zhouqi', `回款 ${no} 0.01`)).reply).toContain('最多还可登记 ¥0.00');
  });

  it('refuses a 付款 that starts like a plan but does not read, naming the field with an example', async () => {
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
    const r = await h.say('zhangsan', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:样品 付款:30%签约后十日,70%验收后30日');
    expect(r.reply).toContain('「付款」有误');
    expect(r.reply).toContain('30%签约后10日');
    expect(await count('SELECT COUNT(*) FROM contract')).toBe(0);
  });
});

describe('fulfilment problems', () => {
  it('opens WT-<year>-<seq> with a deadline, tells the responsible person and the owner, and records the resolution', async () => {
    const no = await signedContract(h);
    let r = await h.say('wujiu', `问题 ${no} 现场设备无法开机 影响:客户停产 负责人:吴九`);
    expect(r.reply).toContain('已登记履约问题 WT-2026-0001，负责人 吴九，须于 11-24 10:00 前解决');
    expect(r.others.map((o) => o.to)).toEqual([{ kind: 'person', personId: 'zhangsan' }]);
    r = await h.say('zhangsan', `issue ${no} 包装破损`);
    expect(r.reply).toContain('WT-2026-0002');
    expect((await h.say('zhaoliu', `解决 WT-2026-0001 修好了`)).reply).toContain('只有问题负责人 吴九');
    r = await h.say('wujiu', '解决 wt-2026-1 已更换主板，设备恢复运行');
    expect(r.reply).toContain('已登记 WT-2026-0001 已解决：已更换主板，设备恢复运行');
    expect(r.others.map((o) => o.to)).toEqual([{ kind: 'person', personId: 'zhangsan' }]);
    expect((await h.say('wujiu', 'resolve WT-2026-0001 再次')).reply).toContain('已经登记为解决');
    const details = (await h.say('zhangsan', `合同 ${no}`)).reply;
    expect(details).toContain('履约问题：2 个，未解决 1 个');
    expect(details).toContain('· WT-2026-0002 未解决（期限 11-24 10:00，负责人 张三）：包装破损');
  });

  it('answers 解决 of another kind of number with a clear error, writing nothing', async () => {
    await signedContract(h);
    const before = await fingerprint();
    expect((await h.say('zhangsan', '解决 FW-2026-0001 已修复')).reply).toContain('找不到工单 FW-2026-0001');
    expect((await h.say('zhangsan', '解决 HT-2026-0001 已修复')).reply).toContain('「HT-2026-0001」不是可解决的编号');
    expect((await h.say('zhangsan', '解决 第一个 已修复')).reply).toContain('「编号」有误');
    expect((await h.say('zhangsan', '解决 WT-2026-0009 已修复')).reply).toContain('找不到履约问题 WT-2026-0009');
    expect(await fingerprint()).toBe(before);
  });

  it('escapes hostile text in the channel alert on both platforms', async () => {
    const no = await signedContract(h, '', '30万', 'X [详情](http://evil.example/x) <font color="info">已同意</font>');
    await h.say('zhangsan', `问题 ${no} ${ATTACK_TITLE}`);
    h.clock.advanceHours(72); // Thursday: 15 working hours past the deadline, the 4th reminder alerts the channel
    await h.app.uow.run((tx) => problemAlerts(h.app.deps, { tx, actor: SYSTEM, now: h.clock.now(), platform: 'system' }));
    const alert = (await rows("SELECT views FROM outbox WHERE dedupe_key LIKE 'problem-overdue-alert:%'"))[0];
    expect(alert).toBeDefined();
    const views = JSON.parse(alert.views);
    for (const rendered of [dingtalkRobotMarkdown(views).text, wecomRobotMarkdown(views)]) {
      const body = typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
      expect(body).toContain('履约问题超时');
      expect(body).not.toMatch(LIVE_TAG);
      expect(body.replace(/\*\*履约问题超时\*\*/, '')).not.toContain('**金额**');
      expect(body).not.toMatch(/\]\(http/);
      expect(LINKISH.test('evil.example')).toBe(true); // the pattern itself finds a host name…
      expect(body).not.toContain('evil.example'); // …and none survives unescaped
    }
  });
});
