// Bench section: approval decisions clicked on cards, through the real dispatch path
// (Dispatcher.handle with `card.action` events as the platforms normalise them): decisions per second
// on distinct steps with some clicks in flight, and 500 concurrent clicks on one step (exactly one
// decision). SQL statements and transactions per click are counted from TypeORM's query log.

import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { createApp, type App } from '../../bot/app';
import type { CardActionEvent } from '../../bot/events';
import { silentLogger } from '../../bot/logger';
import type { Notifier } from '../../handlers/ports';
import { Session } from 'node:inspector/promises';
import { inlineNumbers, inlineNumbersWanted } from './inline-numbers';
import { examplePolicy, fixed, freshDatabase, percentile, table, type BenchSection } from './section';
import { summariseProfile } from './wecom-profile';
import { contractNumber, contractRow, customerRow, insertRows, setSequence, stepRow } from './seed';

const policy = examplePolicy();
const CONTRACTS = Number(process.env.BENCH_DECISIONS ?? 4000);
const IN_FLIGHT = Number(process.env.BENCH_DECISIONS_IN_FLIGHT ?? 20);
const SAME_STEP_CLICKS = 500;
const WARM_UP = 200;
const sink: Notifier = { deliver: async () => undefined };
const NOW = new Date('2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai: working hours
const clock = { now: () => NOW };

/** Contract i waits on step 2i-1 (李四, sales manager, pending); step 2i (王五, legal) waits after it. */
async function seed(ds: DataSource, n: number): Promise<void> {
  const at = NOW.getTime() - 3_600_000;
  const customers = Math.ceil(n / 4);
  await insertRows(ds, 'customer', Array.from({ length: customers }, (_, i) => customerRow({ id: i + 1, name: `决策客户${i + 1}`, ownerId: 'zhangsan' }, at)));
  await insertRows(ds, 'contract', Array.from({ length: n }, (_, i) => contractRow({ id: i + 1, customerId: (i % customers) + 1, ownerId: 'zhangsan', status: 'in_approval', createdAt: at })));
  const steps = Array.from({ length: n }, (_, i) => [
    stepRow({ id: 2 * i + 1, contractId: i + 1, seq: 1, role: 'sales_manager', assigneeId: 'lisi', status: 'pending', hours: 8, activatedAt: at, dueAt: at + 8 * 3_600_000 }),
    stepRow({ id: 2 * i + 2, contractId: i + 1, seq: 2, role: 'legal', assigneeId: 'wangwu', status: 'waiting', hours: 16, activatedAt: null, dueAt: null }),
  ]).flat();
  await insertRows(ds, 'approval_step', steps);
  await setSequence(ds, 'HT-2026', n);
  await setSequence(ds, 'KH', customers);
}

let clicks = 0;
/** 李四 clicks 同意 on the card of contract `i` (a WeCom click, normalised). */
const approveClick = (i: number): CardActionEvent => ({
  kind: 'card.action',
  platform: 'wecom',
  deliveryKey: `wecom:bench-click:${++clicks}`,
  senderIdentity: 'wecom:LiSi',
  conversation: { id: 'LiSi', type: 'direct' },
  action: { type: 'approve', contractNo: contractNumber(i), stepId: 2 * i - 1, version: 1 },
});

/** Counts the statements TypeORM sends, by their first word (BEGIN/COMMIT = a transaction). */
function countStatements(app: App): { reset(): void; counts(): Record<string, number> } {
  const logger = app.dataSource.logger;
  let counts: Record<string, number> = {};
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    const word = /^\s*(\w+)/.exec(query)?.[1]?.toUpperCase() ?? '?';
    const key = word === 'START' ? 'BEGIN' : word;
    counts[key] = (counts[key] ?? 0) + 1;
    if (process.env.BENCH_DECISIONS_TRACE) console.log(`  sql: ${query.slice(0, 160)}`);
    return original(query, parameters, runner);
  };
  return { reset: () => (counts = {}), counts: () => ({ ...counts }) };
}

/** Runs `count` jobs with at most `limit` in flight; returns each one's latency in ms. */
async function pool(count: number, limit: number, job: (k: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const k = next++;
      const t = process.hrtime.bigint();
      await job(k);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return latencies;
}

const scalar = async (app: App, sql: string): Promise<number> => Number(Object.values((await app.dataSource.query(sql))[0] as object)[0]);

interface Result {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
  /** One click alone (its own transactions). */
  statements: Record<string, number>;
  /** Per click over the timed run, clicks in flight sharing transactions (group commit). */
  loadedStatements: Record<string, number>;
  /** CPU time of the process per click over the timed run (user + system). */
  cpuMs: number;
  sameStep: { decisions: number; audits: number; alreadyDecided: number; others: number; ms: number };
  /** decisions/s of every round (the row shows the best). */
  rounds: number[];
}

/** SQLite rounds per target, alternated between the targets: the bench process is long-lived and shared, so best of N. */
const SQLITE_ROUNDS = Math.max(1, Number(process.env.BENCH_DECISIONS_ROUNDS ?? 2));

/** Runs `work` under V8's CPU profiler (in this process) and writes the profile to `file`. */
async function profiled<T>(file: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

async function measure(name: string, url: string, inline: boolean, profileFile?: string): Promise<Result> {
  const app = await createApp({ databaseUrl: url, policy, notifier: sink, clock, log: silentLogger });
  if (inline) inlineNumbers(app.dataSource);
  try {
    const total = CONTRACTS + 1;
    await seed(app.dataSource, total);
    const statements = countStatements(app);
    for (let i = 1; i <= WARM_UP; i++) await app.dispatcher.handle(approveClick(i));
    statements.reset();
    if (process.env.BENCH_DECISIONS_TRACE) console.log(`${name}: the statements of one click`);
    await app.dispatcher.handle(approveClick(WARM_UP + 1));
    const perClick = statements.counts();
    if (process.env.BENCH_DECISIONS_TRACE) process.env.BENCH_DECISIONS_TRACE = '';
    const first = WARM_UP + 2;
    const timed = CONTRACTS - first + 1;
    statements.reset();
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const clickAll = () => pool(timed, IN_FLIGHT, (k) => app.dispatcher.handle(approveClick(first + k)));
    const latencies = await (profileFile ? profiled(profileFile, clickAll) : clickAll());
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { user, system } = process.cpuUsage(cpu);
    const loadedStatements = Object.fromEntries(Object.entries(statements.counts()).map(([k, v]) => [k, v / timed]));
    const approved = await scalar(app, "SELECT COUNT(*) FROM approval_step WHERE seq = 1 AND status = 'approved'");
    if (approved !== CONTRACTS) throw new Error(`${name}: ${approved} of ${CONTRACTS} steps approved`);

    // 500 clicks on the same card at once: one decision, the others told it was already decided.
    const one = total;
    const t = process.hrtime.bigint();
    await Promise.all(Array.from({ length: SAME_STEP_CLICKS }, () => app.dispatcher.handle(approveClick(one))));
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const decisions = await scalar(app, `SELECT COUNT(*) FROM approval_step WHERE id = ${2 * one - 1} AND status = 'approved'`);
    const audits = await scalar(app, `SELECT COUNT(*) FROM audit_event WHERE action = 'step.approved' AND contract_id = ${one}`);
    const replies: { views: string }[] = await app.dataSource.query(
      `SELECT views FROM outbox WHERE dedupe_key LIKE 'reply:%' AND recipient LIKE '%LiSi%' ORDER BY id DESC LIMIT ${SAME_STEP_CLICKS}`,
    );
    const alreadyDecided = replies.filter((r) => r.views.includes('这一步已经处理过了')).length;
    const sorted = latencies.sort((a, b) => a - b);
    return {
      name,
      perSecond: timed / seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      statements: perClick,
      loadedStatements,
      cpuMs: (user + system) / 1000 / timed,
      sameStep: { decisions, audits, alreadyDecided, others: SAME_STEP_CLICKS - alreadyDecided, ms },
      rounds: [timed / seconds],
    };
  } finally {
    await app.close();
  }
}


/** Where a click's time goes (from the statement trace and a CPU profile of this section on SQLite). */
const WHERE_TIME_GOES = `A click runs the statements counted below (\`BENCH_DECISIONS_TRACE=1\` lists them): the accept (group-committed), the
finish of the inbox row, the use-case (the contract, its steps, the conditional step update, the audit row, the customer, the
step's transfers, the next step's activation) and one insert-or-ignore per queued message (王五's card, the owner's notice, the
update of 李四's card, the reply). On SQLite the transactions of the clicks waiting for the connection share one COMMIT (and
one fsync: these commits precede the answer, so they are durable), each click in a savepoint; the hot statements run as plain
prepared SQL on better-sqlite3. A CPU profile of the SQLite run (\`BENCH_PROFILE=1\`) puts about 60% of a click's CPU inside
SQLite (the commits' WAL writes, the outbox inserts with their six indexes, the reads) and the rest in the bot's own code
(cards, outbox rows as JSON, the use-case) and the remaining TypeORM calls (transactions, the outbox and audit inserts).`;

const describe = (counts: Record<string, number>): string => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  const parts = Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${n(v)} ${k}`);
  return `${n(total)} (${parts.join(', ')})`;
};

export const decisionsSection: BenchSection = {
  name: 'decisions',
  title: 'Approval decisions from the card',
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-decisions-'));
    const targets: [string, string | undefined, boolean][] = [];
    for (let round = 1; round <= SQLITE_ROUNDS; round++) {
      targets.push(['SQLite file (WAL)', `sqlite:${path.join(dir, `decisions-${round}.sqlite`)}`, inlineNumbersWanted()]);
      targets.push(['SQLite file, numbers inlined in the SQL as before', `sqlite:${path.join(dir, `decisions-inlined-${round}.sqlite`)}`, true]);
    }
    targets.push(['PostgreSQL', process.env.BENCH_POSTGRES_URL, false], ['MySQL/MariaDB', process.env.BENCH_MYSQL_URL, false]);
    const results: Result[] = [];
    let profile: string | null = null;
    try {
      for (const [name, url, inline] of targets) {
        if (!url) continue;
        const unusable = await freshDatabase(url);
        if (unusable) {
          console.log(`${name}: ${unusable}, skipped`);
          continue;
        }
        // BENCH_PROFILE=1: the timed run of the first target (SQLite) under the CPU profiler, summarised below.
        const profileFile: string | undefined = process.env.BENCH_PROFILE === '1' && results.length === 0 ? path.join(dir, 'decisions.cpuprofile') : undefined;
        const r = await measure(name, url, inline, profileFile);
        if (profileFile) profile = summariseProfile(profileFile).markdown;
        console.log(
          `${name}: ${fixed(r.perSecond, 0)} decisions/s, p99 ${fixed(r.p99)} ms, CPU ${fixed(r.cpuMs, 2)} ms/click; per click alone ${describe(r.statements)}, ` +
            `in flight ${describe(r.loadedStatements)}; same step: ${JSON.stringify(r.sameStep)}`,
        );
        const earlier = results.findIndex((x) => x.name === name);
        if (earlier < 0) results.push(r);
        else {
          const rounds = [...results[earlier]!.rounds, r.perSecond];
          if (r.perSecond > results[earlier]!.perSecond) results[earlier] = r;
          results[earlier]!.rounds = rounds;
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const markdown = [
      `${CONTRACTS} contracts, each waiting on its first step (李四); 李四 clicks 同意 on each card: \`Dispatcher.handle\` with a ` +
        `\`card.action\` event (WeCom, normalised), in-process, ${IN_FLIGHT} clicks in flight, after ${WARM_UP} warm-up clicks. ` +
        'Each decision activates the next step (王五), queues his card, the owner\'s notice, the update of 李四\'s card and the reply. ' +
        `Then ${SAME_STEP_CLICKS} clicks on one card at once. Target: ≥ 1,000 decisions/s; exactly one decision for the ${SAME_STEP_CLICKS} clicks. ` +
        `The SQLite targets run ${SQLITE_ROUNDS} rounds each, alternated, on fresh files (\`BENCH_DECISIONS_ROUNDS\`); a row shows its best round, the last column every round.`,
      '',
      table(
        ['database', 'decisions/s', 'p50 ms', 'p99 ms', 'CPU ms/click', `${SAME_STEP_CLICKS} clicks on one step: decisions / audit rows / "already decided" replies / other replies`, 'time', 'decisions/s of each round'],
        results.map((r) => [
          r.name,
          fixed(r.perSecond, 0),
          fixed(r.p50),
          fixed(r.p99),
          fixed(r.cpuMs, 2),
          `${r.sameStep.decisions} / ${r.sameStep.audits} / ${r.sameStep.alreadyDecided} / ${r.sameStep.others}`,
          `${fixed(r.sameStep.ms, 0)} ms`,
          r.rounds.map((x) => fixed(x, 0)).join(', '),
        ]),
      ),
      '',
      'SQL statements per click, counted from TypeORM\'s query log by first word: one click alone, then the average over the timed run ' +
        `(${IN_FLIGHT} in flight: on SQLite, clicks waiting for the connection share a transaction, one savepoint each):`,
      '',
      ...results.map((r) => `- ${r.name}: alone ${describe(r.statements)}; in flight ${describe(r.loadedStatements)}`),
      '',
      ...(results.some((r) => r.perSecond < 1000) ? ['**Target of 1,000 decisions/s missed** on at least one database.', ''] : []),
      WHERE_TIME_GOES,
      '',
      ...(profile
        ? [`CPU profile of the ${results[0]!.name} run (\`BENCH_PROFILE=1\`; its decisions/s are slowed by the profiler); SQLite's own work shows as \`(native)\` and in \`runOnSqlite\`:`, '', profile]
        : ['`BENCH_PROFILE=1 BENCH_ONLY=decisions npm run bench` profiles the SQLite run and summarises it here by layer, file and function.']),
    ].join('\n');
    const sqlite = results[0];
    return {
      markdown,
      headlines: sqlite
        ? [`Card decisions (SQLite file, ${IN_FLIGHT} in flight): ${fixed(sqlite.perSecond, 0)}/s, p99 ${fixed(sqlite.p99)} ms; ${SAME_STEP_CLICKS} clicks on one step → ${sqlite.sameStep.decisions} decision`]
        : [],
    };
  },
};
