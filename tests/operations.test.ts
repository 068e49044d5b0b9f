// Operating the compiled bot as real processes (npm start's entry point) against a fake WeCom:
// - SIGTERM during a burst of signed callbacks: new callbacks get 503, the process finishes what it
//   acknowledged and exits 0 within the deadline; after a restart and WeCom's redeliveries every
//   acknowledged event is processed once, nothing twice (contracts and replies counted);
// - `npm run backup` while commands are being processed: the copy passes PRAGMA integrity_check and
//   holds every contract committed before it started; restoring it (stop, copy, start) works;
// - /metrics on METRICS_PORT (and not on the public port), and on the public port with METRICS_TOKEN.

import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { FakeWecom } from './fakes/wecom';
import { BotProcess, freePort, SOAK_WECOM_APP, wecomBotEnv } from './soak/bot-process';
import { buildDirectory, companyName, writePolicy, type Member } from './soak/directory';

const ROOT = path.join(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-operations-'));
const build = path.join(work, 'dist');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const directory = buildDirectory(40);
const creators = directory.members.filter((m) => m.creates);
let fake: FakeWecom;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', build], { cwd: ROOT });
  fake = await new FakeWecom(SOAK_WECOM_APP).start();
}, 180_000);
afterAll(async () => {
  await fake?.stop();
  if (!process.env.KEEP_OPERATIONS_WORK) fs.rmSync(work, { recursive: true, force: true });
});

interface Bot {
  process: BotProcess;
  port: number;
  callbackUrl: string;
}

async function startBot(dir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Bot> {
  const port = await freePort();
  const env = {
    ...wecomBotEnv({ port, sqliteFile: path.join(dir, 'bot.sqlite'), policyFile: path.join(dir, 'policy.yaml'), logLevel: 'info', app: SOAK_WECOM_APP, apiBase: fake.baseUrl }),
    NODE_PATH: path.join(ROOT, 'node_modules'),
    ...extraEnv,
  };
  const bot = BotProcess.start(path.join(build, 'bot/main.js'), dir, env, path.join(dir, `bot-${port}.log`));
  const until = Date.now() + 30_000;
  while (Date.now() < until && !bot.hasExited) {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0)) === 200) return { process: bot, port, callbackUrl: `http://127.0.0.1:${port}/wecom/callback` };
    await sleep(100);
  }
  throw new Error(`the bot did not start: ${bot.log.map((l) => l.raw).join('\n')}`);
}

/**
 * A folder with the policy of the company: members with WeCom identities. Claims last 5 s: after a
 * restore, what the old process was handling when the backup was taken waits out its claim.
 */
function companyDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(work, `${label}-`));
  const file = writePolicy(ROOT, dir, directory.people, (key) => fake.webhookUrl(key));
  const policy = YAML.parse(fs.readFileSync(file, 'utf8')) as { outbox: Record<string, unknown>; inbox: Record<string, unknown> };
  policy.outbox.claim_seconds = 5;
  policy.inbox.claim_seconds = 5;
  fs.writeFileSync(file, YAML.stringify(policy));
  return dir;
}

/** POSTs one signed callback carrying `xml`; the status, or 0 when the connection failed. */
async function post(url: string, xml: string): Promise<number> {
  const { query, body } = fake.envelope(xml);
  try {
    const r = await fetch(`${url}?${query}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' }, signal: AbortSignal.timeout(5000) });
    await r.text();
    return r.status;
  } catch {
    return 0;
  }
}

const contractCommand = (member: Member, title: string) => `新建合同 客户:${companyName(directory.members.indexOf(member))} 金额:1万 类型:销售 标题:${title}`;

/** Every creating member's customer (the contracts below need them). */
async function createCustomers(bot: Bot, dir: string): Promise<void> {
  const statuses = await Promise.all(
    creators.map((m) => post(bot.callbackUrl, fake.textXml(m.userId, `新建客户 名称:${companyName(directory.members.indexOf(m))} 等级:B 确认:是`))),
  );
  expect(statuses.every((s) => s === 200)).toBe(true);
  await waitFor(() => count(path.join(dir, 'bot.sqlite'), 'SELECT COUNT(*) AS n FROM customer') === creators.length, 30_000);
}

function query<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
const count = (file: string, sql: string) => query<{ n: number }>(file, sql)[0]!.n;
const titles = (file: string) => query<{ title: string }>(file, 'SELECT title FROM contract').map((r) => r.title);

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(100);
  }
}

/** Contract numbers in the replies at the fake WeCom ("已创建合同草稿 HT-…"), one entry per reply. */
const repliedContracts = (from: number) =>
  fake.sent.slice(from).flatMap((m) => [...JSON.stringify(m.body).matchAll(/已创建合同草稿 (HT-\d{4}-\d{4})/g)].map((x) => x[1]!));

it('SIGTERM during a burst of callbacks: 503 for new ones, acknowledged ones finished, exit 0; after a restart each processed once', async () => {
  const dir = companyDir('sigterm');
  const file = path.join(dir, 'bot.sqlite');
  const sentBefore = fake.sent.length;
  const first = await startBot(dir, { STOP_DEADLINE_SECONDS: '20' });
  await createCustomers(first, dir);

  // 300 distinct messages (their MsgIds are their delivery keys), 10 in flight; SIGTERM after 60 answers.
  const calls = Array.from({ length: 300 }, (_, j) => fake.textXml(creators[j % creators.length]!.userId, contractCommand(creators[j % creators.length]!, `停机 ${j}`)));
  const status: number[] = new Array(calls.length).fill(-1);
  let next = 0;
  let answered = 0;
  let stopped: ReturnType<BotProcess['stop']> | undefined;
  const signalledAt = { ms: 0 };
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < calls.length) {
        const j = next++;
        status[j] = await post(first.callbackUrl, calls[j]!);
        if (status[j] === 200 && ++answered === 60) {
          signalledAt.ms = Date.now();
          stopped = first.process.stop(30_000);
        }
      }
    }),
  );
  const exit = await stopped!;
  const stopSeconds = (Date.now() - signalledAt.ms) / 1000;
  expect(exit).toEqual({ code: 0, signal: null, killed: false });
  expect(stopSeconds).toBeLessThan(20);
  const acknowledged = status.flatMap((s, j) => (s === 200 ? [j] : []));
  const refused = status.filter((s) => s === 503).length;
  expect(acknowledged.length).toBeGreaterThanOrEqual(60);
  expect(acknowledged.length + refused + status.filter((s) => s === 0).length).toBe(calls.length); // 200, 503 or no connection
  expect(refused).toBeGreaterThan(0); // the stop landed in the burst, and new callbacks were answered 503
  expect(first.process.log.some((l) => l.msg === 'stopped')).toBe(true);
  expect(first.process.errors()).toEqual([]);
  // Finished before exiting: every acknowledged event is a contract already, and nothing else is.
  const afterStop = titles(file);
  expect(afterStop.sort()).toEqual(acknowledged.map((j) => `停机 ${j}`).sort());
  expect(count(file, "SELECT COUNT(*) AS n FROM inbox WHERE status = 'received'")).toBe(0);

  // Restart; WeCom redelivers what it was not answered 200 for (and, to be sure, everything again).
  const second = await startBot(dir);
  for (let j = 0; j < calls.length; j += 10) {
    const batch = await Promise.all(calls.slice(j, j + 10).map((xml) => post(second.callbackUrl, xml)));
    expect(batch.every((s) => s === 200)).toBe(true);
  }
  await waitFor(() => repliedContracts(sentBefore).length >= calls.length, 60_000);
  await sleep(1500); // time for a second processing of anything to show
  expect(await second.process.stop(30_000)).toEqual({ code: 0, signal: null, killed: false });

  const all = titles(file);
  expect(all).toHaveLength(calls.length);
  expect(new Set(all).size).toBe(calls.length);
  const replies = repliedContracts(sentBefore);
  expect(replies).toHaveLength(calls.length); // one reply per contract: nothing sent twice
  expect(new Set(replies).size).toBe(calls.length);
  process.stderr.write(`SIGTERM: ${acknowledged.length} acknowledged before the stop, ${refused} answered 503, stop took ${stopSeconds.toFixed(1)} s\n`);
}, 240_000);

it('npm run backup while commands are processed: the copy passes integrity_check, holds every committed contract, and restores', async () => {
  const dir = companyDir('backup');
  const file = path.join(dir, 'bot.sqlite');
  const metricsPort = await freePort();
  const bot = await startBot(dir, { METRICS_PORT: String(metricsPort) });
  await createCustomers(bot, dir);

  // Metrics on their own port (loopback), not on the public one.
  expect((await fetch(`http://127.0.0.1:${bot.port}/metrics`)).status).toBe(404);
  const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(scraped.status).toBe(200);
  expect(await scraped.text()).toMatch(/^contract_bot_inbound_events_total\{[^}]*outcome="accepted"[^}]*\} [1-9]\d*$/m);

  // Commands keep coming while the backup runs.
  let sending = true;
  let sent = 0;
  const senders = Array.from({ length: 4 }, async (_, lane) => {
    for (let k = 0; sending; k++) {
      const member = creators[(lane * 7 + k) % creators.length]!;
      expect(await post(bot.callbackUrl, fake.textXml(member.userId, contractCommand(member, `备份 ${lane}-${k}`)))).toBe(200);
      sent++;
    }
  });
  await waitFor(() => count(file, 'SELECT COUNT(*) AS n FROM contract') >= 40, 60_000);
  const committed = titles(file);
  const target = path.join(dir, 'backups', 'before.sqlite');
  const backup = runBackup(dir, `sqlite:${file}`, target);
  const result = await backup;
  const duringBackup = sent;
  await waitFor(() => sent >= duringBackup + 20, 30_000); // and after it
  sending = false;
  await Promise.all(senders);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^backup written: .*before\.sqlite \(\d+ pages, \d+ bytes\)$/m);

  expect(query<{ integrity_check: string }>(target, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  const saved = titles(target);
  expect(saved).toEqual(expect.arrayContaining(committed));
  expect(saved.length).toBeGreaterThanOrEqual(committed.length);
  expect(count(target, 'SELECT COUNT(*) AS n FROM customer')).toBe(creators.length);

  // Never over an existing file; never for another kind of database.
  expect((await runBackup(dir, `sqlite:${file}`, target)).stderr).toMatch(/^Backup refused: .*exists already/);
  const pg = await runBackup(dir, 'postgres://bot:s3cr3t@db.internal:5432/contracts', path.join(dir, 'pg.sqlite'));
  expect(pg.code).toBe(1);
  expect(pg.stderr).toMatch(/^Backup refused: DATABASE_URL is postgres: .*pg_dump/);
  expect(pg.stderr).not.toContain('s3cr3t');

  // Restore: stop, copy the backup over the database (its -wal and -shm files removed), start.
  await waitFor(() => count(file, "SELECT COUNT(*) AS n FROM inbox WHERE status = 'received'") === 0, 60_000);
  expect(await bot.process.stop(30_000)).toEqual({ code: 0, signal: null, killed: false });
  expect(count(file, 'SELECT COUNT(*) AS n FROM contract')).toBeGreaterThan(saved.length);
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  fs.copyFileSync(target, file);
  // Events acknowledged but not processed when the backup was taken are in it: processed after the restore.
  const waiting = query<{ payload: string }>(target, "SELECT payload FROM inbox WHERE status = 'received'").map((r) => /标题:(备份 \d+-\d+)/.exec(r.payload)![1]!);
  const restored = await startBot(dir);
  try {
    const from = fake.sent.length;
    expect(await post(restored.callbackUrl, fake.textXml(creators[0]!.userId, contractCommand(creators[0]!, '恢复后')))).toBe(200);
    await waitFor(() => repliedContracts(from).includes(query<{ number: string }>(file, "SELECT number FROM contract WHERE title = '恢复后'")[0]?.number ?? '-'), 30_000);
    await waitFor(() => count(file, "SELECT COUNT(*) AS n FROM inbox WHERE status = 'received'") === 0, 30_000);
    expect(titles(file).sort()).toEqual([...saved, ...waiting, '恢复后'].sort());
    expect(restored.process.errors()).toEqual([]);
  } finally {
    expect(await restored.process.stop(30_000)).toMatchObject({ code: 0 });
  }
  process.stderr.write(`backup: ${committed.length} contracts committed before it, ${saved.length} in it (+${waiting.length} events waiting), ${sent} commands sent meanwhile\n`);
}, 240_000);

it('serves /metrics on the public port only with the Bearer token of METRICS_TOKEN', async () => {
  const dir = companyDir('token');
  const token = 'a-long-metrics-token-0123456789';
  const bot = await startBot(dir, { METRICS_TOKEN: token });
  try {
    const url = `http://127.0.0.1:${bot.port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(403);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE contract_bot_outbox_pending gauge');
  } finally {
    expect(await bot.process.stop(30_000)).toMatchObject({ code: 0 });
  }
}, 120_000);

function runBackup(cwd: string, databaseUrl: string, target: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(build, 'bot/backup.js'), target], {
      cwd,
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, NODE_PATH: path.join(ROOT, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
