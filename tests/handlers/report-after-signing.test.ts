// The report's after-signing figures (product.md §7) on a seeded data set, checked against a separate,
// plain computation over the seed itself (not the report's code path): milestone delay rate overall and
// by month, fulfilment-problem resolution and on-time rates, service-ticket SLA attainment per priority,
// average satisfaction per dimension. Also the report's scope (own, team, everyone), the chat reply,
// the charts and the CSV. In memory (SQLite), and on PostgreSQL and MySQL (their own databases).

import { loadImage } from '@napi-rs/canvas';
import { renderChartPng } from '../../bot/charts/render';
import { startHarness, type Harness } from '../support/harness';
import { ownDatabase } from '../support/own-database';
import { buildReport, reportCsv } from '../../handlers/reports';
import { periodOf } from '../../handlers/domain/period';
import type { TicketPriority, TicketRatings, Tx } from '../../handlers/ports';
import { SYSTEM } from '../../handlers/context';

const TZ = 'Asia/Shanghai';
const H = 3_600_000;
// 2026Q3 in Shanghai: [2026-06-30T16:00Z, 2026-09-30T16:00Z)
const Q3_FROM = Date.parse('2026-06-30T16:00:00Z');
const Q3_TO = Date.parse('2026-09-30T16:00:00Z');
const NOW = '2026-10-09T02:00:00Z'; // Friday 9 Oct 2026, 10:00 local
const NOW_MS = Date.parse(NOW);
const TODAY = '2026-10-09';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** qianqi is outside 李四's team: the team's figures must leave their contract out. */
const OWNERS = ['zhangsan', 'zhaoliu', 'lisi', 'qianqi'];
const PRIORITIES: TicketPriority[] = ['urgent', 'general', 'periodic'];
const RATING_KEYS: (keyof TicketRatings)[] = ['speed', 'ability', 'attitude', 'professional'];

interface Seed {
  contracts: { number: string; owner: string }[];
  milestones: { contract: number; originalDate: string; plannedDate: string; doneDate: string | null; delayed: boolean }[];
  problems: { contract: number; raisedAt: number; deadlineAt: number; resolvedAt: number | null }[];
  tickets: {
    contract: number; priority: TicketPriority; openedAt: number; respondDue: number | null; respondedAt: number | null;
    resolveDue: number; resolvedAt: number | null; ratings: TicketRatings | null; ratedAt: number | null;
  }[];
}

const isoDay = (ms: number) => new Date(ms + 8 * H).toISOString().slice(0, 10); // Shanghai has no DST
const dayPlus = (d: string, n: number) => isoDay(Date.parse(`${d}T00:00:00+08:00`) + n * 24 * H);

function makeSeed(): Seed {
  const r = rng(20261009);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const seed: Seed = { contracts: [], milestones: [], problems: [], tickets: [] };
  for (let i = 1; i <= 12; i++) seed.contracts.push({ number: `HT-2026-${String(i).padStart(4, '0')}`, owner: OWNERS[i % OWNERS.length]! });
  const contract = () => Math.floor(r() * seed.contracts.length);
  // From three weeks before Q3 to three weeks after it (past NOW too), so the edges are exercised.
  const at = () => Q3_FROM - 21 * 24 * H + Math.floor(r() * (Q3_TO - Q3_FROM + 42 * 24 * H));
  for (let i = 0; i < 150; i++) {
    const originalDate = isoDay(at());
    const fate = r();
    let m: Seed['milestones'][number];
    if (fate < 0.3) m = { contract: contract(), originalDate, plannedDate: originalDate, doneDate: dayPlus(originalDate, -Math.floor(r() * 5)), delayed: false };
    else if (fate < 0.5) m = { contract: contract(), originalDate, plannedDate: originalDate, doneDate: dayPlus(originalDate, 1 + Math.floor(r() * 9)), delayed: false };
    else if (fate < 0.65) m = { contract: contract(), originalDate, plannedDate: dayPlus(originalDate, 5 + Math.floor(r() * 20)), doneDate: null, delayed: true };
    else m = { contract: contract(), originalDate, plannedDate: originalDate, doneDate: null, delayed: false };
    seed.milestones.push(m);
  }
  for (let i = 0; i < 80; i++) {
    const raisedAt = at();
    const deadlineAt = raisedAt + 24 * H;
    const fate = r();
    const resolvedAt = fate < 0.5 ? raisedAt + Math.floor(r() * 23 * H) : fate < 0.8 ? deadlineAt + Math.floor(r() * 72 * H) : null;
    seed.problems.push({ contract: contract(), raisedAt, deadlineAt, resolvedAt: resolvedAt !== null && resolvedAt > NOW_MS ? null : resolvedAt });
  }
  for (let i = 0; i < 120; i++) {
    const priority = pick(PRIORITIES);
    const openedAt = at();
    const respondDue = priority === 'periodic' ? null : openedAt + (priority === 'urgent' ? 2 : 8) * H;
    const resolveDue = openedAt + (priority === 'urgent' ? 4 : priority === 'general' ? 48 : 10 * 24) * H;
    const upTo = (t: number | null) => (t !== null && t <= NOW_MS ? t : null);
    const respondedAt = respondDue === null || r() < 0.1 ? null : upTo(openedAt + Math.floor(r() * (respondDue - openedAt) * 1.6));
    const resolvedAt = r() < 0.15 ? null : upTo(openedAt + Math.floor(r() * (resolveDue - openedAt) * 1.5));
    const rated = resolvedAt !== null && r() < 0.7;
    seed.tickets.push({
      contract: contract(), priority, openedAt, respondDue, respondedAt, resolveDue, resolvedAt,
      ratings: rated ? { speed: 1 + Math.floor(r() * 5), ability: 1 + Math.floor(r() * 5), attitude: 1 + Math.floor(r() * 5), professional: 1 + Math.floor(r() * 5) } : null,
      ratedAt: rated ? upTo(resolvedAt! + Math.floor(r() * 96 * H)) : null,
    });
  }
  for (const t of seed.tickets) if (t.ratedAt === null) t.ratings = null;
  return seed;
}

async function load(h: Harness, seed: Seed): Promise<void> {
  const repos = h.app.deps.repos;
  await h.app.uow.run(async (tx: Tx) => {
    const customer = await repos.customers.insert(tx, 'KH-000001', {
      name: '客户', aliases: [], tier: 'B', ownerId: 'zhangsan', nextFollowUpDue: null, createdAt: new Date(Q3_FROM),
    });
    const ids: number[] = [];
    for (const c of seed.contracts) {
      const row = await repos.contracts.insert(tx, c.number, {
        title: '合同', customerId: customer.id, type: 'sales', amountFen: 100_000, currency: 'CNY', risk: 'low', startDate: null, endDate: null,
        autoRenew: false, paymentTerms: null, ownerId: c.owner, status: 'performing', version: 1, round: 0, routeRule: null, routeExplanation: null,
        submittedAt: null, signedDate: '2026-06-01', createdAt: new Date(Q3_FROM - 60 * 24 * H),
      });
      ids.push(row.id);
    }
    await repos.milestones.insertMany(tx, seed.milestones.map((m, i) => ({
      contractId: ids[m.contract]!, seq: i + 1, name: `节点${i + 1}`, responsibleId: seed.contracts[m.contract]!.owner,
      plannedDate: m.plannedDate, originalDate: m.originalDate, status: m.doneDate ? 'done' : 'open', doneDate: m.doneDate,
      delays: m.delayed ? [{ from: m.originalDate, to: m.plannedDate, reason: '等料', by: 'zhangsan', at: `${m.originalDate}T09:00:00+08:00` }] : [],
      createdBy: 'zhangsan', createdAt: new Date(Q3_FROM - 30 * 24 * H),
    })));
    for (const [i, p] of seed.problems.entries()) {
      await repos.problems.insert(tx, {
        number: `WT-2026-${String(i + 1).padStart(4, '0')}`, contractId: ids[p.contract]!, description: '问题', impact: null, raisedBy: 'zhangsan',
        responsibleId: 'zhangsan', raisedAt: new Date(p.raisedAt), deadlineAt: new Date(p.deadlineAt), status: p.resolvedAt === null ? 'open' : 'resolved',
        resolvedAt: p.resolvedAt === null ? null : new Date(p.resolvedAt), resolvedBy: p.resolvedAt === null ? null : 'zhangsan',
        resolution: p.resolvedAt === null ? null : '已处理',
      });
    }
    const date = (t: number | null) => (t === null ? null : new Date(t));
    for (const [i, t] of seed.tickets.entries()) {
      await repos.serviceTickets.insert(tx, `FW-2026-${String(i + 1).padStart(4, '0')}`, {
        contractId: ids[t.contract]!, priority: t.priority, description: '报修', status: t.resolvedAt === null ? 'open' : 'resolved', openedBy: 'zhangsan',
        handlerId: 'wujiu', contactId: null, clock: 'natural', openedAt: new Date(t.openedAt), confirmDue: null, respondDue: date(t.respondDue),
        resolveDue: new Date(t.resolveDue), scheduledDate: t.priority === 'periodic' ? isoDay(t.resolveDue - H) : null, acknowledgedAt: null,
        respondedAt: date(t.respondedAt), resolvedAt: date(t.resolvedAt), resolution: t.resolvedAt === null ? null : '已修复', callbackDue: null,
        callbackAt: null, callbackNote: null, objection: null, objectionAt: null, objectionDue: null, objectionClosedAt: null, ratings: t.ratings,
        ratedAt: date(t.ratedAt), ratedBy: t.ratedAt === null ? null : 'zhangsan', nextCheckAt: null,
      });
    }
  });
}

// ---- the independent computation: plain loops over the seed ---------------------------------

const inQ3 = (t: number) => t >= Q3_FROM && t < Q3_TO;
const dayInQ3 = (d: string) => d >= '2026-07-01' && d <= '2026-09-30';

function expected(seed: Seed, owners: string[] | null) {
  const mine = (i: number) => owners === null || owners.includes(seed.contracts[i]!.owner);
  // Milestones first due in Q3; delayed when moved, done after the first plan, or open past it today.
  const months: Record<string, { due: number; delayed: number }> = { '2026-07': { due: 0, delayed: 0 }, '2026-08': { due: 0, delayed: 0 }, '2026-09': { due: 0, delayed: 0 } };
  let due = 0;
  let delayed = 0;
  for (const m of seed.milestones) {
    if (!mine(m.contract) || !dayInQ3(m.originalDate)) continue;
    const late = m.delayed || (m.doneDate !== null ? m.doneDate > m.originalDate : TODAY > m.originalDate);
    due++;
    months[m.originalDate.slice(0, 7)]!.due++;
    if (late) {
      delayed++;
      months[m.originalDate.slice(0, 7)]!.delayed++;
    }
  }
  let raised = 0;
  let resolved = 0;
  let onTime = 0;
  let openOverdue = 0;
  for (const p of seed.problems) {
    if (!mine(p.contract) || !inQ3(p.raisedAt)) continue;
    raised++;
    if (p.resolvedAt !== null) resolved++;
    if (p.resolvedAt !== null && p.resolvedAt <= p.deadlineAt) onTime++;
    if (p.resolvedAt === null && p.deadlineAt <= NOW_MS) openOverdue++;
  }
  const sla: Record<string, { opened: number; respMet: number; respDecided: number; resMet: number; resDecided: number; respHours: number[] }> = {};
  for (const p of [...PRIORITIES, 'all']) sla[p] = { opened: 0, respMet: 0, respDecided: 0, resMet: 0, resDecided: 0, respHours: [] };
  for (const t of seed.tickets) {
    if (!mine(t.contract) || !inQ3(t.openedAt)) continue;
    for (const s of [sla[t.priority]!, sla.all!]) {
      s.opened++;
      if (t.respondDue !== null) {
        if (t.respondedAt !== null) {
          s.respDecided++;
          if (t.respondedAt <= t.respondDue) s.respMet++;
          s.respHours.push((t.respondedAt - t.openedAt) / H);
        } else if (NOW_MS > t.respondDue) s.respDecided++;
      }
      if (t.resolvedAt !== null) {
        s.resDecided++;
        if (t.resolvedAt <= t.resolveDue) s.resMet++;
      } else if (NOW_MS > t.resolveDue) s.resDecided++;
    }
  }
  const sums: Record<string, number> = { speed: 0, ability: 0, attitude: 0, professional: 0 };
  let rated = 0;
  for (const t of seed.tickets) {
    if (!mine(t.contract) || t.ratedAt === null || !inQ3(t.ratedAt)) continue;
    rated++;
    for (const k of RATING_KEYS) sums[k] += t.ratings![k];
  }
  return { due, delayed, months, raised, resolved, onTime, openOverdue, sla, rated, sums };
}

const TARGETS: [string, () => Promise<string>, boolean][] = [
  ['SQLite', async () => 'sqlite::memory:', true],
  ['PostgreSQL', () => ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'reports_after'), process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['MySQL', () => ownDatabase('mysql', process.env.TEST_MYSQL_URL!, 'reports_after'), process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter(([, , ok]) => !ok);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(TARGETS.filter(([, , ok]) => ok))('%s: after-signing report figures on a seeded data set', (_name, database) => {
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
    // The data set has something of each kind to measure.
    expect(e.due).toBeGreaterThan(5);
    expect(e.delayed).toBeGreaterThan(0);
    expect(e.due - e.delayed).toBeGreaterThan(0);
    expect(e.resolved - e.onTime).toBeGreaterThan(0);
    expect(e.raised - e.resolved).toBeGreaterThan(0);
    expect(e.rated).toBeGreaterThan(2);

    expect(f.milestonesDue).toBe(e.due);
    expect(f.milestonesDelayed).toBe(e.delayed);
    expect(f.milestoneDelayRate).toBeCloseTo(e.delayed / e.due, 9);
    for (const [month, m] of Object.entries(e.months)) {
      expect(f[`milestones:${month}:due`]).toBe(m.due);
      expect(f[`milestones:${month}:delayRate`]).toBe(m.due ? m.delayed / m.due : null);
    }

    expect(f.problemsRaised).toBe(e.raised);
    expect(f.problemsResolved).toBe(e.resolved);
    expect(f.problemResolutionRate).toBeCloseTo(e.resolved / e.raised, 9);
    expect(f.problemOnTimeRate).toBeCloseTo(e.onTime / e.raised, 9);
    expect(f.problemsOpenOverdue).toBe(e.openOverdue);

    for (const p of PRIORITIES) {
      const s = e.sla[p]!;
      expect(s.opened).toBeGreaterThan(0);
      expect(f[`tickets:${p}:opened`]).toBe(s.opened);
      expect(f[`tickets:${p}:responseAttainment`]).toBe(s.respDecided ? s.respMet / s.respDecided : null);
      expect(f[`tickets:${p}:resolutionAttainment`]).toBeCloseTo(s.resMet / s.resDecided, 9);
    }
    // Both outcomes happen, so the attainment is a real fraction.
    expect(e.sla.urgent!.respMet).toBeGreaterThan(0);
    expect(e.sla.urgent!.respDecided).toBeGreaterThan(e.sla.urgent!.respMet);
    expect(f['tickets:periodic:responseAttainment']).toBeNull(); // a visit has no response clock
    expect(f.ticketsOpened).toBe(e.sla.all!.opened);
    expect(f.ticketResponseAttainment).toBeCloseTo(e.sla.all!.respMet / e.sla.all!.respDecided, 9);
    expect(f.ticketResolutionAttainment).toBeCloseTo(e.sla.all!.resMet / e.sla.all!.resDecided, 9);
    const urgentHours = e.sla.urgent!.respHours;
    expect(f['tickets:urgent:meanResponseHours']).toBeCloseTo(urgentHours.reduce((a, b) => a + b, 0) / urgentHours.length, 6);

    expect(f.ratingsGiven).toBe(e.rated);
    for (const k of RATING_KEYS) expect(f[`rating:${k}`]).toBeCloseTo(e.sums[k]! / e.rated, 9);
  });

  it('shows nothing measured as — rather than zero', async () => {
    const { report, f } = await figuresFor([]);
    expect(f.milestoneDelayRate).toBeNull();
    expect(f.problemResolutionRate).toBeNull();
    expect(f.ticketResponseAttainment).toBeNull();
    expect(f['rating:speed']).toBeNull();
    const lines = Object.fromEntries(report.sections.flatMap((s) => s.lines.map((l) => [`${s.key}/${l.label}`, l.value])));
    expect(lines['milestone_delays/延期率']).toBe('—');
    expect(lines['satisfaction/速度']).toBe('—');
    expect(report.sections.filter((s) => s.chart).map((s) => s.key)).toEqual([]);
  });

  it('answers 报表 2026Q3 in chat with the figures and the charts; a salesperson sees their own, a manager their team', async () => {
    const all = expected(seed, null);
    const pct = (a: number, b: number) => `${(Math.round((a / b) * 1000) / 10).toFixed(1)}%（${a}/${b}）`;
    const { reply } = await h.say('qianqi', '报表 2026Q3');
    expect(reply).toContain(`延期率：${pct(all.delayed, all.due)}`);
    expect(reply).toContain(`· 8月：${pct(all.months['2026-08']!.delayed, all.months['2026-08']!.due)}`);
    expect(reply).toContain(`解决率（已解决 / 提出）：${pct(all.resolved, all.raised)}`);
    expect(reply).toContain(`按期解决率（期限内解决 / 提出）：${pct(all.onTime, all.raised)}`);
    expect(reply).toContain(`响应达标 ${pct(all.sla.all!.respMet, all.sla.all!.respDecided)}`);
    expect(reply).toContain(`速度：${(all.sums.speed! / all.rated).toFixed(2)} 分`);
    const message = h.notifier.delivered[h.notifier.delivered.length - 1]!;
    // No approval was seeded, so no approval-cycle chart.
    expect(message.attachments!.map((a) => a.fileName)).toEqual([
      'report-2026Q3-milestone_delays.png',
      'report-2026Q3-service_sla.png',
    ]);
    const delays = message.attachments![0]!;
    if (delays.kind !== 'chart') throw new Error('expected a chart');
    expect(delays.chart.labels).toEqual(['7月（到期 ' + all.months['2026-07']!.due + '）', '8月（到期 ' + all.months['2026-08']!.due + '）', '9月（到期 ' + all.months['2026-09']!.due + '）']);
    expect(delays.chart.series[0]!.values[0]).toBeCloseTo((all.months['2026-07']!.delayed / all.months['2026-07']!.due) * 100, 0);
    const sla = message.attachments![1]!;
    if (sla.kind !== 'chart') throw new Error('expected a chart');
    expect(sla.chart.labels).toEqual(PRIORITIES.map((p) => `${{ urgent: '紧急', general: '一般', periodic: '巡检' }[p]}（${all.sla[p]!.opened} 单）`));
    expect(sla.chart.series.map((x) => x.name)).toEqual(['响应达标率', '解决达标率']);
    expect(sla.chart.series[0]!.values[2]).toBeNull(); // a visit has no response clock: no bar
    // Both charts draw as PNGs of the size asked for, a missing value included.
    for (const chart of [delays.chart, sla.chart]) {
      const image = await loadImage(renderChartPng(chart)!);
      expect([image.width, image.height]).toEqual([800, 450]);
    }

    const own = expected(seed, ['zhangsan']);
    expect((await h.say('zhangsan', '报表 2026Q3')).reply).toContain(`延期率：${pct(own.delayed, own.due)}`);
    const team = expected(seed, ['lisi', 'zhangsan', 'zhaoliu', 'wujiu']);
    expect(team.due).toBeLessThan(all.due); // qianqi's contracts are outside the team
    expect((await h.say('lisi', '报表 2026Q3')).reply).toContain(`延期率：${pct(team.delayed, team.due)}`);
  });

  it('exports the new figures and their tables in the report CSV', async () => {
    const all = expected(seed, null);
    await h.say('qianqi', '导出 报表 2026Q3');
    const csv = h.notifier.delivered[h.notifier.delivered.length - 1]!.attachments![0]!;
    if (csv.kind !== 'csv') throw new Error('expected a CSV');
    const rows = csv.content.slice(1).split('\r\n');
    expect(rows).toContain(`2026年第3季度,里程碑延期率（延期 / 到期）,期内到期,${all.due} 个`);
    expect(rows).toContain(`2026年第3季度,里程碑延期率（延期 / 到期）,2026-07 · 到期(个),${all.months['2026-07']!.due}`);
    expect(rows).toContain(`2026年第3季度,售后工单 SLA 达成（按优先级）,紧急 · 工单数,${all.sla.urgent!.opened}`);
    expect(rows).toContain(`2026年第3季度,客户满意度（1–5 分）,期内评价,${all.rated} 次`);
    const { report } = await figuresFor(null);
    expect(reportCsv(report)).toBe(csv.content);
  });
});
