// Report figures on a seeded data set, checked against a separate, plain computation over the seed
// itself (not the report's code path): counts, amounts, median/p90 cycle time, per-step and
// per-person times, follow-ups per person, overdue counts. Also who may ask, and the period errors.
// In memory (SQLite), and on PostgreSQL and MySQL (their own databases) for the report queries.

import { startHarness, type Harness } from '../support/harness';
import { ownDatabase } from '../support/own-database';
import { buildReport, reportCsv } from '../../handlers/reports';
import { periodOf } from '../../handlers/domain/period';
import type { ApprovalStepRecord, Tx } from '../../handlers/ports';
import type { ContractStatus, Role } from '../../handlers/domain/types';
import { SYSTEM } from '../../handlers/context';
import { createOutboxStore } from '../../storage/repositories';

const TZ = 'Asia/Shanghai';
const H = 3_600_000;
// 2026Q3 in Shanghai: [2026-06-30T16:00Z, 2026-09-30T16:00Z)
const Q3_FROM = Date.parse('2026-06-30T16:00:00Z');
const Q3_TO = Date.parse('2026-09-30T16:00:00Z');
const NOW = '2026-10-09T02:00:00Z'; // Friday 9 Oct 2026, 10:00 local: a working day

/** A small deterministic generator, so the data set is varied but the same every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface SeedRound {
  contract: string;
  owner: string;
  steps: { role: Role; assignee: string; activatedAt: number; decidedAt: number | null; status: ApprovalStepRecord['status']; dueAt: number }[];
}

interface Seed {
  contracts: { number: string; owner: string; createdAt: number; signedDate: string | null; amountFen: number; status: ContractStatus }[];
  rounds: SeedRound[];
  followUps: { author: string; at: number }[];
  customers: { owner: string; nextDue: string }[];
}

const OWNERS = ['zhangsan', 'zhaoliu', 'lisi'];
const CHAIN: [Role, string][] = [['sales_manager', 'lisi'], ['legal', 'wangwu'], ['finance', 'zhouqi'], ['gm', 'qianqi']];

function makeSeed(): Seed {
  const r = rng(20260930);
  const seed: Seed = { contracts: [], rounds: [], followUps: [], customers: [] };
  // Times spread from two weeks before Q3 to two weeks after it, so the edges are exercised.
  const span = (Q3_TO - Q3_FROM) + 28 * 24 * H;
  const at = () => Q3_FROM - 14 * 24 * H + Math.floor(r() * span);
  for (let i = 1; i <= 60; i++) {
    const owner = OWNERS[i % 3]!;
    const createdAt = at();
    const number = `HT-2026-${String(i).padStart(4, '0')}`;
    const amountFen = (1 + Math.floor(r() * 900)) * 100_000 + Math.floor(r() * 100);
    let t = createdAt + Math.floor(r() * 48 * H);
    let status: ContractStatus = 'draft';
    let signedDate: string | null = null;
    const rounds = 1 + Math.floor(r() * 2);
    for (let round = 0; round < rounds && r() > 0.1; round++) {
      const length = 1 + Math.floor(r() * 4);
      const steps: SeedRound['steps'] = [];
      let ended: 'approved' | 'rejected' | 'open' = 'approved';
      for (let k = 0; k < length; k++) {
        const [role, assignee] = CHAIN[k]!;
        const held = Math.floor(r() * 72 * H);
        const dueAt = t + 16 * H;
        const fate = r();
        if (fate < 0.12) {
          steps.push({ role, assignee, activatedAt: t, decidedAt: t + held, status: 'rejected', dueAt });
          ended = 'rejected';
          break;
        }
        if (fate < 0.17) {
          steps.push({ role, assignee, activatedAt: t, decidedAt: null, status: 'pending', dueAt });
          ended = 'open';
          break;
        }
        steps.push({ role, assignee, activatedAt: t, decidedAt: t + held, status: 'approved', dueAt });
        t += held;
      }
      seed.rounds.push({ contract: number, owner, steps });
      t = (steps[steps.length - 1]!.decidedAt ?? t) + Math.floor(r() * 24 * H);
      status = ended === 'approved' ? 'approved' : ended === 'rejected' ? 'rejected' : 'in_approval';
      if (ended !== 'rejected') break;
    }
    if (status === 'approved' && r() < 0.7) {
      status = 'signed';
      signedDate = new Date(t + 8 * H).toISOString().slice(0, 10);
    }
    seed.contracts.push({ number, owner, createdAt, signedDate, amountFen, status });
  }
  for (let i = 0; i < 90; i++) seed.followUps.push({ author: OWNERS[Math.floor(r() * 3)]!, at: at() });
  for (let i = 0; i < 25; i++) seed.customers.push({ owner: OWNERS[i % 3]!, nextDue: `2026-10-${String(1 + Math.floor(r() * 20)).padStart(2, '0')}` });
  return seed;
}

async function load(h: Harness, seed: Seed): Promise<void> {
  const repos = h.app.deps.repos;
  await h.app.uow.run(async (tx: Tx) => {
    const customerIds: number[] = [];
    for (const [i, c] of seed.customers.entries()) {
      const customer = await repos.customers.insert(tx, `KH-${String(i + 1).padStart(6, '0')}`, {
        name: `客户${i + 1}号="危险"`, aliases: [], tier: 'B', ownerId: c.owner, nextFollowUpDue: c.nextDue, createdAt: new Date(Q3_FROM),
      });
      customerIds.push(customer.id);
    }
    const ids = new Map<string, number>();
    for (const c of seed.contracts) {
      const row = await repos.contracts.insert(tx, c.number, {
        title: `=年度合同,"${c.number}"`, customerId: customerIds[0]!, type: 'sales', amountFen: c.amountFen, currency: 'CNY', risk: 'low',
        startDate: null, endDate: null, autoRenew: false, paymentTerms: null, ownerId: c.owner, status: c.status, version: 1, round: 0,
        routeRule: null, routeExplanation: null, submittedAt: null, signedDate: c.signedDate, createdAt: new Date(c.createdAt),
      });
      ids.set(c.number, row.id);
    }
    const roundNo = new Map<string, number>();
    for (const round of seed.rounds) {
      const n = (roundNo.get(round.contract) ?? 0) + 1;
      roundNo.set(round.contract, n);
      await repos.steps.insertMany(tx, round.steps.map((s, k) => ({
        contractId: ids.get(round.contract)!, version: 1, round: n, seq: k + 1, role: s.role, assigneeId: s.assignee, actingFor: null,
        status: s.status, hours: 16, activatedAt: new Date(s.activatedAt), dueAt: new Date(s.dueAt), reminderCount: 0, lastRemindedAt: null,
        nextReminderAt: null, lastUrgedAt: null, decidedAt: s.decidedAt === null ? null : new Date(s.decidedAt),
        decidedBy: s.decidedAt === null ? null : s.assignee, decidedActingFor: null, comment: null,
      })));
    }
    for (const f of seed.followUps) {
      await repos.followUps.insert(tx, { customerId: customerIds[0]!, authorId: f.author, contractId: null, method: null, content: '电话', at: new Date(f.at), nextDue: '2026-12-01' });
    }
  });
}

// ---- the independent computation: plain loops over the seed ---------------------------------

const inQ3 = (t: number) => t >= Q3_FROM && t < Q3_TO;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const h1 = (ms: number) => Math.round((ms / H) * 10) / 10;
function expectedMedian(xs: number[]): number {
  const s = sorted(xs);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const expectedP90 = (xs: number[]) => sorted(xs)[Math.ceil(xs.length * 0.9) - 1]!;

function expected(seed: Seed, owners: string[] | null) {
  const mine = (o: string) => owners === null || owners.includes(o);
  const contracts = seed.contracts.filter((c) => mine(c.owner));
  const rounds = seed.rounds.filter((r) => mine(r.owner));
  const signed = contracts.filter((c) => c.signedDate !== null && c.signedDate >= '2026-07-01' && c.signedDate < '2026-10-01');
  let approved = 0;
  let rejected = 0;
  const cycles: number[] = [];
  const byRole = new Map<string, number[]>();
  const byPerson = new Map<string, number[]>();
  let overdue = 0;
  for (const r of rounds) {
    const last = r.steps[r.steps.length - 1]!;
    if (last.decidedAt !== null && inQ3(last.decidedAt)) {
      if (last.status === 'rejected') rejected++;
      else approved++;
      cycles.push(h1(last.decidedAt - r.steps[0]!.activatedAt));
    }
    for (const s of r.steps) {
      if (inQ3(s.dueAt) && (s.decidedAt === null || s.decidedAt > s.dueAt)) overdue++;
      if (s.decidedAt === null || !inQ3(s.decidedAt)) continue;
      byRole.set(s.role, [...(byRole.get(s.role) ?? []), h1(s.decidedAt - s.activatedAt)]);
      byPerson.set(s.assignee, [...(byPerson.get(s.assignee) ?? []), h1(s.decidedAt - s.activatedAt)]);
    }
  }
  const followUps = new Map<string, number>();
  for (const f of seed.followUps) if (mine(f.author) && inQ3(f.at)) followUps.set(f.author, (followUps.get(f.author) ?? 0) + 1);
  const overdueFollowUps = seed.customers.filter((c) => mine(c.owner) && c.nextDue < '2026-10-09').length;
  return {
    created: contracts.filter((c) => inQ3(c.createdAt)).length,
    approved,
    rejected,
    signed: signed.length,
    signedAmountFen: signed.reduce((a, c) => a + c.amountFen, 0),
    cycles,
    byRole,
    byPerson,
    overdue,
    followUps,
    overdueFollowUps,
  };
}

const TARGETS: [string, () => Promise<string>, boolean][] = [
  ['SQLite', async () => 'sqlite::memory:', true],
  ['PostgreSQL', () => ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'reports'), process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['MySQL', () => ownDatabase('mysql', process.env.TEST_MYSQL_URL!, 'reports'), process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter(([, , ok]) => !ok);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(TARGETS.filter(([, , ok]) => ok))('%s: report figures on a seeded data set', (_name, database) => {
  let h: Harness;
  const seed = makeSeed();
  beforeAll(async () => {
    h = await startHarness({ now: NOW, databaseUrl: await database() });
    await load(h, seed);
  }, 60_000);
  afterAll(() => h.close());

  const figuresFor = async (owners: string[] | null) => {
    const report = await h.app.uow.run((tx) =>
      buildReport(h.app.deps, { tx, actor: SYSTEM, now: new Date(NOW), platform: 'system' }, periodOf('quarter', 2026, 3, TZ), { owners, label: 't' }),
    );
    return { report, f: Object.assign({}, ...report.sections.map((s) => s.figures)) as Record<string, number | null> };
  };

  it.each([[null], [['zhangsan']], [['lisi', 'zhangsan', 'zhaoliu']]])('matches a plain computation (owners %j)', async (owners) => {
    const e = expected(seed, owners);
    const { f } = await figuresFor(owners);
    expect(e.cycles.length).toBeGreaterThan(owners ? 3 : 10); // the data set has something to measure
    expect(f.created).toBe(e.created);
    expect(f.approved).toBe(e.approved);
    expect(f.rejected).toBe(e.rejected);
    expect(f.signed).toBe(e.signed);
    expect(f.signedAmountFen).toBe(e.signedAmountFen);
    expect(f.decisions).toBe(e.cycles.length);
    expect(f.cycleMedianHours).toBeCloseTo(expectedMedian(e.cycles), 6);
    expect(f.cycleP90Hours).toBeCloseTo(expectedP90(e.cycles), 6);
    for (const [role, hs] of e.byRole) expect(f[`step:${role}:medianHours`]).toBeCloseTo(expectedMedian(hs), 6);
    for (const [person, hs] of e.byPerson) expect(f[`person:${person}:meanHours`]).toBeCloseTo(Math.round((hs.reduce((a, b) => a + b, 0) / hs.length) * 10) / 10, 6);
    expect(Object.keys(f).filter((k) => k.startsWith('step:')).length).toBe(e.byRole.size);
    expect(f.overdueSteps).toBe(e.overdue);
    expect(f.logged).toBe([...e.followUps.values()].reduce((a, b) => a + b, 0));
    for (const [person, n] of e.followUps) expect(f[`person:${person}:logged`]).toBe(n);
    expect(f.overdueNow).toBe(e.overdueFollowUps);
  });

  it('answers 报表 2026Q3 in chat with the figures and a chart, for the gm', async () => {
    const e = expected(seed, null);
    const { reply } = await h.say('qianqi', '报表 2026Q3');
    expect(reply).toContain('合同报表 · 2026年第3季度（全公司）');
    expect(reply).toContain(`新建：${e.created} 份`);
    expect(reply).toContain(`中位数：${expectedMedian(e.cycles)} 小时`);
    const message = h.notifier.delivered[h.notifier.delivered.length - 1]!;
    expect(message.attachments).toEqual([expect.objectContaining({ kind: 'chart', fileName: 'report-2026Q3-approval_cycle.png' })]);
  });

  it('gives a salesperson their own figures and a sales manager their team, refuses others', async () => {
    const own = expected(seed, ['zhangsan']);
    expect((await h.say('zhangsan', 'report 2026q3')).reply).toContain(`新建：${own.created} 份`);
    expect((await h.say('zhangsan', 'report 2026q3')).reply).toContain('张三 本人');
    expect((await h.say('lisi', '报表 2026Q3')).reply).toContain('本团队');
    expect((await h.say('wujiu', '报表 本月')).reply).toContain('报表仅对销售、销售经理、法务、财务、总经理和管理员开放');
  });

  it('names the period field with an example when it cannot be read', async () => {
    for (const bad of ['报表 2026Q5', '报表 2026-13', '报表 下个世纪', '报表 1999Q1']) {
      const { reply } = await h.say('qianqi', bad);
      expect(reply).toMatch(/「时间段」有误/);
      expect(reply).toContain('2026Q3');
    }
  });

  it('exports the report and the ledger as CSV: BOM, header, rows, Chinese intact, formulas defused', async () => {
    const { reply } = await h.say('qianqi', '导出 台账');
    expect(reply).toContain('已导出合同台账（全公司，60 份合同）');
    const ledger = h.notifier.delivered[h.notifier.delivered.length - 1]!.attachments![0]!;
    if (ledger.kind !== 'csv') throw new Error('expected a CSV');
    const bytes = Buffer.from(ledger.content, 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('合同号,标题,客户编码,客户,类型,金额(元),风险,状态,负责人,开始,结束,签订日期,创建时间');
    expect(lines).toHaveLength(62); // header, 60 rows, the empty string after the last CRLF
    const c1 = seed.contracts[0]!;
    const status: Record<string, string> = { signed: '已签订', approved: '已通过', rejected: '已驳回', in_approval: '审批中', draft: '草稿' };
    const owner: Record<string, string> = { zhangsan: '张三', zhaoliu: '赵六', lisi: '李四' };
    const created = new Date(c1.createdAt + 8 * H).toISOString().slice(0, 16).replace('T', ' '); // Shanghai has no DST
    expect(lines[1]).toBe(
      [c1.number, `"'=年度合同,""${c1.number}"""`, 'KH-000001', '"客户1号=""危险"""', '销售', (c1.amountFen / 100).toFixed(2), '低',
        status[c1.status], owner[c1.owner], '', '', c1.signedDate ?? '', created].join(','),
    );
    await h.say('qianqi', '导出 报表 2026Q3');
    const report = h.notifier.delivered[h.notifier.delivered.length - 1]!.attachments![0]!;
    if (report.kind !== 'csv') throw new Error('expected a CSV');
    expect(report.fileName).toBe('report-2026Q3.csv');
    const rows = report.content.slice(1).split('\r\n');
    expect(rows[0]).toBe('期间,板块,项目,数值');
    expect(rows).toContain(`2026年第3季度,合同,新建,${expected(seed, null).created} 份`);
  });

  it('keeps a large CSV attachment whole in the outbox (LONGTEXT on MySQL)', async () => {
    const content = '\uFEFF' + '合同号,标题\r\n'.repeat(20_000); // about 340 KB of UTF-8
    await h.app.uow.run((tx) =>
      h.app.deps.repos.outbox.enqueue(tx, { dedupeKey: 'large-export', to: { kind: 'channel', channel: 'sales' }, views: [], attachments: [{ kind: 'csv', fileName: 'big.csv', content }] }, new Date(NOW)),
    );
    const [row] = await h.app.dataSource.query("SELECT id FROM outbox WHERE dedupe_key = 'large-export'");
    const stored = await h.app.uow.run((tx) => createOutboxStore().findAttachments(tx, Number(row.id)));
    expect(stored).toEqual([{ kind: 'csv', fileName: 'big.csv', content }]);
  });

  it('puts the same figures in the report CSV as in chat', async () => {
    const { report } = await figuresFor(null);
    const csv = reportCsv(report);
    for (const s of report.sections) for (const l of s.lines) expect(csv).toContain(l.value.includes(',') ? `"${l.value}"` : l.value);
  });
});
