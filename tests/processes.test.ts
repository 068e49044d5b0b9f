// The compiled bot run as real processes: `npm start`'s entry point; two scheduler instances on one
// database (a SQLite file, then PostgreSQL) over 1,000 overdue steps, every reminder delivered once
// (batched per approver);
// an instance killed in the middle of a dispatch batch; two bots started on 200 unfinished inbound
// events, each processed once; an event that kills the process given up after its attempts.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../bot/app';
import { parsePolicy } from '../bot/config';
import { silentLogger } from '../bot/logger';
import { NotifierRouter } from '../bot/notifier-router';
import { DEFAULT_CONCURRENCY } from '../bot/outbox-dispatcher';
import type { NewStep } from '../handlers/ports';
import { createInboxStore } from '../storage/repositories';
import { EXAMPLE_POLICY } from './support/harness';
import { ownDatabase } from './support/own-database';

const ROOT = path.join(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-instances-'));
const build = path.join(work, 'dist');
// Round-the-clock working time and no quiet hours, so the run does not depend on the hour CI runs at.
const policyFile = path.join(work, 'policy.yaml');
fs.writeFileSync(
  policyFile,
  EXAMPLE_POLICY.replace('workdays: [1, 2, 3, 4, 5]', 'workdays: [1, 2, 3, 4, 5, 6, 7]')
    .replace('hours: ["09:00-12:00", "13:30-18:00"]', 'hours: ["00:00-24:00"]')
    .replace('official_holidays: true', 'official_holidays: false')
    .replace('quiet_hours: true', 'quiet_hours: false')
    .replace('per_minute: { channel: 20, person: 30 }', 'per_minute: { channel: 20, person: 100000 }\n  claim_seconds: 2')
    .replace('claim_seconds: 60', 'claim_seconds: 2')
    .replace('reminders: { interval_hours: 4, copy_manager_after: 2, alert_channel_after: 3 }', 'reminders: { interval_hours: 1000, copy_manager_after: 100, alert_channel_after: 100 }'),
);

beforeAll(() => {
  // The instances run the compiled bot, as in production.
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', build], { cwd: ROOT });
  // The web console's page is not TypeScript: it is served from next to the compiled file.
  fs.cpSync(path.join(ROOT, 'bot/console/public'), path.join(build, 'bot/console/public'), { recursive: true });
}, 120_000);

async function seedOverdueSteps(databaseUrl: string, count: number): Promise<void> {
  const policy = parsePolicy(fs.readFileSync(policyFile, 'utf8'), 'policy.yaml');
  const app = await createApp({ databaseUrl, policy, notifier: new NotifierRouter(), clock: { now: () => new Date() }, log: silentLogger });
  const now = new Date();
  const due = new Date(now.getTime() - 3600_000);
  await app.uow.run(async (tx) => {
    const customer = await app.deps.repos.customers.insert(tx, 'KH-000001', { name: '华东日报社', aliases: [], tier: 'A', ownerId: 'zhangsan', nextFollowUpDue: null, createdAt: now });
    const approvers = ['lisi', 'wangwu', 'zhouqi', 'qianqi'];
    for (let i = 1; i <= count; i++) {
      const contract = await app.deps.repos.contracts.insert(tx, `HT-2026-${String(i).padStart(4, '0')}`, {
        title: `合同 ${i}`, customerId: customer.id, type: 'sales', amountFen: 100_000, risk: 'low', startDate: null, endDate: null, autoRenew: false,
        paymentTerms: null, currency: 'CNY', ownerId: 'zhangsan', status: 'in_approval', version: 1, round: 1, routeRule: 'x', routeExplanation: null,
        submittedAt: due, signedDate: null, createdAt: due,
      });
      const step: NewStep = {
        contractId: contract.id, version: 1, round: 1, seq: 1, role: 'sales_manager', assigneeId: approvers[i % 4]!, actingFor: null, status: 'pending',
        hours: 8, activatedAt: due, dueAt: due, reminderCount: 0, lastRemindedAt: null, nextReminderAt: due, lastUrgedAt: null, decidedAt: null, decidedBy: null,
        decidedActingFor: null, comment: null,
      };
      await app.deps.repos.steps.insertMany(tx, [step]);
    }
  });
  await app.close();
}

function runInstance(databaseUrl: string, sink: string, seconds: number, onStart?: (kill: () => void) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(build, 'schedules/cli.js'), '--for', String(seconds)], {
      cwd: work,
      env: { ...process.env, DATABASE_URL: databaseUrl, POLICY_FILE: policyFile, OUTBOX_DRY_RUN_FILE: sink, LOG_LEVEL: 'error', NODE_PATH: path.join(ROOT, 'node_modules') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? 137 : (code ?? -1)));
    onStart?.(() => child.kill('SIGKILL'));
  });
}

async function twoInstances(databaseUrl: string, label: string): Promise<void> {
  await seedOverdueSteps(databaseUrl, 1000);
  const sink = path.join(work, `${label}-sink.jsonl`);
  // 12 s of running: the reminders take a second or two on a quiet machine, several on a loaded one.
  const codes = await Promise.all([runInstance(databaseUrl, sink, 12), runInstance(databaseUrl, sink, 12)]);
  expect(codes).toEqual([0, 0]);
  const lines = fs.readFileSync(sink, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; pid: number });
  // A tick's reminders to one approver are one message (`reminders:<first step>:<n>:<count>`), a lone
  // one `reminder:<step>:<n>`: no message twice, and the messages cover the 1,000 steps exactly once
  // (a step in two messages would make the counts add up to more).
  const reminders = lines.filter((l) => /^reminders?:/.test(l.key));
  expect(new Set(reminders.map((r) => r.key)).size).toBe(reminders.length);
  const stepsIn = (key: string) => (key.startsWith('reminders:') ? Number(key.split(':')[3]) : 1);
  expect(reminders.reduce((sum, r) => sum + stepsIn(r.key), 0)).toBe(1000);
  expect(reminders.length).toBeLessThan(100); // batched: 4 approvers, a few ticks
}

it('SQLite file: two processes, 1,000 overdue steps, each reminder delivered exactly once', async () => {
  await twoInstances(`sqlite:${path.join(work, 'shared.sqlite')}`, 'sqlite');
}, 120_000);

const pgReachable = process.env.TEST_POSTGRES_URL_REACHABLE === '1';

(pgReachable ? it : it.skip)('PostgreSQL: two processes, 1,000 overdue steps, each reminder delivered exactly once', async () => {
  // A database of its own, so the storage tests running in parallel do not collide with this one.
  await twoInstances(await ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'instances'), 'postgres');
}, 120_000);

it('a process killed in the middle of a dispatch batch loses nothing; a restart sends at most the messages in flight again', async () => {
  const databaseUrl = `sqlite:${path.join(work, 'crash.sqlite')}`;
  const sink = path.join(work, 'crash-sink.jsonl');
  const policy = parsePolicy(fs.readFileSync(policyFile, 'utf8'), 'policy.yaml');
  const app = await createApp({ databaseUrl, policy, notifier: new NotifierRouter(), clock: { now: () => new Date() }, log: silentLogger });
  const people = ['lisi', 'wangwu', 'zhouqi', 'qianqi', 'zhangsan'];
  await app.uow.run(async (tx) => {
    for (let i = 0; i < 1000; i++) {
      await app.deps.repos.outbox.enqueue(tx, { dedupeKey: `batch:${i}`, to: { kind: 'person', personId: people[i % 5]! }, views: [{ type: 'text', text: `#${i}` }] }, new Date());
    }
  });
  await app.close();
  const countSent = () => (fs.existsSync(sink) ? fs.readFileSync(sink, 'utf8').trim().split('\n').filter(Boolean).length : 0);
  let kills = 0;
  // Kill the instance as soon as it has sent something, three times over.
  while (kills < 3) {
    const before = countSent();
    let kill!: () => void;
    const exit = runInstance(databaseUrl, sink, 30, (k) => (kill = k));
    const started = Date.now();
    while (countSent() < before + 50 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 5));
    expect(countSent()).toBeGreaterThanOrEqual(before + 50);
    kill(); // in the middle of the batch
    expect(await exit).toBe(137);
    kills++;
  }
  expect(countSent()).toBeLessThan(1000); // the kills did land in the middle
  await new Promise((r) => setTimeout(r, 2100)); // claims of the killed instances run out
  expect(await runInstance(databaseUrl, sink, 0)).toBe(0);
  const keys = fs.readFileSync(sink, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { key: string }).key);
  expect(new Set(keys).size).toBe(1000); // nothing lost
  // at most the messages in flight per kill again: one per recipient served at once (each send is
  // recorded before that lane sends the next)
  expect(keys.length - 1000).toBeLessThanOrEqual(kills * DEFAULT_CONCURRENCY);
}, 120_000);

it('npm start\'s entry point serves /healthz on PORT and stops cleanly on SIGTERM', async () => {
  const net = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const child = spawn(process.execPath, [path.join(build, 'bot/main.js')], {
    cwd: work,
    env: { ...process.env, PORT: String(port), DATABASE_URL: `sqlite:${path.join(work, 'start.sqlite')}`, POLICY_FILE: policyFile, LOG_LEVEL: 'info', NODE_PATH: path.join(ROOT, 'node_modules') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr!.on('data', (d) => (logs += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = Date.now() + 20_000;
  let status = 0;
  while (Date.now() < until && status !== 200) {
    status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe(200);
  expect(logs).toContain('WeCom not configured');
  expect(logs).toContain('schedules started');
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(logs).toContain('"msg":"stopping"');
}, 60_000);

it('npm start\'s entry point stops on a configuration mistake with one line that names the variable, never the password', async () => {
  const folder = path.join(work, 'a-folder');
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(work, 'a-file');
  fs.writeFileSync(file, 'x');
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(build, 'bot/main.js')], {
        cwd: work,
        env: { ...process.env, PORT: '0', POLICY_FILE: policyFile, LOG_LEVEL: 'error', NODE_PATH: path.join(ROOT, 'node_modules'), ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += String(d)));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  const cases: [Record<string, string>, RegExp][] = [
    [{ DATABASE_URL: 'postgress://bob:s3cr3t@db.internal:5432/contracts' }, /^Configuration error: DATABASE_URL "postgress:\/\/\*\*\*@db\.internal:5432\/contracts": unknown kind of database/],
    [{ DATABASE_URL: `sqlite:${path.join(file, 'db', 'bot.sqlite')}` }, /^Configuration error: DATABASE_URL: cannot create the folder .* \(ENOTDIR\); choose a writable path/],
    [{ DATABASE_URL: `sqlite:${path.join(work, 'config.sqlite')}`, POLICY_FILE: folder }, /^Configuration error: POLICY_FILE: .*a-folder is a folder; set POLICY_FILE to a YAML file/],
  ];
  for (const [env, message] of cases) {
    const { code, stderr } = await run(env);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1); // no stack trace
    expect(stderr).not.toContain('s3cr3t');
  }
}, 60_000);

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
}

it("npm start's entry point with no platform configured: listens on 127.0.0.1 only and prints the console's URL", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(build, 'bot/main.js')], {
    cwd: work,
    env: { ...process.env, PORT: String(port), DATABASE_URL: `sqlite:${path.join(work, 'console.sqlite')}`, POLICY_FILE: policyFile, LOG_LEVEL: 'info', NODE_PATH: path.join(ROOT, 'node_modules') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr!.on('data', (d) => (logs += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitUntil(() => logs.includes('web console:') || child.exitCode !== null, 20_000);
    expect(logs).toContain(`"msg":"web console: http://localhost:${port}/console"`);
    expect(logs).toContain('"host":"127.0.0.1"');
    const page = await fetch(`http://127.0.0.1:${port}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('合同助手');
    // Not reachable through this machine's other addresses.
    const others = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4');
    for (const a of others) {
      await expect(fetch(`http://${a!.address}:${port}/console`)).rejects.toThrow();
    }
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
}, 60_000);

/** `npm start`'s entry point as a process; resolves once it serves /healthz. */
async function startBotProcess(databaseUrl: string, sink: string) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(build, 'bot/main.js')], {
    cwd: work,
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, POLICY_FILE: policyFile, OUTBOX_DRY_RUN_FILE: sink, LOG_LEVEL: 'warn', NODE_PATH: path.join(ROOT, 'node_modules') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr!.on('data', (d) => (logs += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < until && status !== 200 && child.exitCode === null) {
    status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  if (status !== 200) throw new Error(`the bot did not start: ${logs}`);
  return {
    logs: () => logs,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The sink's complete lines (a bot may be appending the last one while it is read). */
const sinkLines = (sink: string) =>
  fs.existsSync(sink)
    ? fs.readFileSync(sink, 'utf8').split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l) as { key: string; pid: number; text: string })
    : [];

async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}

const newContract = (i: number) => ({
  kind: 'message.text' as const,
  platform: 'wecom' as const,
  deliveryKey: `wecom:unfinished-${i}`,
  senderIdentity: 'wecom:ZhangSan',
  conversation: { id: 'ZhangSan', type: 'direct' as const },
  text: `新建合同 客户:华东日报社 金额:1万 类型:销售 标题:合同 ${i}`,
});

/**
 * What a kill -9 leaves: a customer, and `count` events accepted but never processed, claimed by the
 * dead instance for `claimMs` (so that both bots are up before the events can be taken over).
 */
async function seedUnfinishedInbox(databaseUrl: string, count: number, claimMs: number): Promise<void> {
  const policy = parsePolicy(fs.readFileSync(policyFile, 'utf8'), 'policy.yaml');
  const app = await createApp({ databaseUrl, policy, notifier: new NotifierRouter(), clock: { now: () => new Date() }, log: silentLogger });
  const now = new Date();
  const inbox = createInboxStore();
  await app.uow.run(async (tx) => {
    await app.deps.repos.customers.insert(tx, 'KH-000001', { name: '华东日报社', aliases: [], tier: 'A', ownerId: 'zhangsan', nextFollowUpDue: null, createdAt: now });
    for (let i = 0; i < count; i++) {
      const event = newContract(i);
      const row = await inbox.accept(tx, { deliveryKey: event.deliveryKey, platform: event.platform, kind: event.kind, payload: event }, now, { holder: 'killed', until: new Date(now.getTime() + claimMs) });
      expect(row).not.toBeNull();
    }
  });
  await app.close();
}

async function countRows(databaseUrl: string, sql: string): Promise<number> {
  const policy = parsePolicy(fs.readFileSync(policyFile, 'utf8'), 'policy.yaml');
  const app = await createApp({ databaseUrl, policy, notifier: new NotifierRouter(), clock: { now: () => new Date() }, log: silentLogger });
  try {
    return Number((await app.dataSource.query(sql))[0].n);
  } finally {
    await app.close();
  }
}

async function twoBotsOnUnfinishedInbox(databaseUrl: string, label: string): Promise<void> {
  await seedUnfinishedInbox(databaseUrl, 200, 0);
  const sink = path.join(work, `${label}-inbox-sink.jsonl`);
  const bots = await Promise.all([startBotProcess(databaseUrl, sink), startBotProcess(databaseUrl, sink)]);
  const replies = () => sinkLines(sink).filter((l) => l.key.startsWith('reply:'));
  try {
    await waitUntil(() => replies().length >= 200, 60_000);
    await new Promise((r) => setTimeout(r, 1500)); // time for a second processing of anything to show
  } finally {
    expect(await Promise.all(bots.map((b) => b.stop()))).toEqual([0, 0]);
  }
  for (const b of bots) expect(b.logs()).not.toContain('"level":"error"');

  expect(replies()).toHaveLength(200);
  expect(new Set(replies().map((r) => r.key)).size).toBe(200);
  expect(replies().every((r) => r.text.includes('已创建合同草稿'))).toBe(true);
  expect(await countRows(databaseUrl, 'SELECT COUNT(*) AS n FROM contract')).toBe(200);
  expect(await countRows(databaseUrl, "SELECT COUNT(*) AS n FROM inbox WHERE status = 'done'")).toBe(200);
  expect(await countRows(databaseUrl, "SELECT COUNT(*) AS n FROM outbox WHERE dedupe_key LIKE 'reply:%'")).toBe(200);
  const byInstance = await countRows(databaseUrl, 'SELECT COUNT(DISTINCT claimed_by) AS n FROM inbox');
  process.stderr.write(`${label}: ${byInstance} instance(s) processed the 200 events\n`);
}

it('SQLite file: two bots started on 200 unfinished inbound events process each exactly once', async () => {
  await twoBotsOnUnfinishedInbox(`sqlite:${path.join(work, 'inbox.sqlite')}`, 'sqlite');
}, 120_000);

(pgReachable ? it : it.skip)('PostgreSQL: two bots started on 200 unfinished inbound events process each exactly once', async () => {
  await twoBotsOnUnfinishedInbox(await ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'inbox'), 'postgres');
}, 120_000);

it('an event that kills the process every time is given up after 3 attempts, the admins told once, and not replayed at the next start', async () => {
  const file = path.join(work, 'poison.sqlite');
  const databaseUrl = `sqlite:${file}`;
  const sink = path.join(work, 'poison-sink.jsonl');
  await seedUnfinishedInbox(databaseUrl, 1, 0);
  // An instance whose processing of the event kills it (as an out-of-memory or a native crash would).
  const crasher = path.join(work, 'crasher.js');
  fs.writeFileSync(
    crasher,
    `require('reflect-metadata');
const fs = require('node:fs');
const { createApp } = require(${JSON.stringify(path.join(build, 'bot/app.js'))});
const { parsePolicy } = require(${JSON.stringify(path.join(build, 'bot/config.js'))});
const { NotifierRouter } = require(${JSON.stringify(path.join(build, 'bot/notifier-router.js'))});
const { silentLogger } = require(${JSON.stringify(path.join(build, 'bot/logger.js'))});
(async () => {
  const policy = parsePolicy(fs.readFileSync(process.env.POLICY_FILE, 'utf8'), 'policy.yaml');
  const app = await createApp({ databaseUrl: process.env.DATABASE_URL, policy, notifier: new NotifierRouter(), clock: { now: () => new Date() }, log: silentLogger });
  app.deps.repos.contracts.insert = () => process.kill(process.pid, 'SIGKILL');
  await app.dispatcher.resumeUnfinished();
  process.exit(3);
})();
`,
  );
  const crash = () =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [crasher], {
        cwd: work,
        env: { ...process.env, DATABASE_URL: databaseUrl, POLICY_FILE: policyFile, NODE_PATH: path.join(ROOT, 'node_modules') },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? 137 : (code ?? -1)));
    });
  const attempts = () => countRows(databaseUrl, 'SELECT attempts AS n FROM inbox');
  for (let i = 1; i <= 3; i++) {
    await new Promise((r) => setTimeout(r, 2100)); // the claim of the instance before runs out (claim_seconds: 2)
    expect(await crash()).toBe(137);
    expect(await attempts()).toBe(i); // counted before the work, so the crash counts
  }
  await new Promise((r) => setTimeout(r, 2100));
  const bot = await startBotProcess(databaseUrl, sink);
  try {
    await waitUntil(() => sinkLines(sink).length >= 2, 20_000);
  } finally {
    expect(await bot.stop()).toBe(0);
  }
  expect(await countRows(databaseUrl, "SELECT COUNT(*) AS n FROM inbox WHERE status = 'dead' AND attempts = 4")).toBe(1);
  const told = sinkLines(sink);
  expect(told.map((l) => l.key).sort()).toEqual(['inbox-dead:1:admin', 'reply:1']);
  expect(told.find((l) => l.key === 'reply:1')!.text).toContain('处理时出错了');
  expect(told.find((l) => l.key === 'inbox-dead:1:admin')!.text).toContain('已放弃（3 次尝试）');

  // The next start replays nothing and tells nobody again.
  const again = await startBotProcess(databaseUrl, sink);
  await new Promise((r) => setTimeout(r, 2500));
  expect(await again.stop()).toBe(0);
  expect(sinkLines(sink)).toHaveLength(2);
  expect(await countRows(databaseUrl, 'SELECT COUNT(*) AS n FROM contract')).toBe(0);
  expect(await attempts()).toBe(4);
}, 120_000);
