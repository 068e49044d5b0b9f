// Commands and jobs read a bounded number of rows whatever the store holds: the duplicate-name check
// of 新建客户 among 20,000 customers reads candidates, not everyone (and still finds near-duplicates);
// the listings that used to show everything show the first N and say "N of M".

import { renderText } from '../../cards/text';
import { SYSTEM } from '../../handlers/context';
import { dailyDigest, weeklyFollowUpDigest } from '../../handlers/notices';
import { nameKeys } from '../../storage/repositories/customer-names';
import { contractRow, customerRow, insertRows, setSequence, stepRow } from '../bench/seed';
import { companyName } from '../soak/directory';
import { MONDAY_10AM, startHarness, type Harness } from '../support/harness';

const CUSTOMERS = 20_000;
const AT = new Date(MONDAY_10AM).getTime() - 86_400_000;
let h: Harness;

/** Rows the customer repository handed back while `work` ran (the look-ups a command made). */
async function customerRowsRead(work: () => Promise<unknown>): Promise<{ rows: number; listAll: number }> {
  const repo = h.app.deps.repos.customers;
  const spies = (['findByNameKeys', 'findNameCandidates', 'findByIds', 'findById', 'findByCode', 'listByOwners'] as const).map((m) => jest.spyOn(repo, m));
  const listAll = jest.spyOn(repo, 'listAll');
  try {
    await work();
    let rows = 0;
    for (const spy of spies) {
      for (const r of spy.mock.results) {
        const value = await (r.value as Promise<unknown>);
        rows += Array.isArray(value) ? value.length : value ? 1 : 0;
      }
    }
    return { rows, listAll: listAll.mock.calls.length };
  } finally {
    for (const spy of [...spies, listAll]) spy.mockRestore();
  }
}

beforeAll(async () => {
  h = await startHarness();
  const ds = h.app.dataSource;
  // 20,000 customers of 张三 and 赵六 with generated names (many sharing first characters), then 华东日报社 (alias 华东日报).
  const customers = Array.from({ length: CUSTOMERS }, (_, i) =>
    customerRow({ id: i + 1, name: companyName(i + 1), ownerId: i % 2 ? 'zhangsan' : 'zhaoliu', nextFollowUpDue: i < 40 ? '2026-11-20' : '2027-06-01' }, AT),
  );
  customers.push(customerRow({ id: CUSTOMERS + 1, name: '华东日报社', aliases: ['华东日报'], ownerId: 'zhangsan', nextFollowUpDue: '2027-06-01' }, AT));
  await insertRows(ds, 'customer', customers);
  await insertRows(ds, 'customer_name', customers.flatMap((c) => nameKeys(String(c.name), JSON.parse(String(c.aliases))).map((key) => ({ customer_id: Number(c.id), name_key: key }))));
  // 华东日报社 has 120 contracts of 张三: 25 in approval at 李四, 95 drafts.
  const contracts = Array.from({ length: 120 }, (_, i) =>
    contractRow({ id: i + 1, customerId: CUSTOMERS + 1, ownerId: 'zhangsan', status: i < 25 ? 'in_approval' : 'draft', createdAt: AT }),
  );
  await insertRows(ds, 'contract', contracts);
  await insertRows(
    ds,
    'approval_step',
    Array.from({ length: 25 }, (_, i) =>
      stepRow({ id: i + 1, contractId: i + 1, seq: 1, role: 'sales_manager', assigneeId: 'lisi', status: 'pending', hours: 8, activatedAt: AT + i * 1000, dueAt: AT + 8 * 3_600_000 }),
    ),
  );
  await setSequence(ds, 'KH', CUSTOMERS + 1);
  await setSequence(ds, 'HT-2026', 120);
}, 60_000);
afterAll(() => h.close());

describe('新建客户 among 20,000 customers', () => {
  it('reads a bounded set of candidates, never every customer', async () => {
    let reply = '';
    const read = await customerRowsRead(async () => ({ reply } = await h.say('zhangsan', '新建客户 名称:华南晚报社 等级:B')));
    expect(reply).toContain('已新建客户');
    expect(read.listAll).toBe(0);
    expect(read.rows).toBeLessThan(400);
  });

  it.each([
    ['华东报社', '相近'], // one character slipped
    ['新华东日报社', '相近'], // contains it
    ['东华日报社', '相近'], // two characters swapped
    ['华东日报社有限公司', '已是客户'], // the same name once normalised
    ['华东日报', '已是客户'], // its alias
  ])('still warns about %s (%s)', async (name, expected) => {
    const read = await customerRowsRead(async () => {
      const { reply } = await h.say('zhangsan', `新建客户 名称:${name} 等级:B`);
      expect(reply).toContain(expected);
      expect(reply).toContain('华东日报社');
    });
    expect(read.rows).toBeLessThan(400);
  });

  it('客户 <name> for someone who may read every customer looks up candidates only', async () => {
    let reply = '';
    const read = await customerRowsRead(async () => ({ reply } = await h.say('qianqi', '客户 华东报社')));
    expect(reply).toContain('你是不是要找：KH-020001 华东日报社');
    expect(read.listAll).toBe(0);
    expect(read.rows).toBeLessThan(400);
  });
});

describe('listings say "N of M"', () => {
  it('我的合同 lists the newest 50 and counts all per state', async () => {
    const { reply } = await h.say('zhangsan', '我的合同');
    expect(reply).toContain('我的合同（120）');
    expect(reply).toContain('【审批中】25');
    expect(reply).toContain('【草稿】95（显示最近 50 个）');
    expect(reply).toContain('显示最近 50 / 共 120 个');
    expect(reply.match(/· HT-2026-/g)).toHaveLength(50);
  });

  it('待办 shows the oldest 10 cards and says how many there are', async () => {
    const { reply } = await h.say('lisi', '待办');
    expect(reply).toContain('你有 25 个待审批，显示最早的 10 个');
    expect(reply.match(/合同审批 HT-2026-/g)).toHaveLength(10);
    expect(reply).toContain('HT-2026-0001');
    expect(reply).not.toContain('HT-2026-0011');
  });

  it('客户 lists 20 of its open contracts and the count', async () => {
    const { reply } = await h.say('zhangsan', '客户 华东日报社');
    expect(reply).toContain('进行中的合同（120）');
    expect(reply).toContain('显示 20 / 共 120 个');
  });

  it('the daily and weekly digests list 30 overdue follow-ups and count all 40', async () => {
    const ctx = { actor: SYSTEM, now: new Date(MONDAY_10AM), platform: 'system' };
    await h.app.uow.run(async (tx) => {
      await dailyDigest(h.app.deps, { ...ctx, tx }, { expiryNoticeDays: [30, 7], renewalObjectionDays: 30, channels: { digest: 'sales' } });
      await weeklyFollowUpDigest(h.app.deps, { ...ctx, tx });
    });
    const rows: { dedupe_key: string; views: string }[] = await h.app.dataSource.query(
      "SELECT dedupe_key, views FROM outbox WHERE dedupe_key LIKE 'digest:%' OR dedupe_key LIKE 'followup-digest:%' ORDER BY id",
    );
    const digest = renderText(JSON.parse(rows.find((r) => r.dedupe_key.startsWith('digest:sales:'))!.views));
    expect(digest).toContain('逾期跟进 40（显示 30 个）');
    expect(digest).toContain('超时审批 25');
    expect(digest.match(/· HT-2026-/g)).toHaveLength(25);
    expect(digest.match(/应于 2026-11-20/g)).toHaveLength(30);
    const weekly = renderText(JSON.parse(rows.find((r) => r.dedupe_key.startsWith('followup-digest:lisi:'))!.views));
    expect(weekly).toContain('团队逾期未跟进的客户共 40 个');
    expect(weekly).toContain('显示 30 / 共 40 个');
  });
});
