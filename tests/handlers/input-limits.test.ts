// Every text field's limit, through the real dispatcher on SQLite, PostgreSQL and MySQL: one character
// over is refused with a reply naming the field and its limit, and nothing is written (before, a
// 201-character title was stored on SQLite and failed with the generic "处理时出错了" on the others);
// exactly at the limit, in 4-byte characters, it is stored whole on every database.

import type { App } from '../../bot/app';
import { FIELD_LIMITS, MESSAGE_LIMIT } from '../../handlers/commands/limits';
import { lastCardAction, startHarness, type Harness } from '../support/harness';
import { ownDatabase } from '../support/own-database';

const NO = 'HT-2026-0001';
const INTERNAL_ERROR = '处理时出错了';

/** `n` characters, mixing CJK and 4-byte emoji (one character each on every database). */
const text = (n: number, seed = '标') => Array.from({ length: n }, (_, i) => (i % 3 === 2 ? '😀' : seed)).join('');

/** Row counts and the stored texts, in SQL every database takes (TypeORM quotes the names). */
async function fingerprint(app: App): Promise<string> {
  const ds = app.dataSource;
  const tables = ['customer', 'contract', 'contract_version', 'approval_step', 'follow_up', 'audit_event', 'sequence'];
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = Number((await ds.createQueryBuilder().select('COUNT(*)', 'n').from(t, 't').getRawOne()).n);
  const contracts = await ds.createQueryBuilder().select(['c.title', 'c.version', 'c.status', 'c.payment_terms']).from('contract', 'c').orderBy('c.id').getRawMany();
  const customers = await ds.createQueryBuilder().select(['c.name', 'c.aliases']).from('customer', 'c').orderBy('c.id').getRawMany();
  return JSON.stringify({ counts, contracts, customers });
}

const column = async (app: App, table: string, col: string): Promise<string[]> =>
  (await app.dataSource.createQueryBuilder().select(`t.${col}`, 'v').from(table, 't').orderBy('t.id').getRawMany()).map((r) => r.v as string);

const TARGETS: [string, () => Promise<string>, boolean][] = [
  ['sqlite', async () => 'sqlite::memory:', true],
  ['postgres', () => ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'limits'), process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['mysql', () => ownDatabase('mysql', process.env.TEST_MYSQL_URL!, 'limits'), process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter((t) => !t[2]);
if (unreachable.length) describe.skip.each(unreachable.map((t) => [t[0]]))('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(TARGETS.filter((t) => t[2]).map(([kind, url]) => [kind, url] as const))('%s', (_kind, databaseUrl) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ databaseUrl: await databaseUrl() });
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
    await h.say('zhangsan', `新建合同 客户:华东日报社 金额:30万 类型:销售 标题:广告投放`);
  }, 60_000);
  afterAll(() => h?.close());

  /** Says `line` as `who`: the reply names `field` and `limit`, is not the internal error, and changes nothing. */
  async function refused(who: string, line: string, field: string, limit: number): Promise<void> {
    const before = await fingerprint(h.app);
    const { reply } = await h.say(who, line);
    expect(reply).not.toContain(INTERNAL_ERROR);
    expect(reply).toContain(`「${field}」`);
    expect(reply).toContain(`最长 ${limit} 个字`);
    expect(reply).toContain('例：');
    expect(await fingerprint(h.app)).toBe(before);
  }

  it('refuses a 201-character title by name and limit, writing nothing; stores a 200-character one whole', async () => {
    expect(FIELD_LIMITS.标题).toBe(200);
    await refused('zhangsan', `新建合同 客户:华东日报社 金额:5万 类型:销售 标题:${'长'.repeat(201)}`, '标题', 200);
    await refused('zhangsan', `修改 ${NO} 标题:${text(201)}`, '标题', 200);
    const title = text(200);
    const { reply } = await h.say('zhangsan', `修改 ${NO} 标题:${title}`);
    expect(reply).toContain('生成 v2');
    expect(await column(h.app, 'contract', 'title')).toEqual([title]);
  });

  it('customer names and aliases: 200 characters each', async () => {
    await refused('zhangsan', `新建客户 名称:${text(201, '客')} 等级:B`, '名称', 200);
    await refused('zhangsan', `新建客户 名称:西部能源 别名:西能,${text(201, '别')}`, '别名', 200);
    await refused('zhangsan', `客户 ${text(201, '客')}`, '客户', 200);
    const name = text(200, '客');
    const alias = text(200, '别');
    expect((await h.say('zhangsan', `新建客户 名称:${name} 别名:${alias} 等级:B 确认:是`)).reply).toContain('已新建客户');
    expect((await column(h.app, 'customer', 'name')).at(-1)).toBe(name);
    expect((await h.say('zhangsan', `客户 ${alias}`)).reply).toContain(name);
  });

  it('payment terms: 1,000 characters', async () => {
    await refused('zhangsan', `修改 ${NO} 付款:${text(1001, '付')}`, '付款', 1000);
    const terms = text(1000, '付');
    expect((await h.say('zhangsan', `修改 ${NO} 付款:${terms}`)).reply).toContain('生成 v');
    expect(await column(h.app, 'contract', 'payment_terms')).toEqual([terms]);
  });

  it('follow-up content: 2,000 characters, newlines kept', async () => {
    await refused('zhangsan', `跟进 华东日报社 ${text(2001, '跟')}`, '内容', 2000);
    const content = `${text(999, '跟')}\n${text(1000, '进')}`;
    expect((await h.say('zhangsan', `跟进 华东日报社 ${content}`)).reply).toContain('已记录跟进');
    expect(await column(h.app, 'follow_up', 'content')).toEqual([content]);
  });

  it('reasons and comments: 500 characters, typed or collected with a card button', async () => {
    await h.say('zhangsan', `提交 ${NO}`);
    await refused('lisi', `驳回 ${NO} ${text(501, '驳')}`, '原因', 500);
    await refused('lisi', `同意 ${NO} ${text(501, '意')}`, '意见', 500);
    const before = await fingerprint(h.app);
    const clicked = await h.click('lisi', lastCardAction(h, 'lisi', '驳回'), text(501, '驳'));
    expect(clicked.reply).toContain('「原因」最长 500 个字');
    expect(await fingerprint(h.app)).toBe(before);
    const reason = text(500, '驳');
    expect((await h.say('lisi', `驳回 ${NO} ${reason}`)).reply).toContain('已驳回');
    expect(await column(h.app, 'approval_step', 'comment')).toContain(reason);
  });

  it('a whole message over the limit is refused before any field is looked at', async () => {
    const before = await fingerprint(h.app);
    const { reply } = await h.say('zhangsan', `跟进 华东日报社 ${'话'.repeat(MESSAGE_LIMIT)}`);
    expect(reply).toContain(`整条消息最长 ${MESSAGE_LIMIT} 个字`);
    expect(reply).not.toContain(INTERNAL_ERROR);
    expect(await fingerprint(h.app)).toBe(before);
  });
});
