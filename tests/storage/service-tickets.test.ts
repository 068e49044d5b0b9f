// Service tickets on SQLite (a file), PostgreSQL and MySQL/MariaDB: the migration (up, down, up again),
// the repository through the whole bot, and the report read functions, whose figures are checked
// against values worked out by hand for a seeded set of tickets (not through the same code).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SYSTEM } from '../../handlers/context';
import { averageRatings, ratingFigures, ticketFigures } from '../../handlers/service-figures';
import { startHarness, type Harness } from '../support/harness';
import { ownDatabase } from '../support/own-database';
import { servicePolicy, signedContract } from '../support/service';
import { ServiceTickets17645400000000 } from '../../storage/migrations/17645400000000-service-tickets';
import { undoThrough } from '../support/migrations';

const at = (local: string) => new Date(`${local}+08:00`);
const sqliteFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-service-')), 'db.sqlite');
const TARGETS: [string, boolean][] = [
  ['sqlite', true],
  ['postgres', process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['mysql', process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter((t) => !t[1]);
if (unreachable.length) describe.skip.each(unreachable.map((t) => [t[0]]))('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(TARGETS.filter((t) => t[1]).map((t) => [t[0]]))('%s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    const url =
      kind === 'sqlite'
        ? `sqlite:${sqliteFile}`
        : await ownDatabase(kind as 'postgres' | 'mysql', kind === 'postgres' ? process.env.TEST_POSTGRES_URL! : process.env.TEST_MYSQL_URL!, 'service10');
    h = await startHarness({ policy: servicePolicy(), now: at('2026-11-23T10:00').toISOString(), databaseUrl: url });
  }, 120_000);
  afterAll(() => h?.close());

  it('stores tickets and gives the reports their figures', async () => {
    const no = await signedContract(h);
    const say = async (who: string, line: string, expected: string) => expect((await h.say(who, line)).reply).toContain(expected);
    await say('zhangsan', `报修 ${no} 紧急 停机`, 'FW-2026-0001'); // → 吴九
    await say('zhangsan', `报修 ${no} 一般 培训`, 'FW-2026-0002'); // → 郑十
    await say('zhangsan', `报修 ${no} 紧急 漏油`, 'FW-2026-0003'); // → 吴九, never answered
    await say('zhangsan', `报修 ${no} 巡检 季度巡检`, 'FW-2026-0004'); // visit on Thursday 11-26
    h.clock.set(at('2026-11-23T11:00').toISOString());
    await say('wujiu', '响应 FW-2026-0001 远程指导', '已响应');
    h.clock.set(at('2026-11-23T15:00').toISOString());
    await say('wujiu', '解决 FW-2026-0001 更换密封圈', '已解决');
    h.clock.set(at('2026-11-23T16:00').toISOString());
    await say('zhengshi', '响应 FW-2026-0002 已约时间', '已响应');
    h.clock.set(at('2026-11-24T09:30').toISOString());
    await say('zhangsan', `报修 ${no} 一般 另一个问题`, 'FW-2026-0005'); // the next day: outside the period
    h.clock.set(at('2026-11-24T11:00').toISOString());
    await say('zhengshi', '解决 FW-2026-0002 培训完成', '已解决');
    h.clock.set(at('2026-11-24T11:30').toISOString());
    await say('zhangsan', '评价 FW-2026-0001 5 4 3 2', '感谢评价');
    await say('zhangsan', '评价 FW-2026-0002 4 4 4 4', '感谢评价');
    h.clock.set(at('2026-11-24T12:00').toISOString());

    const ctx = (tx: never) => ({ tx, actor: SYSTEM, now: h.clock.now(), platform: 'system' });
    const figures = await h.app.uow.run((tx) => ticketFigures(h.app.deps, ctx(tx as never), at('2026-11-23T00:00'), at('2026-11-24T00:00')));
    // By hand: FW-1 urgent, natural hours: responded after 1 h (due 2 h), resolved after 5 h (due 4 h).
    // FW-2 general, working hours: responded 16:00 = 2 + 2.5 = 4.5 h (due 4 h); resolved 11-24 11:00 =
    // 6.5 + 2 = 8.5 h (due 24 h). FW-3 urgent, untouched: both deadlines past. FW-4 periodic: no response
    // clock, its visit (11-26) still ahead.
    expect(figures.map((f) => [f.number, f.priority, f.responseHours, f.resolutionHours, f.responseMet, f.resolutionMet])).toEqual([
      ['FW-2026-0001', 'urgent', 1, 5, true, false],
      ['FW-2026-0002', 'general', 4.5, 8.5, false, true],
      ['FW-2026-0003', 'urgent', null, null, false, false],
      ['FW-2026-0004', 'periodic', null, null, null, null],
    ]);
    const ratings = await h.app.uow.run((tx) => ratingFigures(h.app.deps, ctx(tx as never), at('2026-11-24T00:00'), at('2026-11-25T00:00')));
    expect(ratings.map((r) => [r.number, r.ratings])).toEqual([
      ['FW-2026-0001', { speed: 5, ability: 4, attitude: 3, professional: 2 }],
      ['FW-2026-0002', { speed: 4, ability: 4, attitude: 4, professional: 4 }],
    ]);
    expect(averageRatings(ratings)).toEqual({ speed: 4.5, ability: 4, attitude: 3.5, professional: 3 });
    expect(averageRatings([])).toBeNull();
    expect(await h.app.uow.run((tx) => ratingFigures(h.app.deps, ctx(tx as never), at('2026-11-23T00:00'), at('2026-11-24T00:00')))).toEqual([]);

    // The SLA job's read: only tickets whose next check has come, by id.
    const due = await h.app.uow.run((tx) => h.app.deps.repos.serviceTickets.listCheckDue(tx, h.clock.now(), 0, 10));
    expect(due.map((t) => t.number)).toEqual(['FW-2026-0001', 'FW-2026-0002', 'FW-2026-0003', 'FW-2026-0005']);
    expect(due[0]).toMatchObject({ priority: 'urgent', clock: 'natural', openedAt: at('2026-11-23T10:00'), ratings: { speed: 5 }, version: expect.any(Number) });
  }, 120_000);

  it('the migration goes down and up again', async () => {
    await undoThrough(h.app.dataSource, ServiceTickets17645400000000);
    await expect(h.app.dataSource.query('SELECT COUNT(*) AS n FROM service_ticket')).rejects.toThrow();
    await h.app.dataSource.runMigrations({ transaction: 'each' });
    expect(Number((await h.app.dataSource.query('SELECT COUNT(*) AS n FROM service_ticket'))[0].n)).toBe(0);
  }, 120_000);
});
