// Reports on WeCom end to end: the chart as an image message (media/upload, then msgtype image), the
// CSV as a file message, the quarterly report through the group robot (image as base64 + md5, file
// through the robot's upload_media), and an attachment that waits in the outbox across a restart.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { SYSTEM } from '../../../handlers/context';
import { quarterlyReport } from '../../../handlers/reports';
import { startRig, stopRig, type Rig } from '../../support/wecom-rig';

async function say(rig: Rig, user: string, text: string): Promise<void> {
  expect(await rig.fake.sendText(user, text)).toBe(200);
  await rig.settle();
}

/** A contract approved in one step (小额低风险 → the sales manager), so the report has a cycle time. */
async function approvedContract(rig: Rig, number = 'HT-2026-0001'): Promise<void> {
  await say(rig, 'ZhangSan', '新建客户 名称:华东日报社 等级:A');
  await say(rig, 'ZhangSan', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:年度广告');
  await say(rig, 'ZhangSan', `提交 ${number}`);
  rig.clock.advanceHours(2);
  await say(rig, 'LiSi', `同意 ${number}`);
}

describe('reports on WeCom', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(() => stopRig(rig));

  it('sends 报表 as markdown, then the chart as an image message uploaded with media/upload', async () => {
    await approvedContract(rig);
    await say(rig, 'QianQi', '报表 本月');
    const toGm = rig.fake.sent.filter((m) => m.touser === 'QianQi');
    expect(toGm.map((m) => m.msgtype)).toEqual(['markdown', 'image']);
    expect(String((toGm[0]!.body.markdown as { content: string }).content)).toContain('合同报表 · 2026年11月（全公司）');
    const media = rig.fake.media.get((toGm[1]!.body.image as { media_id: string }).media_id)!;
    expect(media).toMatchObject({ type: 'image', fileName: 'report-2026-11-approval_cycle.png', contentType: 'image/png', via: 'app' });
    const image = await loadImage(media.bytes);
    expect([image.width, image.height]).toEqual([800, 450]);
  });

  it('sends 导出 台账 as a file message with the CSV', async () => {
    await approvedContract(rig);
    await say(rig, 'QianQi', '导出 台账');
    const file = rig.fake.sent.filter((m) => m.touser === 'QianQi' && m.msgtype === 'file');
    expect(file).toHaveLength(1);
    const media = rig.fake.media.get((file[0]!.body.file as { media_id: string }).media_id)!;
    expect(media.fileName).toBe('ledger-2026-11-23.csv');
    const text = media.bytes.toString('utf8');
    expect(text.startsWith('\uFEFF合同号,标题,客户编码,客户,')).toBe(true);
    expect(text).toContain('HT-2026-0001,年度广告,KH-000001,华东日报社,销售,30000.00,低,已通过,张三');
  });

  it('posts the quarterly report to the management robot: markdown, image (base64 + md5), file', async () => {
    rig.clock.set('2027-01-04T02:00:00Z'); // Monday 4 Jan 2027, 10:00: first working day of 2027Q1
    await approvedContract(rig, 'HT-2027-0001'); // decided in 2027Q1
    rig.clock.set('2027-04-01T02:00:00Z'); // Thursday 1 Apr 2027
    await rig.app.uow.run((tx) => quarterlyReport(rig.app.deps, { tx, actor: SYSTEM, now: rig.clock.now(), platform: 'system' }, { channel: 'management' }));
    await rig.settle();
    const posts = rig.fake.webhookPosts.filter((p) => p.key === 'robot-management');
    expect(posts.map((p) => p.body.msgtype)).toEqual(['markdown', 'image', 'file']);
    expect(posts.every((p) => p.accepted)).toBe(true);
    expect(String((posts[0]!.body.markdown as { content: string }).content)).toContain('2027年第1季度');
    const png = Buffer.from((posts[1]!.body.image as { base64: string }).base64, 'base64');
    expect((await loadImage(png)).width).toBe(800);
    const file = rig.fake.media.get((posts[2]!.body.file as { media_id: string }).media_id)!;
    expect(file).toMatchObject({ via: 'robot', fileName: 'report-2027Q1.csv' });
    expect(file.bytes.toString('utf8').startsWith('\uFEFF期间,板块,项目,数值\r\n')).toBe(true);
  });
});

it('keeps what makes the chart in the outbox across a restart, and sends it afterwards', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reports-restart-'));
  const databaseUrl = `sqlite:${path.join(dir, 'bot.sqlite')}`;
  try {
    const first = await startRig({ databaseUrl });
    await approvedContract(first);
    first.fake.failNext('/cgi-bin/media/upload', -1, -1, -1, -1, -1); // WeCom busy: the upload fails, the message waits
    await say(first, 'QianQi', '报表 本月');
    expect(first.fake.sent.filter((m) => m.touser === 'QianQi')).toHaveLength(0); // uploads come first: nothing half sent
    await stopRig(first);

    const second = await startRig({ databaseUrl, now: '2026-11-23T07:00:00Z' }); // 15:00, working hours
    try {
      await second.settle();
      expect(second.fake.sent.filter((m) => m.touser === 'QianQi').map((m) => m.msgtype)).toEqual(['markdown', 'image']);
      const images = second.fake.sent.filter((m) => m.touser === 'QianQi' && m.msgtype === 'image');
      const media = second.fake.media.get((images[0]!.body.image as { media_id: string }).media_id)!;
      expect((await loadImage(media.bytes)).height).toBe(450);
    } finally {
      await stopRig(second);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
