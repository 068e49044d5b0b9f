// On SQLite, card clicks processed at the same moment share a transaction (group commit, one
// savepoint each). A click refused halfway (the submitter approving their own contract) must leave
// nothing behind but its own reply, while the clicks beside it in the same transaction are decided.

import type { CardActionEvent } from '../../bot/events';
import type { CardAction } from '../../handlers/ports';
import { lastCardAction, startHarness, type Harness } from '../support/harness';

let h: Harness;
const actions: CardAction[] = [];
let statements: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
  for (let i = 1; i <= 3; i++) {
    await h.say('zhangsan', `新建合同 客户:华东日报社 金额:30万 类型:销售 标题:年度广告投放${i}`);
    await h.say('zhangsan', `提交 HT-2026-000${i}`);
    actions.push(lastCardAction(h, 'lisi', '同意'));
  }
  const logger = h.app.dataSource.logger;
  const log = logger.logQuery.bind(logger);
  logger.logQuery = (query, ...rest) => {
    statements.push(query);
    return log(query, ...rest);
  };
}, 60_000);
afterAll(() => h.close());

const click = (person: string, action: CardAction, key: string): CardActionEvent => ({
  kind: 'card.action',
  platform: 'console',
  deliveryKey: `shared:${key}`,
  senderIdentity: `console:${person}`,
  conversation: { id: `console:${person}:${key}`, type: 'direct' },
  action,
});

it('decides the clicks beside a refused one in the same transaction; the refused one writes only its reply', async () => {
  const count = async (sql: string) => Number(Object.values((await h.app.dataSource.query(sql))[0] as object)[0]);
  const auditsBefore = await count('SELECT COUNT(*) FROM audit_event');
  statements = [];
  await Promise.all([
    h.app.dispatcher.handle(click('lisi', actions[0]!, 'a')),
    h.app.dispatcher.handle(click('zhangsan', actions[1]!, 'own')), // the submitter: refused
    h.app.dispatcher.handle(click('lisi', actions[1]!, 'b')),
    h.app.dispatcher.handle(click('lisi', actions[2]!, 'c')),
  ]);
  // They shared transactions: fewer commits than the accept and the processing of each click.
  expect(statements.filter((s) => s === 'COMMIT').length).toBeLessThan(8);
  expect(statements).toContain('ROLLBACK TO work'); // the refused click, after another in its transaction

  expect(await count("SELECT COUNT(*) FROM approval_step WHERE seq = 1 AND status = 'approved' AND decided_by = 'lisi'")).toBe(3);
  expect(await count("SELECT COUNT(*) FROM approval_step WHERE seq = 2 AND status = 'pending'")).toBe(3);
  expect(await count('SELECT COUNT(*) FROM audit_event') - auditsBefore).toBe(3);
  expect(await count("SELECT COUNT(*) FROM audit_event WHERE action = 'step.approved' AND actor_id = 'zhangsan'")).toBe(0);
  expect(await count("SELECT COUNT(*) FROM inbox WHERE delivery_key LIKE 'shared:%' AND status = 'done'")).toBe(4);

  const reply = async (key: string) =>
    ((await h.app.dataSource.query("SELECT views FROM outbox WHERE dedupe_key = 'reply:' || (SELECT id FROM inbox WHERE delivery_key = ?)", [`shared:${key}`])) as { views: string }[]).map((r) => r.views);
  expect(await reply('own')).toEqual([expect.stringContaining('不能审批自己提交的合同 HT-2026-0002')]);
  for (const [key, n] of [['a', 1], ['b', 2], ['c', 3]] as const) expect(await reply(key)).toEqual([expect.stringContaining(`已同意 HT-2026-000${n}`)]);
});
