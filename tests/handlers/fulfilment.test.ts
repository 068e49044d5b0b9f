// Milestones, payment nodes and receipts, fulfilment problems: through chat, on real migrations.

import { startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

/** A signed sales contract of ¥300,000 for 2027 owned by 张三; returns its number. */
async function signedContract(extra = '', amount = '30万'): Promise<string> {
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  const { reply } = await h.say('zhangsan', `新建合同 客户:华东日报社 金额:${amount} 类型:销售 标题:印刷设备 开始:2026-12-01 结束:2027-05-31 ${extra}`);
  const no = /HT-\d{4}-\d{4}/.exec(reply)![0];
  await h.say('zhangsan', `提交 ${no}`);
  await h.say('lisi', `同意 ${no}`);
  if (/同意/.test((await h.say('wangwu', `同意 ${no}`)).reply)) await h.say('sunba', `同意 ${no}`);
  const signed = await h.say('zhangsan', `签订 ${no} 2026-11-23`);
  expect(signed.reply).toContain('已登记');
  return no;
}

const rows = (sql: string, params: unknown[] = []) => h.app.dataSource.query(sql, params);

describe('milestones', () => {
  it('creates the plan from the sales template at signing, across the contract term', async () => {
    const no = await signedContract();
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
});
