// A month-end burst against one real bot process, and against the durable anchor (anchor.ts), on
// pinned cores: this process (the load generator and the fake WeCom) on core 0, the server on core 1.
// 1,000 members each create their customer (not timed), then send BURST distinct, signed callbacks
// (10 each, seeded order), CONCURRENCY in flight. Reported: accepted/s, answer p50/p99, the time from
// the last answer to the last reply at the fake WeCom, and the server's peak and final RSS.
//
//   npm run build && npx tsc -p tests/soak/tsconfig.json && taskset -c 0 node dist/tests/soak/burst.js
//   BURST_TARGET=bot|anchor|both (default both); BURST_BOT_NODE_ARGS='--cpu-prof' to profile the bot.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeWecom } from '../fakes/wecom';
import { BotProcess, freePort, seededShuffle, SOAK_WECOM_APP, wecomBotEnv } from './bot-process';
import { buildDirectory, companyName, writePolicy, type Member } from './directory';

const ROOT = path.join(__dirname, '../../..');
const MEMBERS = 1000;
const BURST = Number(process.env.BURST_SIZE ?? 10_000);
const CONCURRENCY = 50;
const SETTINGS = SOAK_WECOM_APP;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

interface Call {
  member: Member;
  text: string;
  /** App messages the reply takes. */
  messages: number;
}

interface Server {
  pid: number;
  rssMb(): number;
  stop(): Promise<unknown>;
}


const pin = (pid: number, core: string) => execFileSync('taskset', ['-a', '-cp', core, String(pid)], { stdio: 'ignore' });
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

async function waitHealthy(url: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && ok()) {
    if (await fetch(url).then(() => true, () => false)) return;
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

/** Posts the calls, CONCURRENCY in flight; envelopes are built first so the generator only sends. */
async function send(fake: FakeWecom, url: string, calls: Call[]) {
  const envelopes = calls.map((c) => fake.envelope(fake.textXml(c.member.userId, c.text)));
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < envelopes.length) {
        const { query, body } = envelopes[next++]!;
        const t0 = performance.now();
        try {
          const r = await fetch(`${url}?${query}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' }, signal: AbortSignal.timeout(5000) });
          await r.text();
          if (r.status !== 200) failed++;
        } catch {
          failed++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds, lastAnswerAt: Date.now(), failed, perSecond: calls.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function startBot(dir: string, fake: FakeWecom, policyFile: string): Promise<{ server: Server; url: string; bot: BotProcess }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = wecomBotEnv({ port, sqliteFile: path.join(dir, 'bot.sqlite'), policyFile: policyFile, logLevel: 'warn', app: SETTINGS, apiBase: fake.baseUrl });
  process.env.SOAK_BOT_NODE_ARGS = process.env.BURST_BOT_NODE_ARGS ?? '';
  // BURST_BOT_ROOT: another checkout's build (to compare with a version before a change).
  const bot = BotProcess.start(path.join(process.env.BURST_BOT_ROOT ?? ROOT, 'dist/bot/main.js'), dir, env, path.join(dir, 'bot.log'));
  pin(bot.pid, '1');
  await waitHealthy(`http://127.0.0.1:${port}/healthz`, () => !bot.hasExited);
  return { server: { pid: bot.pid, rssMb: () => bot.rssMb(), stop: () => bot.stop(30_000) }, url: `http://127.0.0.1:${port}/wecom/callback`, bot };
}

async function startAnchor(dir: string): Promise<{ server: Server; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, 'anchor.js')], {
    env: { PATH: process.env.PATH, PORT: String(port), DB_FILE: path.join(dir, 'anchor.sqlite'), WECOM_TOKEN: SETTINGS.token, WECOM_ENCODING_AES_KEY: SETTINGS.encodingAesKey, WECOM_CORP_ID: SETTINGS.corpId },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  pin(child.pid!, '1');
  await waitHealthy(`http://127.0.0.1:${port}/`, () => child.exitCode === null);
  const stop = () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')));
  return { server: { pid: child.pid!, rssMb: () => rssOf(child.pid!), stop }, url: `http://127.0.0.1:${port}/` };
}

/** Waits until `count` messages reached the fake WeCom since `from` (or 120 s); the time of the last. */
async function delivered(fake: FakeWecom, from: number, count: number, server: Server, peak: { rss: number }): Promise<number | null> {
  const deadline = Date.now() + 120_000;
  let report = Date.now() + 5000;
  while (fake.sent.length - from < count && Date.now() < deadline) {
    peak.rss = Math.max(peak.rss, server.rssMb());
    if (process.env.BURST_VERBOSE && Date.now() > report) {
      report += 5000;
      console.log(`  ${fake.sent.length - from} of ${count} reply messages`);
    }
    await sleep(50);
  }
  return fake.sent[from + count - 1]?.at ?? null;
}

function burstCalls(members: Member[]): Call[] {
  const calls: Call[] = [];
  members.forEach((member, i) => {
    for (let k = 0; k < BURST / MEMBERS; k++) {
      const r = Math.floor(k / 4);
      const commands: Call[] = member.creates
        ? [
            { member, text: `新建合同 客户:${companyName(i)} 金额:${(i % 40) + 1}万 类型:销售 标题:月末冲刺 ${member.id} ${k}`, messages: 2 },
            { member, text: `跟进 ${companyName(i)} 第${r}轮电话沟通 方式:电话`, messages: 1 },
            { member, text: '我的合同', messages: 1 },
            { member, text: '待办', messages: 1 },
          ]
        : [
            { member, text: '帮助', messages: 1 },
            { member, text: '待办', messages: 1 },
            { member, text: '我的合同', messages: 1 },
            { member, text: 'help', messages: 1 },
          ];
      calls.push(commands[k % 4]!);
    }
  });
  return seededShuffle(calls, 42);
}

async function run(target: 'bot' | 'anchor', fake: FakeWecom, directory: ReturnType<typeof buildDirectory>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `contract-bot-burst-${target}-`));
  try {
    const policyFile = writePolicy(ROOT, dir, directory.people, (key) => fake.webhookUrl(key));
    const { server, url, bot } = target === 'bot' ? await startBot(dir, fake, policyFile) : { ...(await startAnchor(dir)), bot: undefined };
    const peak = { rss: 0 };
    if (bot) {
      // Not timed: every creating member's customer, then a short warm-up.
      const customers = directory.members.map((member, i): Call => (member.creates ? { member, text: `新建客户 名称:${companyName(i)} 等级:B 确认:是`, messages: 1 } : { member, text: '帮助', messages: 1 }));
      const before = fake.sent.length;
      await send(fake, url, customers);
      await delivered(fake, before, customers.length, server, peak);
      const warm = burstCalls(directory.members).slice(0, Number(process.env.BURST_WARM ?? 2000));
      const before2 = fake.sent.length;
      await send(fake, url, warm);
      await delivered(fake, before2, warm.reduce((n, c) => n + c.messages, 0), server, peak);
      fake.sent.length = 0;
    }
    const calls = burstCalls(directory.members);
    const rssBefore = server.rssMb();
    peak.rss = 0;
    const sampler = setInterval(() => (peak.rss = Math.max(peak.rss, server.rssMb())), 100);
    const cpuBefore = bot?.cpuSeconds() ?? 0;
    const result = await send(fake, url, calls);
    let tail = '';
    if (bot) {
      const expected = calls.reduce((n, c) => n + c.messages, 0);
      const lastReply = await delivered(fake, 0, expected, server, peak);
      const cpu = bot.cpuSeconds() - cpuBefore;
      tail = lastReply
        ? `; last reply ${((lastReply - result.lastAnswerAt) / 1000).toFixed(1)} s after the last answer`
        : `; only ${fake.sent.length} of ${expected} reply messages delivered 120 s after the last answer`;
      tail += `; bot CPU ${((cpu * 1000) / calls.length).toFixed(2)} ms per callback`;
      const errors = bot.errors();
      if (errors.length) tail += `; ${errors.length} error lines, first: ${errors[0]!.raw.slice(0, 300)}`;
    }
    clearInterval(sampler);
    await sleep(1000);
    const rssAfter = server.rssMb();
    console.log(
      `${target}: ${calls.length} callbacks, ${result.perSecond.toFixed(0)} accepted/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ` +
        `${result.failed} not 200${tail}; RSS before ${rssBefore.toFixed(0)} MB, peak ${peak.rss.toFixed(0)} MB, after ${rssAfter.toFixed(0)} MB`,
    );
    await server.stop();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  pin(process.pid, '0');
  const fake = await new FakeWecom(SETTINGS).start();
  const directory = buildDirectory(MEMBERS);
  const target = process.env.BURST_TARGET ?? 'both';
  try {
    if (target !== 'bot') await run('anchor', fake, directory);
    if (target !== 'anchor') await run('bot', fake, directory);
  } finally {
    await fake.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
