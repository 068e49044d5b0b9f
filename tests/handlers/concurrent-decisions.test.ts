// 500 clicks on one approval card at once (a double-clicking user, a platform's redeliveries under new
// keys, several instances): exactly one decision, everything it writes written once, and every other
// click answered "already decided" with nothing half written. On a SQLite file and on PostgreSQL/MySQL.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CardActionEvent } from '../../bot/events';
import { lastCardAction, startHarness, type Harness } from '../support/harness';
import { ownDatabase } from '../support/own-database';

const CLICKS = 500;
const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tempFile = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'decisions-'));
  tempDirs.push(dir);
  return path.join(dir, 'bot.sqlite');
};

const TARGETS: [string, () => Promise<string>, boolean][] = [
  ['SQLite file', async () => `sqlite:${tempFile()}`, true],
  ['PostgreSQL', () => ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'decisions'), process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['MySQL', () => ownDatabase('mysql', process.env.TEST_MYSQL_URL!, 'decisions'), process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter(([, , ok]) => !ok);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(TARGETS.filter(([, , ok]) => ok))('%s: 500 concurrent clicks on one approval card', (_name, database) => {
  let h: Harness;
  const count = async (sql: string) => Number(Object.values((await h.app.dataSource.query(sql))[0] as object)[0]);

  beforeAll(async () => {
    h = await startHarness({ databaseUrl: await database() });
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
    await h.say('zhangsan', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:年度广告投放');
    await h.say('zhangsan', '提交 HT-2026-0001');
  }, 60_000);
  afterAll(() => h.close());

  it('decides once; the other clicks are told it was already decided', async () => {
    const action = lastCardAction(h, 'lisi', '同意');
    const click = (n: number): CardActionEvent => ({
      kind: 'card.action',
      platform: 'wecom',
      deliveryKey: `wecom:same-card:${n}`,
      senderIdentity: 'wecom:LiSi',
      conversation: { id: 'LiSi', type: 'direct' },
      action,
    });
    const results = await Promise.all(Array.from({ length: CLICKS }, (_, n) => h.app.dispatcher.handle(click(n))));
    expect(results.every((r) => r === 'processed')).toBe(true);

    expect(await count("SELECT COUNT(*) FROM approval_step WHERE seq = 1 AND status = 'approved'")).toBe(1);
    expect(await count("SELECT COUNT(*) FROM approval_step WHERE seq = 2 AND status = 'pending' AND assignee_id = 'wangwu'")).toBe(1);
    expect(await count("SELECT COUNT(*) FROM audit_event WHERE action = 'step.approved'")).toBe(1);
    expect(await count("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'approval-card:%'")).toBe(2); // 李四's, then 王五's
    expect(await count("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'decision:%'")).toBe(1);
    expect(await count("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'card-update:%'")).toBe(1);
    // Every click answered, each once; all but one with "already decided".
    const replies: { views: string }[] = await h.app.dataSource.query("SELECT views FROM outbox WHERE dedupe_key LIKE 'reply:%' AND recipient LIKE '%LiSi%'");
    expect(replies).toHaveLength(CLICKS);
    expect(replies.filter((r) => r.views.includes('已同意 HT-2026-0001'))).toHaveLength(1);
    expect(replies.filter((r) => r.views.includes('这一步已经处理过了：已同意'))).toHaveLength(CLICKS - 1);
    expect(await count("SELECT COUNT(*) FROM inbox WHERE status <> 'done' AND delivery_key LIKE 'wecom:same-card:%'")).toBe(0);
  }, 120_000);
});
