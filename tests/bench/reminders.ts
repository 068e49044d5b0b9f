// Bench section: one approval-reminder tick (the approval-reminders job: remindOverdueApprovals in one
// uow.run, delivery to a notifier that does nothing) over 10k, 100k and 1M open steps with 1,000 due,
// on a SQLite file; on PostgreSQL / MySQL too when BENCH_POSTGRES_URL / BENCH_MYSQL_URL are set.
// The same tick with the landed query (every overdue step, re-read each minute) for comparison.

import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { createApp, type App } from '../../bot/app';
import { parsePolicy } from '../../bot/config';
import { silentLogger } from '../../bot/logger';
import { SYSTEM, type Ctx, type Deps } from '../../handlers/context';
import type { Notifier, ReminderPolicy, Repositories } from '../../handlers/ports';
import { nextReminderAt, remindersDue } from '../../handlers/reminders';
import { approvalRemindersJob } from '../../schedules/jobs';
import { landedReminderTick } from './reminders-landed';
import { fixed, freshDatabase, table, type BenchSection } from './section';

const ROOT = path.join(__dirname, '../../..');
const policy = parsePolicy(fs.readFileSync(path.join(ROOT, 'policy.example.yaml'), 'utf8'), 'policy.example.yaml');
const reminders: ReminderPolicy = policy.reminders;
/**
 * The worst case for batching (one message per recipient per tick): each due step a different
 * approver, each with a different manager. The same policy with 1,000 such pairs added.
 */
const SPREAD_APPROVER = (j: number | string) => `bench-approver-${j}`;
const spreadPolicy = {
  ...policy,
  people: [
    ...policy.people,
    ...Array.from({ length: 1000 }, (_, j) => [
      { id: SPREAD_APPROVER(j), name: `审批人${j}`, roles: ['sales_manager' as const], manager: `bench-manager-${j}`, identities: [] },
      { id: `bench-manager-${j}`, name: `经理${j}`, roles: ['gm' as const], identities: [] },
    ]).flat(),
  ],
};
const sink: Notifier = { deliver: async () => undefined };
/** Monday 2026-11-23 10:00 in Shanghai: working time. */
const NOW = new Date('2026-11-23T02:00:00Z');
const HOUR = 3_600_000;
const DUE = 1000;
const TICKS = Number(process.env.BENCH_REMINDER_TICKS ?? 5);
const LANDED_TICKS = 3;
const APPROVERS = ['lisi', 'wangwu', 'sunba', 'zhouqi'];

type Kind = 'sqlite' | 'postgres' | 'mysql';

interface Figures {
  database: string;
  /** Each due step a different approver with a different manager (the worst case for batching). */
  spread: boolean;
  /** Outbox messages each tick queued. */
  messages: number[];
  open: number;
  seedS: number;
  tickMs: number[];
  /** CPU time of this process during the tick (SQLite runs in it; a server database's own is not counted). */
  cpuMs: number[];
  sent: number[];
  landedMs: number[];
  landedSent: number[];
  profile?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

/**
 * N open steps, one per contract in approval: the odd ones long overdue and reminded up to now (their
 * next reminder later today or after), the even ones not due yet. Raw multi-row INSERTs in big
 * transactions; values computed once per distinct due time.
 */
async function seed(ds: DataSource, kind: Kind, n: number, deps: Deps): Promise<void> {
  const q = kind === 'mysql' ? '`' : '"';
  const runner = ds.createQueryRunner();
  await runner.connect();
  // A big page cache while seeding only (random index keys thrash the default 2 MB); the bot's default after.
  if (kind === 'sqlite') await runner.query('PRAGMA cache_size = -262144');
  const created = NOW.getTime() - 40 * 24 * HOUR;
  await runner.query(
    `INSERT INTO customer (id, code, name, aliases, tier, owner_id, next_follow_up_due, created_at) VALUES (1, 'KH-900001', '基准客户', '[]', 'A', 'zhangsan', NULL, ${created})`,
  );
  const backlog = new Map<number, { due: number; count: number; last: number; next: number }>();
  const overdue = (i: number) => {
    const hoursAgo = 1 + (i % 720); // spread over the last 30 days
    let v = backlog.get(hoursAgo);
    if (!v) {
      const due = new Date(NOW.getTime() - hoursAgo * HOUR);
      const count = remindersDue(deps, { dueAt: due }, NOW, reminders.intervalHours);
      const last = nextReminderAt(deps, due, count - 1, reminders.intervalHours).getTime();
      v = { due: due.getTime(), count, last, next: nextReminderAt(deps, due, count, reminders.intervalHours).getTime() };
      backlog.set(hoursAgo, v);
    }
    return v;
  };
  const CHUNK = kind === 'sqlite' ? 2000 : 1000;
  const PER_TX = 100_000;
  for (let start = 1; start <= n; start += PER_TX) {
    await runner.startTransaction();
    const end = Math.min(n, start + PER_TX - 1);
    for (let a = start; a <= end; a += CHUNK) {
      const b = Math.min(end, a + CHUNK - 1);
      const contracts: string[] = [];
      const steps: string[] = [];
      for (let i = a; i <= b; i++) {
        contracts.push(
          `(${i}, 'HT-B-${String(i).padStart(8, '0')}', '基准合同 ${i}', 1, 'sales', 10000000, 'CNY', 'low', FALSE, 'zhangsan', 'in_approval', 1, 1, 'bench', ${created}, ${created}, ${created})`,
        );
        const s = i % 2 === 1 ? overdue(i) : { due: NOW.getTime() + (1 + (i % 72)) * HOUR, count: 0, last: null, next: NOW.getTime() + (1 + (i % 72)) * HOUR };
        steps.push(
          `(${i}, ${i}, 1, 1, 1, 'sales_manager', '${APPROVERS[i % APPROVERS.length]}', 'pending', 8, ${s.due - 8 * HOUR}, ${s.due}, ${s.count}, ${s.last ?? 'NULL'}, ${s.next})`,
        );
      }
      await runner.query(
        `INSERT INTO contract (id, ${q}number${q}, title, customer_id, type, amount_fen, currency, risk, auto_renew, owner_id, status, version, ${q}round${q}, route_rule, submitted_at, created_at, updated_at) VALUES ${contracts.join(',')}`,
      );
      await runner.query(
        `INSERT INTO approval_step (id, contract_id, version, ${q}round${q}, seq, role, assignee_id, status, hours, activated_at, due_at, reminder_count, last_reminded_at, next_reminder_at) VALUES ${steps.join(',')}`,
      );
    }
    await runner.commitTransaction();
  }
  if (kind === 'sqlite') await runner.query('PRAGMA cache_size = -2000');
  if (kind === 'postgres') await runner.query('ANALYZE');
  if (kind === 'mysql') await runner.query('ANALYZE TABLE approval_step, contract');
  await runner.release();
}

/**
 * Makes 1,000 steps due now (tick `t`'s own set: no step is due twice): due 10
 * days ago and reminded up to the previous interval, so each owes one reminder (n > M: with the
 * manager's copy and the channel alert, four rows written besides the step).
 */
async function makeDue(ds: DataSource, deps: Deps, n: number, t: number, spread = false): Promise<void> {
  const due = deps.calendar.addWorkingHours(new Date(NOW.getTime() - 10 * 24 * HOUR), 0);
  const owed = remindersDue(deps, { dueAt: due }, NOW, reminders.intervalHours);
  const stride = Math.floor(n / DUE);
  if (t >= stride) throw new Error(`reminders bench: ${n} steps give only ${stride} distinct due sets`);
  const ids = Array.from({ length: DUE }, (_, j) => j * stride + t + 1);
  const last = nextReminderAt(deps, due, owed - 2, reminders.intervalHours).getTime();
  const next = nextReminderAt(deps, due, owed - 1, reminders.intervalHours).getTime();
  await ds.query(
    `UPDATE approval_step SET due_at = ${due.getTime()}, reminder_count = ${owed - 1}, last_reminded_at = ${last}, next_reminder_at = ${next} WHERE id IN (${ids.join(',')})`,
  );
  if (spread) await ds.query(`UPDATE approval_step SET assignee_id = '${SPREAD_APPROVER('')}' || ((id - ${t + 1}) / ${stride}) WHERE id IN (${ids.join(',')})`);
}

/** Repositories whose every call is timed, by name: where the time of a tick goes. */
function timedRepos(repos: Repositories, spent: Map<string, { ms: number; calls: number }>): Repositories {
  const wrap = <T extends object>(group: string, o: T): T =>
    Object.fromEntries(
      Object.entries(o).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          const started = process.hrtime.bigint();
          try {
            return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
          } finally {
            const e = spent.get(`${group}.${name}`) ?? { ms: 0, calls: 0 };
            e.ms += Number(process.hrtime.bigint() - started) / 1e6;
            e.calls++;
            spent.set(`${group}.${name}`, e);
          }
        },
      ]),
    ) as T;
  return Object.fromEntries(Object.entries(repos).map(([g, o]) => [g, wrap(g, o as object)])) as unknown as Repositories;
}

async function measure(database: string, kind: Kind, url: string, n: number, withLanded: boolean, withProfile: boolean, spread = false): Promise<Figures> {
  const app: App = await createApp({ databaseUrl: url, policy: spread ? spreadPolicy : policy, notifier: sink, clock: { now: () => NOW }, log: silentLogger });
  try {
    let started = Date.now();
    await seed(app.dataSource, kind, n, app.deps);
    const seedS = (Date.now() - started) / 1000;
    console.log(`${database} ${n}: seeded in ${fixed(seedS, 1)} s`);
    const job = approvalRemindersJob({ uow: app.uow, workflow: app.deps, deliver: async () => undefined }, reminders);
    const sentBefore = async () => Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM audit_event WHERE action = 'step.reminded'`))[0].n);
    const outboxRows = async () => Number((await app.dataSource.query('SELECT COUNT(*) AS n FROM outbox'))[0].n);
    const f: Figures = { database, spread, messages: [], open: n, seedS, tickMs: [], cpuMs: [], sent: [], landedMs: [], landedSent: [] };
    let set = 0;
    for (let t = 0; t < TICKS; t++) {
      await makeDue(app.dataSource, app.deps, n, set++, spread);
      const before = await sentBefore();
      const queuedBefore = await outboxRows();
      const cpu = process.cpuUsage();
      started = performance.now();
      await job.run(NOW);
      f.tickMs.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      f.cpuMs.push((used.user + used.system) / 1000);
      f.sent.push((await sentBefore()) - before);
      f.messages.push((await outboxRows()) - queuedBefore);
    }
    if (withProfile) {
      await makeDue(app.dataSource, app.deps, n, set++, spread);
      const spent = new Map<string, { ms: number; calls: number }>();
      const deps = { ...app.deps, repos: timedRepos(app.deps.repos, spent) };
      const timed = approvalRemindersJob({ uow: app.uow, workflow: deps, deliver: async () => undefined }, reminders);
      started = performance.now();
      await timed.run(NOW);
      const total = performance.now() - started;
      const rows = [...spent].sort((a, b) => b[1].ms - a[1].ms).map(([name, s]) => [name, s.calls, fixed(s.ms, 1), `${fixed((s.ms / total) * 100, 0)} %`]);
      const inRepos = [...spent.values()].reduce((a, s) => a + s.ms, 0);
      rows.push(['everything else (calendar, message text, transaction)', '', fixed(total - inRepos, 1), `${fixed(((total - inRepos) / total) * 100, 0)} %`]);
      f.profile = `Where one tick's ${fixed(total, 1)} ms go (${database}, ${n.toLocaleString('en')} open, ${DUE} due${spread ? ', each with its own approver and manager' : ''}; each repository call timed):\n\n${table(['call', 'calls', 'ms', 'share'], rows)}`;
    }
    if (withLanded) {
      for (let t = 0; t < LANDED_TICKS; t++) {
        await makeDue(app.dataSource, app.deps, n, set++);
        const before = await sentBefore();
        started = performance.now();
        await app.uow.run((tx) => landedReminderTick(app.deps, { tx, actor: SYSTEM, now: NOW, platform: 'system' } as Ctx, reminders));
        f.landedMs.push(performance.now() - started);
        f.landedSent.push((await sentBefore()) - before);
      }
    }
    console.log(
      `${database} ${n}: tick ${f.tickMs.map((m) => fixed(m, 1)).join(' / ')} ms, CPU ${f.cpuMs.map((m) => fixed(m, 1)).join(' / ')} ms (sent ${f.sent.join('/')})` +
        (withLanded ? `; landed ${f.landedMs.map((m) => fixed(m, 1)).join(' / ')} ms (sent ${f.landedSent.join('/')})` : ''),
    );
    return f;
  } finally {
    await app.close();
  }
}

const sizesOf = (name: string, fallback: number[]) =>
  (process.env[name] ?? '').split(',').map(Number).filter((x) => x > 0).length
    ? process.env[name]!.split(',').map(Number).filter((x) => x > 0)
    : fallback;

export const remindersSection: BenchSection = {
  name: 'reminders',
  title: 'Approval reminders: one tick over many open steps',
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-reminders-'));
    const results: Figures[] = [];
    try {
      const sqliteSizes = sizesOf('BENCH_REMINDER_SIZES', [10_000, 100_000, 1_000_000]);
      for (const n of sqliteSizes) {
        const url = `sqlite:${path.join(dir, `open-${n}.sqlite`)}`;
        results.push(await measure('SQLite file (WAL)', 'sqlite', url, n, n <= 100_000, n === Math.max(...sqliteSizes)));
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
      }
      // The worst case for batching, at the largest size: every due step a different approver and manager.
      const largest = Math.max(...sqliteSizes);
      results.push(await measure('SQLite file (WAL)', 'sqlite', `sqlite:${path.join(dir, `spread-${largest}.sqlite`)}`, largest, false, true, true));
      const servers: [string, 'postgres' | 'mysql', string | undefined][] = [
        ['PostgreSQL', 'postgres', process.env.BENCH_POSTGRES_URL],
        ['MySQL/MariaDB', 'mysql', process.env.BENCH_MYSQL_URL],
      ];
      for (const [name, kind, url] of servers) {
        if (!url) continue;
        for (const n of sizesOf('BENCH_REMINDER_SERVER_SIZES', [10_000, 100_000])) {
          const unusable = await freshDatabase(url);
          if (unusable) {
            console.log(`${kind}: ${unusable}, skipped`);
            break;
          }
          results.push(await measure(name, kind, url, n, true, n === 100_000));
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const at1M = results.find((r) => r.database.startsWith('SQLite') && r.open === 1_000_000 && !r.spread);
    const spreadAt1M = results.find((r) => r.database.startsWith('SQLite') && r.open === 1_000_000 && r.spread);
    const rows = results.map((r) => [
      r.database,
      r.spread ? `${DUE.toLocaleString('en')}, each with its own manager` : String(APPROVERS.length),
      r.open.toLocaleString('en'),
      fixed(r.seedS, 1),
      fixed(median(r.tickMs), 1),
      `${fixed(Math.min(...r.tickMs), 1)}–${fixed(Math.max(...r.tickMs), 1)}`,
      fixed(median(r.cpuMs), 1),
      median(r.sent),
      median(r.messages),
      r.landedMs.length ? fixed(median(r.landedMs), 1) : '—',
      r.landedMs.length ? median(r.landedSent) : '—',
    ]);
    const target = at1M ? median(at1M.tickMs) : NaN;
    const markdown = [
      `One tick of the approval-reminders job (\`remindOverdueApprovals\` in one \`uow.run\`, delivery to a notifier that does nothing) ` +
        `at Monday 10:00, over N open (pending) steps, one per contract in approval: half long overdue and already reminded up to now ` +
        `(their next reminder later), half not due yet. Before each tick ${DUE.toLocaleString('en')} other steps are made due ` +
        `(a fresh set each tick, untimed); each owes one reminder with the manager's copy and the channel alert ` +
        `(1 audit row, the step's update, the contract's load). A tick's reminders to one recipient go out as one message listing them ` +
        `(\`handlers/reminders.ts\`), so with the due steps spread over ${APPROVERS.length} approvers a tick queues about ten messages; ` +
        `the last row is the worst case for that, each due step a different approver with a different manager (2,001 messages a tick). ` +
        `Median of ${TICKS} ticks, and the range; ` +
        `"CPU ms" is this process's CPU time during the tick (user + system), which a loaded machine inflates less than the wall time ` +
        `(SQLite runs inside the process; a server database's own CPU is not in it). ` +
        `"Landed" is the same tick with the query as landed before issue 9 (every pending step with due_at ≤ now, oldest due first, ` +
        `1,000 a tick, reminder counts computed in memory), on the same data: it reads the oldest overdue steps, which were already ` +
        `reminded, so it sends (almost) nothing and the due steps starve. PostgreSQL/MySQL at 10k/100k only (seeding 1M rows there takes minutes).`,
      '',
      table(['database', 'approvers of the due steps', 'open steps', 'seed s', 'tick ms (median)', 'range', 'CPU ms (median)', 'reminders sent', 'messages queued', 'landed tick ms', 'landed: reminders sent'], rows),
      '',
      at1M
        ? `Target: < 50 ms at 1M open with 1,000 due: ${fixed(target, 1)} ms wall (${fixed(median(at1M.cpuMs), 1)} ms CPU), ${target < 50 ? 'met' : '**missed** on this run'}.`
        : 'Target (< 50 ms at 1M open) not measured in this run.',
      ...(spreadAt1M
        ? [
            '',
            `Worst case (1,000 due steps, 1,000 approvers, 1,000 managers: ${median(spreadAt1M.messages)} messages a tick): ${fixed(median(spreadAt1M.tickMs), 1)} ms wall (${fixed(median(spreadAt1M.cpuMs), 1)} ms CPU), ${median(spreadAt1M.tickMs) < 50 ? 'under' : '**over**'} 50 ms.`,
          ]
        : []),
      '',
      ...results.filter((r) => r.profile).map((r) => `${r.profile!}\n`),
    ].join('\n');
    console.log(markdown);
    const headlines = at1M
      ? [
          `Reminders: one tick with 1,000 due over 1M open steps ${fixed(target, 1)} ms wall, ${fixed(median(at1M.cpuMs), 1)} ms CPU on a SQLite file (target < 50 ms${target < 50 ? ', met' : ', missed'})` +
            (spreadAt1M ? `; ${fixed(median(spreadAt1M.tickMs), 1)} ms when every due step has its own approver and manager (${median(spreadAt1M.messages)} messages)` : ''),
        ]
      : [];
    return { markdown, headlines };
  },
};
