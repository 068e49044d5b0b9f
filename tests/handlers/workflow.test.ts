import { databaseFingerprint, lastCardAction, startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

async function customerAndContract(amount = '30万', extra = ''): Promise<string> {
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A 别名:华东日报,华东报社');
  const { reply } = await h.say('zhangsan', `新建合同 客户:华东日报 金额:${amount} 类型:销售 标题:2027年度广告投放 ${extra}`);
  const number = /HT-\d{4}-\d{4}/.exec(reply)?.[0];
  if (!number) throw new Error(`no contract number in: ${reply}`);
  return number;
}

const steps = (no: string) =>
  h.app.dataSource.query(
    'SELECT s.id, s.round, s.seq, s.version, s.status, s.assignee_id AS assignee, s.acting_for, s.decided_acting_for FROM approval_step s JOIN contract c ON c.id = s.contract_id WHERE c.number = ? ORDER BY s.id',
    [no],
  );
const contractRow = async (no: string) => (await h.app.dataSource.query('SELECT * FROM contract WHERE number = ?', [no]))[0];
const decisions = async (no: string) =>
  h.app.dataSource.query(
    "SELECT a.action, a.actor_id, a.acting_for FROM audit_event a JOIN contract c ON c.id = a.contract_id WHERE c.number = ? AND a.action IN ('step.approved','step.rejected') ORDER BY a.id",
    [no],
  );

describe('customers', () => {
  it('creates a customer with a unified code and finds it by name, alias or code', async () => {
    const { reply } = await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A 别名:华东日报,华东报社');
    expect(reply).toContain('KH-000001');
    for (const q of ['华东日报社', '华东报社', 'KH-000001', 'kh-1']) {
      expect((await h.say('zhangsan', `客户 ${q}`)).reply).toContain('客户 KH-000001 华东日报社');
    }
  });

  it('refuses a name that is already a name or alias, and warns on a close one until confirmed', async () => {
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A 别名:华东日报');
    const exact = await h.say('zhaoliu', '新建客户 名称:华东日报');
    expect(exact.reply).toContain('已是客户 KH-000001');
    const close = await h.say('zhaoliu', '新建客户 名称:华东报社');
    expect(close.reply).toContain('名称相近');
    expect(close.reply).toContain('确认:是');
    expect(Number((await h.app.dataSource.query('SELECT COUNT(*) n FROM customer'))[0].n)).toBe(1);
    const confirmed = await h.say('zhaoliu', '新建客户 名称:华东报社 确认:是');
    expect(confirmed.reply).toContain('KH-000002');
  });

  it('shows the profile with open contracts, the last 5 follow-ups and the next due date', async () => {
    const no = await customerAndContract();
    for (let i = 1; i <= 6; i++) await h.say('zhangsan', `跟进 华东日报社 第${i}次拜访 方式:拜访`);
    const { reply } = await h.say('zhangsan', '客户 华东日报社');
    expect(reply).toContain(no);
    expect(reply).toContain('最近跟进（5）');
    expect(reply).toContain('第6次拜访');
    expect(reply).not.toContain('第1次拜访');
    expect(reply).toContain('下次跟进：2026-11-30'); // tier A: 7 days after Monday 2026-11-23
  });
});

describe('follow-ups', () => {
  it('defaults the next due date from the tier and accepts an explicit one', async () => {
    await h.say('zhangsan', '新建客户 名称:北方机械厂 等级:C');
    let r = await h.say('zhangsan', '跟进 北方机械厂 电话沟通续约意向 方式:电话');
    expect(r.reply).toContain('2026-12-23'); // C: 30 days
    r = await h.say('zhangsan', '跟进 北方机械厂 约了面谈 下次:下周一');
    expect(r.reply).toContain('2026-11-30');
    const row = (await h.app.dataSource.query("SELECT next_follow_up_due d FROM customer WHERE name = '北方机械厂'"))[0];
    expect(row.d).toBe('2026-11-30');
  });

  it('refuses someone who neither owns the customer nor manages the owner', async () => {
    await h.say('zhangsan', '新建客户 名称:北方机械厂 等级:C');
    const r = await h.say('zhaoliu', '跟进 北方机械厂 顺路拜访');
    expect(r.reply).toContain('只有负责人及其上级');
    expect((await h.say('lisi', '跟进 北方机械厂 经理回访')).reply).toContain('已记录跟进');
  });
});

describe('approval flow', () => {
  it('drafts with a preview of the chain, submits, approves step by step and records the signature', async () => {
    const no = await customerAndContract('30万');
    const preview = (await h.say('zhangsan', `合同 ${no}`)).reply;
    expect(preview).toContain('草稿');

    const submitted = await h.say('zhangsan', `提交 ${no}`);
    expect(submitted.reply).toContain('李四(销售经理) → 王五(法务)');
    expect(submitted.reply).toContain('中额合同');
    expect(submitted.others.map((s) => s.to)).toEqual([{ kind: 'person', personId: 'lisi' }]);
    expect(submitted.others[0]!.text).toContain('合同审批');
    // due: Monday 10:00 + 8 working hours (lunch 12:00-13:30) = Tuesday 10:30
    expect(submitted.others[0]!.text).toContain('截止：11-24 10:30');

    const first = await h.say('lisi', `同意 ${no} 价格合理`);
    expect(first.reply).toContain('已同意');
    expect(first.others.map((s) => s.to)).toEqual(
      expect.arrayContaining([
        { kind: 'person', personId: 'wangwu' },
        { kind: 'person', personId: 'zhangsan' },
      ]),
    );
    const last = await h.say('wangwu', `同意 ${no}`);
    const toOwner = last.others.filter((s) => s.to.kind === 'person' && s.to.personId === 'zhangsan');
    expect(toOwner.map((s) => s.text).join()).toContain('审批通过');
    // wangwu's own card is updated in place, not sent again
    const update = last.others.find((s) => s.message.updatesCard);
    expect(update).toMatchObject({ to: { kind: 'person', personId: 'wangwu' }, message: { updatesCard: expect.stringMatching(/^approval:\d+$/) } });
    expect(update!.text).toContain('【已同意 · 王五');
    expect((await contractRow(no)).status).toBe('approved');

    expect((await h.say('zhangsan', `签订 ${no}`)).reply).toContain('已签订');
    const details = (await h.say('zhangsan', `合同 ${no}`)).reply;
    expect(details).toContain('已签订');
    expect(details).toContain('李四 同意：价格合理');
    expect(details).toContain('登记签订');
  });

  it('routes by amount and risk: small low-risk needs only the sales manager, large needs four steps', async () => {
    const small = await customerAndContract('49999.99');
    await h.say('zhangsan', `提交 ${small}`);
    expect((await steps(small)).map((s: { assignee: string }) => s.assignee)).toEqual(['lisi']);
    const { reply } = await h.say('zhangsan', '新建合同 客户:华东日报社 金额:50万 类型:销售 标题:大单');
    const big = /HT-\d{4}-\d{4}/.exec(reply)![0];
    await h.say('zhangsan', `提交 ${big}`);
    expect((await steps(big)).map((s: { assignee: string }) => s.assignee)).toEqual(['lisi', 'wangwu', 'zhouqi', 'qianqi']);
  });

  it('rejects with a required reason, then lets the owner edit and resubmit', async () => {
    const no = await customerAndContract();
    await h.say('zhangsan', `提交 ${no}`);
    expect((await h.say('lisi', `驳回 ${no}`)).reply).toContain('原因');
    expect((await contractRow(no)).status).toBe('in_approval');
    const rejected = await h.say('lisi', `驳回 ${no} 付款条件不清楚`);
    expect(rejected.others[0]!.text).toContain('付款条件不清楚');
    expect((await contractRow(no)).status).toBe('rejected');
    expect((await steps(no)).map((s: { status: string }) => s.status)).toEqual(['rejected', 'cancelled']);
    await h.say('zhangsan', `修改 ${no} 付款:签约后30日内一次性支付`);
    const again = await h.say('zhangsan', `提交 ${no}`);
    expect(again.reply).toContain('v2');
    expect((await steps(no)).filter((s: { round: number }) => s.round === 2)).toHaveLength(2);
  });

  it('never lets the submitter approve: a sales manager submitting goes to their own manager', async () => {
    await h.say('lisi', '新建客户 名称:西部能源 等级:B');
    const { reply } = await h.say('lisi', '新建合同 客户:西部能源 金额:3万 类型:服务 标题:运维');
    const no = /HT-\d{4}-\d{4}/.exec(reply)![0];
    await h.say('lisi', `提交 ${no}`);
    expect((await steps(no))[0].assignee).toBe('qianqi');
    expect((await h.say('lisi', `同意 ${no}`)).reply).toContain('不能审批自己提交的合同');
  });

  it('sends a step to the active delegate, who decides acting for the assignee', async () => {
    h.clock.set('2026-12-22T02:00:00Z'); // 王五 is away 12-21..12-25, 孙八 acts for him
    const no = await customerAndContract();
    await h.say('zhangsan', `提交 ${no}`);
    await h.say('lisi', `同意 ${no}`);
    const [, legal] = await steps(no);
    expect(legal).toMatchObject({ assignee: 'sunba', acting_for: 'wangwu' });
    expect((await h.say('sunba', `同意 ${no}`)).reply).toContain('孙八（代 王五）');
    expect(await decisions(no)).toEqual([
      { action: 'step.approved', actor_id: 'lisi', acting_for: null },
      { action: 'step.approved', actor_id: 'sunba', acting_for: 'wangwu' },
    ]);
  });

  it('lets the delegate decide a step that reached the assignee before the absence began', async () => {
    h.clock.set('2026-12-18T02:00:00Z');
    const no = await customerAndContract();
    await h.say('zhangsan', `提交 ${no}`);
    await h.say('lisi', `同意 ${no}`);
    expect((await steps(no))[1]).toMatchObject({ assignee: 'wangwu', acting_for: null });
    h.clock.set('2026-12-21T02:00:00Z');
    expect((await h.say('sunba', '待办')).reply).toContain(no);
    await h.say('sunba', `同意 ${no}`);
    expect((await decisions(no))[1]).toEqual({ action: 'step.approved', actor_id: 'sunba', acting_for: 'wangwu' });
  });

  it('transfers a step to another person with a fresh time limit', async () => {
    const no = await customerAndContract();
    await h.say('zhangsan', `提交 ${no}`);
    await h.say('lisi', `同意 ${no}`);
    expect((await h.say('wangwu', `转交 ${no} 张三`)).reply).toContain('不能转交给提交人');
    const moved = await h.say('wangwu', `转交 ${no} 孙八`);
    expect(moved.others.map((s) => s.to)).toEqual(
      expect.arrayContaining([{ kind: 'person', personId: 'sunba' }, { kind: 'person', personId: 'zhangsan' }]),
    );
    expect((await h.say('wangwu', `同意 ${no}`)).reply).toContain('由 孙八 审批');
    expect((await h.say('sunba', `同意 ${no}`)).reply).toContain('审批全部通过');
  });

  it('throttles urging to once per step per 4 working hours', async () => {
    const no = await customerAndContract();
    await h.say('zhangsan', `提交 ${no}`);
    const first = await h.say('zhangsan', `催办 ${no}`);
    expect(first.others[0]!.to).toEqual({ kind: 'person', personId: 'lisi' });
    h.clock.advanceHours(3);
    const before = await databaseFingerprint(h.app);
    expect((await h.say('zhangsan', `催办 ${no}`)).reply).toContain('每 4 个工作小时最多催办一次');
    expect(await databaseFingerprint(h.app)).toBe(before);
    h.clock.advanceHours(2); // 10:00 + 5 h = 15:00, minus lunch = 3.5 working hours: still too early
    expect((await h.say('zhangsan', `催办 ${no}`)).reply).toContain('最多催办一次');
    h.clock.advanceHours(1);
    expect((await h.say('zhangsan', `催办 ${no}`)).reply).toContain('已催办 李四');
  });

  it('withdraws an approval in progress and tells the approver', async () => {
    const no = await customerAndContract();
    await h.say('zhangsan', `提交 ${no}`);
    const r = await h.say('zhangsan', `撤回 ${no}`);
    expect(r.others[0]).toMatchObject({ to: { kind: 'person', personId: 'lisi' } });
    expect(r.others[0]!.text).toContain('已撤回');
    expect((await contractRow(no)).status).toBe('withdrawn');
    expect((await h.say('lisi', `同意 ${no}`)).reply).toContain('没有待审批');
  });

  it('lists my pending steps oldest first, and my contracts by state', async () => {
    const a = await customerAndContract();
    const { reply } = await h.say('zhangsan', '新建合同 客户:华东日报社 金额:2万 类型:服务 标题:小单');
    const b = /HT-\d{4}-\d{4}/.exec(reply)![0];
    await h.say('zhangsan', `提交 ${b}`);
    h.clock.advanceHours(1);
    await h.say('zhangsan', `提交 ${a}`);
    const todo = (await h.say('lisi', '待办')).reply;
    expect(todo).toContain('2 个待审批');
    expect(todo.indexOf(b)).toBeLessThan(todo.indexOf(a));
    const mine = (await h.say('zhangsan', '我的合同')).reply;
    expect(mine).toContain('【审批中】2');
  });
});

describe('editing during approval', () => {
  it('cancels the pending step, tells the people asked, and restarts on the new version', async () => {
    const no = await customerAndContract('30万');
    await h.say('zhangsan', `提交 ${no}`);
    const oldCard = lastCardAction(h, 'lisi', '同意');
    const edit = await h.say('zhangsan', `修改 ${no} 金额:60万`);
    expect(edit.reply).toContain('v2');
    expect(edit.reply).toContain('金额 ¥300,000.00 → ¥600,000.00');
    const told = edit.others.filter((s) => s.to.kind === 'person' && s.to.personId === 'lisi').map((s) => s.text);
    expect(told.join('\n')).toContain('已作废');
    // 60万 now needs the four-step chain, on version 2
    const rows = await steps(no);
    expect(rows.filter((s: { round: number }) => s.round === 1).map((s: { status: string }) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(rows.filter((s: { round: number }) => s.round === 2).map((s: { version: number; assignee: string }) => [s.version, s.assignee])).toEqual([
      [2, 'lisi'],
      [2, 'wangwu'],
      [2, 'zhouqi'],
      [2, 'qianqi'],
    ]);
    // the old card cannot decide anything
    const before = await databaseFingerprint(h.app);
    const stale = await h.click('lisi', oldCard);
    expect(stale.reply).toContain('v1');
    expect(stale.reply).toContain('已作废');
    expect(await databaseFingerprint(h.app)).toBe(before);
    // the new card works
    expect((await h.click('lisi', lastCardAction(h, 'lisi', '同意'))).reply).toContain('已同意');
  });

  it('records a change of customer by name in the version history', async () => {
    const no = await customerAndContract();
    await h.say('zhangsan', '新建客户 名称:北方机械厂 等级:C');
    expect((await h.say('zhangsan', `修改 ${no} 客户:北方机械厂`)).reply).toContain('客户 华东日报社 → 北方机械厂');
    expect((await h.say('zhangsan', `合同 ${no}`)).reply).toContain('v2 11-23 10:00 张三：客户 华东日报社 → 北方机械厂');
  });

  it('asks people who already approved the old version to approve again', async () => {
    const no = await customerAndContract('30万');
    await h.say('zhangsan', `提交 ${no}`);
    await h.say('lisi', `同意 ${no}`);
    const edit = await h.say('zhangsan', `修改 ${no} 标题:2027年度广告投放（修订）`);
    const recipients = edit.others.filter((s) => !s.message.updatesCard).map((s) => (s.to.kind === 'person' ? s.to.personId : '?'));
    expect(recipients.filter((r) => r === 'wangwu')).toHaveLength(1); // was asked: told it is void
    expect(recipients.filter((r) => r === 'lisi')).toHaveLength(2); // told + a new card for v2
    // wangwu's pending card is greyed out in place
    const updates = edit.others.filter((s) => s.message.updatesCard);
    expect(updates.map((s) => s.to)).toEqual([{ kind: 'person', personId: 'wangwu' }]);
    expect(updates[0]!.text).toContain('【已作废 · 合同已修改为 v2】');
  });
});

describe('double decisions', () => {
  it('two approvals of the same step at the same moment: one wins, the other is told, one audit decision', async () => {
    const no = await customerAndContract('3万');
    await h.say('zhangsan', `提交 ${no}`);
    const action = lastCardAction(h, 'lisi', '同意');
    const [a, b] = await Promise.all([h.click('lisi', action), h.click('lisi', action)]);
    const replies = [a.reply, b.reply];
    expect(replies.filter((r) => r.includes('审批全部通过'))).toHaveLength(1);
    expect(replies.filter((r) => r.includes('已经处理过了'))).toHaveLength(1);
    expect(await decisions(no)).toHaveLength(1);
    expect((await contractRow(no)).status).toBe('approved');
  });

  it('a typed approval racing a card click on the same step: one decision', async () => {
    const no = await customerAndContract('30万');
    await h.say('zhangsan', `提交 ${no}`);
    const action = lastCardAction(h, 'lisi', '同意');
    await Promise.all([h.click('lisi', action), h.say('lisi', `同意 ${no}`)]);
    expect(await decisions(no)).toHaveLength(1);
    expect((await steps(no)).map((s: { status: string }) => s.status)).toEqual(['approved', 'pending']);
  });

  it('the same delivery twice is processed once', async () => {
    const no = await customerAndContract('3万');
    await h.say('zhangsan', `提交 ${no}`);
    const event = {
      kind: 'message.text' as const,
      platform: 'console' as const,
      deliveryKey: 'redelivered-1',
      senderIdentity: 'console:lisi',
      conversation: { id: 'c', type: 'direct' as const },
      text: `同意 ${no}`,
    };
    expect(await h.app.dispatcher.handle(event)).toBe('processed');
    expect(await h.app.dispatcher.handle(event)).toBe('duplicate');
    expect(await decisions(no)).toHaveLength(1);
  });
});
