// The inbox through the dispatch path: claims between instances (a holder whose claim was taken over
// changes nothing), poison events given up after inbox.max_attempts (marked dead, the sender and
// every admin told once, never replayed), retries with backoff.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePolicy } from '../../bot/config';
import { Dispatcher } from '../../bot/dispatch';
import { silentLogger } from '../../bot/logger';
import type { InboxStore } from '../../handlers/ports';
import { createInboxStore } from '../../storage/repositories';
import { EXAMPLE_POLICY, startHarness, type Harness, textMessage } from '../support/harness';

// Two admins, to see that each is told once.
const POLICY = parsePolicy(EXAMPLE_POLICY.replace('roles: [gm]', 'roles: [gm, admin]'), 'policy.yaml');

const message = (text: string, key: string) => textMessage(text, key);

const inboxRows = (h: Harness) =>
  h.app.dataSource.query('SELECT id, status, attempts, claimed_by, error FROM inbox ORDER BY id') as Promise<
    { id: number; status: string; attempts: number; claimed_by: string | null; error: string | null }[]
  >;
const count = async (h: Harness, table: string) => Number((await h.app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
const advanceSeconds = (h: Harness, s: number) => h.clock.set(new Date(h.clock.now().getTime() + s * 1000).toISOString());

/** Every processing attempt of a new contract fails with an unexpected (non-AppError) error. */
function poisonContracts(h: Harness): { calls: number } {
  const seen = { calls: 0 };
  h.app.deps.repos.contracts.insert = async () => {
    seen.calls++;
    throw new TypeError('Cannot read properties of undefined (reading "amountFen")');
  };
  return seen;
}

async function withCustomer(h: Harness): Promise<void> {
  await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
}

describe('a poison event', () => {
  it('is given up after inbox.max_attempts attempts: marked dead, the sender and each admin told once, never replayed', async () => {
    const h = await startHarness({ policy: POLICY });
    await withCustomer(h);
    const poison = poisonContracts(h);
    const before = h.notifier.delivered.length;

    const { reply } = await h.say('zhangsan', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:毒消息');
    expect(poison.calls).toBe(3);
    expect(reply).toBe('处理时出错了，已记录，请稍后再试或联系管理员。');
    const dead = (await inboxRows(h)).at(-1)!;
    expect(dead).toMatchObject({ status: 'dead', attempts: 3 });
    expect(dead.error).toContain('TypeError');
    expect(await count(h, 'contract')).toBe(0);

    const notes = h.notifier.delivered.slice(before).filter((m) => m.dedupeKey.startsWith('inbox-dead:'));
    expect(notes.map((m) => m.dedupeKey).sort()).toEqual([`inbox-dead:${dead.id}:admin`, `inbox-dead:${dead.id}:qianqi`]);
    expect(notes.every((m) => m.urgent)).toBe(true);
    const text = h.inboxOf('admin').join('\n');
    expect(text).toContain('收到的消息处理失败，已放弃（3 次尝试）');
    expect(text).toContain('张三(zhangsan)');
    expect(text).toContain('标题:毒消息');
    expect(text).toContain('TypeError');

    // A restart an hour later: nothing is replayed, nobody is told again.
    h.clock.advanceHours(1);
    const sent = h.notifier.delivered.length;
    expect(await h.app.dispatcher.resumeUnfinished()).toBe(0);
    await h.app.outbox.deliverDue();
    expect(poison.calls).toBe(3);
    expect(h.notifier.delivered.length).toBe(sent);
    expect((await inboxRows(h)).at(-1)).toMatchObject({ status: 'dead', attempts: 3 });
    await h.close();
  });

  it('arriving from a platform, is retried after 2 s and 4 s, then given up; a good event next to it goes through', async () => {
    const h = await startHarness({ policy: POLICY });
    await withCustomer(h);
    const poison = poisonContracts(h);
    const accepted = (await h.app.dispatcher.accept(message('新建合同 客户:华东日报社 金额:30万 类型:销售 标题:毒消息', 'wecom:poison')))!;
    expect(await h.app.dispatcher.process(accepted.id, message('新建合同 客户:华东日报社 金额:30万 类型:销售 标题:毒消息', 'wecom:poison'))).toEqual([]);
    expect((await inboxRows(h)).at(-1)).toMatchObject({ status: 'received', attempts: 1, claimed_by: null });

    await h.app.dispatcher.handle(message('帮助', 'wecom:good'));
    advanceSeconds(h, 1.9);
    expect(await h.app.dispatcher.resumeUnfinished()).toBe(0); // not due yet
    advanceSeconds(h, 0.1);
    expect(await h.app.dispatcher.resumeUnfinished()).toBe(1);
    expect((await inboxRows(h)).find((r) => r.id === accepted.id)).toMatchObject({ status: 'received', attempts: 2 });
    advanceSeconds(h, 3.9);
    expect(await h.app.dispatcher.resumeUnfinished()).toBe(0);
    advanceSeconds(h, 0.1);
    expect(await h.app.dispatcher.resumeUnfinished()).toBe(1);
    expect(poison.calls).toBe(3);
    const rows = await inboxRows(h);
    expect(rows.find((r) => r.id === accepted.id)).toMatchObject({ status: 'dead', attempts: 3 });
    expect(rows.filter((r) => r.status === 'done')).toHaveLength(2); // the customer, and 帮助
    await h.app.outbox.deliverDue();
    expect(h.notifier.delivered.filter((m) => m.dedupeKey.startsWith('inbox-dead:'))).toHaveLength(2);
    await h.close();
  });

  it('that stopped the process during every attempt is given up without being processed again', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-')), 'bot.sqlite');
    const event = message('新建合同 客户:华东日报社 金额:30万 类型:销售 标题:致命', 'wecom:fatal');
    const h = await startHarness({ policy: POLICY, databaseUrl: `sqlite:${file}` });
    await withCustomer(h);
    const accepted = (await h.app.dispatcher.accept(event))!;
    // Three instances each took the event (attempt counted) and died before finishing it.
    const store = createInboxStore();
    for (const holder of ['dead-1', 'dead-2', 'dead-3']) {
      advanceSeconds(h, 61);
      const now = h.clock.now();
      expect(await h.app.uow.run((tx) => store.claim(tx, accepted.id, { holder, until: new Date(now.getTime() + 60_000), now }))).not.toBeNull();
    }
    const poison = poisonContracts(h);
    expect(await h.app.dispatcher.resumeUnfinished()).toBe(0); // dead-3 still holds it
    advanceSeconds(h, 61);
    expect(await h.app.dispatcher.resumeUnfinished()).toBe(1);
    expect(poison.calls).toBe(0); // given up, not run a fourth time
    expect((await inboxRows(h)).find((r) => r.id === accepted.id)).toMatchObject({ status: 'dead', attempts: 4 });
    await h.app.outbox.deliverDue();
    expect(h.inboxOf('admin').join('\n')).toContain('已放弃（3 次尝试）');
    expect(h.notifier.delivered.filter((m) => m.to.kind === 'conversation' && m.to.conversationId === 'ZhangSan').map((m) => m.dedupeKey)).toEqual([
      `reply:${accepted.id}`,
    ]);
    await h.close();
  });
});

describe('claims between instances', () => {
  it('an instance whose claim was taken over after it ran out changes nothing; the new holder processes the event once', async () => {
    const h = await startHarness({ policy: POLICY });
    await withCustomer(h);
    const real = createInboxStore();
    const event = message('新建合同 客户:华东日报社 金额:30万 类型:销售 标题:只建一次', 'wecom:slow');
    const dispatcher = (holder: string, inbox: InboxStore) =>
      new Dispatcher({ workflow: h.app.deps, uow: h.app.uow, inbox, clock: h.clock, log: silentLogger, holder, claimMs: 60_000, maxAttempts: 3 });
    // Instance a takes the event, then stalls past its claim; instance b takes it over meanwhile.
    const b = dispatcher('b', real);
    const slowStore: InboxStore = {
      ...real,
      async claim(tx, id, claim) {
        const row = await real.claim(tx, id, claim);
        stalled = true;
        return row;
      },
    };
    let stalled = false;
    const a = dispatcher('a', slowStore);
    const accepted = (await a.accept(event))!;
    const originalRun = h.app.uow.run.bind(h.app.uow);
    h.app.uow.run = async (work) => {
      if (stalled) {
        stalled = false;
        advanceSeconds(h, 61); // a's claim runs out while it stalls ...
        const now = h.clock.now();
        await originalRun((tx) => real.claim(tx, accepted.id, { holder: 'b', until: new Date(now.getTime() + 60_000), now })); // ... and b takes it
      }
      return originalRun(work);
    };
    expect(await a.process(accepted.id, event)).toEqual([]); // a's finish finds the row b's: rolled back
    h.app.uow.run = originalRun;
    expect(await count(h, 'contract')).toBe(0);
    expect(await count(h, 'outbox WHERE dedupe_key = \'reply:' + accepted.id + '\'')).toBe(0);
    expect((await inboxRows(h)).find((r) => r.id === accepted.id)).toMatchObject({ status: 'received', claimed_by: 'b', attempts: 2 });

    const views = await b.process(accepted.id, event);
    expect(views[0]).toEqual({ type: 'text', text: '已创建合同草稿 HT-2026-0001。' }); // a's number was rolled back too
    expect(await count(h, 'contract')).toBe(1);
    expect((await inboxRows(h)).find((r) => r.id === accepted.id)).toMatchObject({ status: 'done', claimed_by: 'b' });
    expect(await a.process(accepted.id, event)).toEqual([]); // finished: a cannot take it again
    expect(await count(h, 'contract')).toBe(1);
    await h.close();
  });
});
