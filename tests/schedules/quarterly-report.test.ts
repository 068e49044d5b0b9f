// The quarterly report goes through the job and the outbox once per quarter: on the first working
// day after the quarter (after the National Day holiday here), not again on later hours or from a
// second instance, and again for the next quarter.

import { quarterlyReportJob } from '../../schedules/jobs';
import { startHarness, type Harness } from '../support/harness';
import { formatFullDateTime } from '../../handlers/domain/dates';

describe('quarterly report job', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: '2026-09-30T16:00:00Z' });
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
    await h.say('zhangsan', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:年度广告');
  });
  afterAll(() => h.close());

  const reports = () => h.notifier.delivered.filter((m) => m.dedupeKey.startsWith('report:quarterly:'));

  it('sends 2026Q3 once, on the first working day after the holiday, to the management channel', async () => {
    const policy = h.app.deps;
    const deliver = () => h.app.outbox.deliverDue();
    const job = quarterlyReportJob({ uow: h.app.uow, workflow: policy, deliver }, { channel: 'management' });
    const second = quarterlyReportJob({ uow: h.app.uow, workflow: policy, deliver }, { channel: 'management' });
    // Hourly from 1 Oct 00:00 to 12 Oct 23:00 local, two instances each hour.
    for (let t = Date.parse('2026-09-30T16:00:00Z'); t < Date.parse('2026-10-12T16:00:00Z'); t += 3_600_000) {
      h.clock.set(new Date(t).toISOString());
      await job.run(new Date(t));
      await second.run(new Date(t));
    }
    const sent = reports();
    expect(sent.map((m) => m.dedupeKey)).toEqual(['report:quarterly:2026Q3']);
    expect(sent[0]!.to).toEqual({ kind: 'channel', channel: 'management' });
    expect(formatFullDateTime(sent[0]!.createdAt, 'Asia/Shanghai')).toBe('2026-10-08 09:00');
    expect(sent[0]!.views[0]).toMatchObject({ type: 'markdown', title: '合同报表 · 2026年第3季度（全公司）' });
    expect(sent[0]!.attachments?.map((a) => a.fileName)).toEqual(['report-2026Q3.csv']); // no decided steps: no chart
    const rows = await h.app.dataSource.query(`SELECT COUNT(*) AS n FROM outbox WHERE dedupe_key LIKE 'report:quarterly:%'`);
    expect(Number(rows[0].n)).toBe(1);
  });

  it('sends the next quarter once too, and nothing without a report channel', async () => {
    const deliver = () => h.app.outbox.deliverDue();
    const job = quarterlyReportJob({ uow: h.app.uow, workflow: h.app.deps, deliver }, { channel: 'management' });
    const none = quarterlyReportJob({ uow: h.app.uow, workflow: h.app.deps, deliver }, {});
    for (const iso of ['2027-01-04T01:00:00Z', '2027-01-04T02:00:00Z', '2027-01-05T02:00:00Z']) {
      h.clock.set(iso);
      expect(await none.run(new Date(iso))).toBeNull();
      await job.run(new Date(iso));
    }
    expect(reports().map((m) => m.dedupeKey)).toEqual(['report:quarterly:2026Q3', 'report:quarterly:2026Q4']);
  });
});
