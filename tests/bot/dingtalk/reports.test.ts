// Reports on DingTalk: the chart as a markdown image and the CSV as a link, both short-lived signed
// download links served by the bot's own Koa server; a bad or expired signature gets 403.

import { loadImage } from '@napi-rs/canvas';
import { startDingtalkRig, type DingtalkRig } from '../../support/dingtalk-rig';
import { verifyDownload } from '../../../bot/download-links';

const SECRET = 'download-secret-0123456789';
let rig: DingtalkRig;
beforeAll(async () => {
  rig = await startDingtalkRig({ template: false, links: { secret: SECRET, ttlMs: 3_600_000 } });
  await rig.say('zhangsan01', '新建客户 名称:华东日报社 等级:A');
  await rig.say('zhangsan01', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:年度广告');
  await rig.say('zhangsan01', '提交 HT-2026-0001');
  rig.clock.advanceHours(2);
  await rig.say('lisi01', '同意 HT-2026-0001');
});
afterAll(() => rig.stop());

/** The markdown of the last reply in the gm's chat (through its session webhook). */
const lastReply = () => String((rig.fake.sessionPosts[rig.fake.sessionPosts.length - 1]!.body.markdown as { text: string }).text);
const linkIn = (text: string, pattern: RegExp) => {
  const m = pattern.exec(text);
  if (!m) throw new Error(`no link in: ${text}`);
  return m[1]!;
};

it('shows the chart as a markdown image whose signed link serves the PNG', async () => {
  await rig.say('qianqi01', '报表 本月');
  const text = lastReply();
  expect(text).toContain('合同报表 · 2026年11月（全公司）');
  const url = linkIn(text, /!\[各审批环节停留时间 2026年11月\]\((http:\/\/127\.0\.0\.1:\d+\/files\/\d+\/0\?exp=\d+&sig=[0-9a-f]{64})\)/);
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  const image = await loadImage(Buffer.from(await response.arrayBuffer()));
  expect([image.width, image.height]).toEqual([800, 450]);
});

it('links the CSV export; the link refuses a bad signature, another file, and expiry with 403', async () => {
  await rig.say('qianqi01', '导出 台账');
  const url = linkIn(lastReply(), /\[下载 ledger-2026-11-23\.csv\]\(([^)]+)\)/);
  const ok = await fetch(url);
  expect(ok.status).toBe(200);
  expect(ok.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''ledger-2026-11-23.csv");
  const bytes = Buffer.from(await ok.arrayBuffer());
  expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  expect(bytes.toString('utf8')).toContain('HT-2026-0001,年度广告,KH-000001,华东日报社');

  const u = new URL(url);
  const sig = u.searchParams.get('sig')!;
  const tampered = new URL(url);
  tampered.searchParams.set('sig', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
  expect((await fetch(tampered)).status).toBe(403);
  const otherIndex = new URL(url.replace(/\/0\?/, '/1?'));
  expect((await fetch(otherIndex)).status).toBe(403); // the signature covers the file
  const longer = new URL(url);
  longer.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 86_400_000));
  expect((await fetch(longer)).status).toBe(403); // the signature covers the expiry
  const noSig = new URL(url);
  noSig.searchParams.delete('sig');
  expect((await fetch(noSig)).status).toBe(403);

  rig.clock.advanceHours(1.01);
  expect((await fetch(url)).status).toBe(403);
});

it('verifies signatures in constant form: wrong length or characters are refused without throwing', () => {
  const now = new Date('2026-11-23T02:00:00Z');
  expect(verifyDownload(SECRET, 1, 0, String(now.getTime() + 1000), 'zz', now)).toBe(false);
  expect(verifyDownload(SECRET, 1, 0, 'soon', 'a'.repeat(64), now)).toBe(false);
});
