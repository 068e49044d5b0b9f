// npm run soak: one real bot process (the compiled `npm start` entry point) on a fresh SQLite file,
// connected to the fake WeCom on 127.0.0.1. 1,000 directory members send distinct, signed,
// encrypted text-message callbacks, at most CONCURRENCY in flight: a warm-up (their customers, then a
// round that is not compared), then ROUNDS rounds of PER_MEMBER callbacks each. Checked: every
// callback answered 200 within WeCom's 5 s, exactly one reply per callback delivered to the fake
// WeCom, no error in the bot's log, a clean stop on SIGTERM, and the last round at least as fast as
// the rounds before it. Reported per round: accepted/s, answer p50/p99, delivery time, the bot's CPU per
// callback and RSS. Exits non-zero when a check fails; gives up after TIME_LIMIT_MS.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeWecom } from '../fakes/wecom';
import { parsePolicy } from '../../bot/config';
import { BotProcess, freePort, seededShuffle, SOAK_WECOM_APP, wecomBotEnv } from './bot-process';
import { buildDirectory, companyName, writePolicy, type Member } from './directory';

const ROOT = path.join(__dirname, '../../..'); // compiled to dist/tests/soak
const MEMBERS = 1000;
const ROUNDS = Math.max(3, Number(process.env.SOAK_ROUNDS ?? 3));
const PER_MEMBER = 4; // callbacks per member and round
const WAVES = 4; // a round goes out in waves of MEMBERS / WAVES members, each wave delivered before the next
const CONCURRENCY = 50;
const ANSWER_TIMEOUT_MS = 5000; // WeCom gives up on an answer after 5 s and retries
const DELIVERY_DEADLINE_MS = 120_000; // per wave, after its last callback was answered
const DELIVERY_STALL_MS = 30_000; // … or as soon as no reply has arrived for this long
const TIME_LIMIT_MS = 8 * 60_000;
/**
 * "As fast": the bot's CPU time per callback (user + system, from /proc). The bot is one process on
 * one event loop, so this is what bounds its throughput, and unlike wall-clock time it does not
 * count the time the machine gave to other processes. The rounds are the same work on the same data
 * (see roundOf), yet on the shared 2-core development machine the last round of 11 runs cost between
 * 21% less and 6% more CPU per callback than the first (neighbours' load shares caches), and their
 * wall-clock throughput moved by up to a third: the last round may cost at most 10% more than the
 * rounds before it (their median: one unusually fast early round is not the bot's cost, and a cost
 * that grows with uptime still shows, each round above the ones before). The leak of issue 8 cost 5×
 * after 10,000 transactions; a round is some 17,000.
 */
const TOLERANCE = 1.1;
/** A last round slower than the rounds before it is noise if a later round is not: up to this many more rounds. */
const EXTRA_ROUNDS = 2;

const SETTINGS = SOAK_WECOM_APP;

interface Callback {
  member: Member;
  text: string;
  /** The reply: one pattern per app message it is sent as (a view each), in order. */
  reply: (string | RegExp)[];
}

interface WaveResult {
  callbacks: number;
  latencies: number[];
  acceptSeconds: number;
  /** From the first callback posted to the last reply delivered. */
  deliveredSeconds: number;
  /** The bot's CPU time over the same span. */
  cpuSeconds: number;
}

interface RoundFigures {
  name: string;
  callbacks: number;
  acceptedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  deliveredSeconds: number;
  cpuMsPerCallback: number;
  rssMb: number;
}

const failures: string[] = [];
const fail = (message: string) => {
  failures.push(message);
  console.log(`FAIL ${message}`);
};


const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const matches = (text: string | undefined, p: string | RegExp) => text !== undefined && (typeof p === 'string' ? text.includes(p) : p.test(text));

/**
 * Whether a member's messages are exactly the replies to its callbacks: split into consecutive runs,
 * one per callback (a reply's messages go out together and in order), each matching its patterns.
 */
function repliesMatch(texts: string[], calls: Callback[]): boolean {
  if (calls.length === 0) return texts.length === 0;
  return calls.some(
    (c, i) => c.reply.every((p, k) => matches(texts[k], p)) && repliesMatch(texts.slice(c.reply.length), calls.filter((_, j) => j !== i)),
  );
}

function textOf(body: Record<string, unknown>): string {
  if (body.msgtype === 'text') return String((body.text as { content: string }).content);
  if (body.msgtype === 'markdown') return String((body.markdown as { content: string }).content);
  return JSON.stringify(body.template_card ?? body);
}

class Soak {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-soak-'));
  private readonly directory = buildDirectory(MEMBERS);
  private fake?: FakeWecom;
  private bot?: BotProcess;
  private callbackUrl = '';
  /** The code of each creating member's customer, as the reply to 新建客户 gave it. */
  private readonly customerOf = new Map<string, string>();
  private readonly rounds: RoundFigures[] = [];

  async run(): Promise<void> {
    const fake = (this.fake = await new FakeWecom(SETTINGS).start());
    const policyFile = writePolicy(ROOT, this.dir, this.directory.people, (key) => fake.webhookUrl(key));
    parsePolicy(fs.readFileSync(policyFile, 'utf8'), policyFile); // a clear message here rather than a bot that will not start
    await this.startBot(policyFile);

    const verified = await fake.verifyUrl();
    if (verified.status !== 200 || verified.body !== verified.echo) fail(`URL verification answered ${verified.status}`);

    // Warm-up, not compared: the customers, then one round (the first calls of each command run
    // unoptimised code and fill the bot's caches).
    await this.round('customers', [this.customers()]);
    await this.round('warm-up round', this.roundOf(0));
    for (let r = 1; r <= ROUNDS + EXTRA_ROUNDS; r++) {
      this.rounds.push(await this.round(`round ${r}`, this.roundOf(r)));
      if (r >= ROUNDS && this.lastAsFastAsBefore()) break;
      if (r >= ROUNDS && r < ROUNDS + EXTRA_ROUNDS) console.log('the last round is slower than the rounds before it: one more round');
    }
    const last = this.rounds.at(-1)!;
    const summary =
      `rounds 1–${this.rounds.length - 1} ${this.rounds.slice(0, -1).map((r) => r.cpuMsPerCallback.toFixed(2)).join(' / ')} CPU ms per callback ` +
      `(median ${this.before().toFixed(2)}), ${last.name} ${last.cpuMsPerCallback.toFixed(2)}`;
    if (this.lastAsFastAsBefore()) console.log(`the last round is at least as fast as the rounds before it: ${summary}`);
    else fail(`the last round is slower than the rounds before it: ${summary} (more than ${Math.round((TOLERANCE - 1) * 100)}% more)`);
  }

  /** The median CPU per callback of the rounds before the last. */
  private before(): number {
    const costs = this.rounds.slice(0, -1).map((r) => r.cpuMsPerCallback).sort((a, b) => a - b);
    const middle = costs.length / 2;
    return costs.length % 2 ? costs[Math.floor(middle)]! : (costs[middle - 1]! + costs[middle]!) / 2;
  }

  private lastAsFastAsBefore(): boolean {
    return this.rounds.at(-1)!.cpuMsPerCallback <= this.before() * TOLERANCE;
  }

  private async startBot(policyFile: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const env: NodeJS.ProcessEnv = wecomBotEnv({ port, sqliteFile: path.join(this.dir, 'soak.sqlite'), policyFile: policyFile, logLevel: 'info', app: SETTINGS, apiBase: this.fake!.baseUrl });
      // The temp folder as working directory: no .env of the checkout is read.
      const bot = BotProcess.start(path.join(ROOT, 'dist/bot/main.js'), this.dir, env, path.join(this.dir, `bot-${attempt}.log`));
      this.bot = bot;
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !bot.hasExited) {
        if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) {
          this.callbackUrl = `${base}/wecom/callback`;
          this.fake!.callbackUrl = this.callbackUrl;
          console.log(`bot pid ${bot.pid} on ${base}, ${MEMBERS} members, ${ROUNDS} rounds of ${MEMBERS * PER_MEMBER} callbacks after a warm-up`);
          return;
        }
        await sleep(100);
      }
      const portTaken = bot.log.some((l) => l.raw.includes('EADDRINUSE')); // freePort() can lose a race
      await bot.stop();
      if (!portTaken || attempt === 3) throw new Error(`the bot did not start:\n${bot.log.map((l) => l.raw).join('\n')}`);
    }
  }

  /** Each creating member creates the customer of its contracts; the others ask for help. */
  private customers(): Callback[] {
    return this.directory.members.map((member, i) =>
      member.creates
        ? { member, text: `新建客户 名称:${companyName(i)} 等级:B 确认:是`, reply: ['已新建客户'] }
        : { member, text: '帮助', reply: ['新建合同'] },
    );
  }

  /**
   * Per member, the same four commands every round, on the same amount of data: creating members
   * make a draft contract for their customer (by name), log a follow-up with it (by code), and ask for
   * their contracts and to-dos; the others ask for help, to-dos and their contracts. No customer is
   * created in the rounds: `新建客户` compares the name with every customer there is, so its cost
   * grows with their number (README, "npm run soak"), and the rounds would not be the same work.
   */
  private roundOf(r: number): Callback[][] {
    const commands = this.directory.members.map((member, i): Callback[] => {
      // the warm-up round may answer 我的合同 before the draft is made
      const mine: Callback = { member, text: '我的合同', reply: [/我的合同（\d+）|你还没有合同/] };
      if (!member.creates) {
        return [{ member, text: '帮助', reply: ['新建合同'] }, { member, text: '待办', reply: ['待审批'] }, mine, { member, text: 'help', reply: ['新建合同'] }];
      }
      const title = `浸泡测试 第${r}轮 ${member.id}`;
      return [
        // a confirmation, then the preview card with its buttons
        { member, text: `新建合同 客户:${companyName(i)} 金额:${(i % 40) + 1}万 类型:销售 标题:${title}`, reply: ['已创建合同草稿', title] },
        { member, text: `跟进 ${this.customerOf.get(member.id)} 第${r}轮电话沟通 方式:电话`, reply: [`第${r}轮电话沟通`] },
        mine,
        { member, text: '待办', reply: ['待审批'] },
      ];
    });
    if (commands.some((c) => c.length !== PER_MEMBER)) throw new Error(`each member sends ${PER_MEMBER} callbacks a round`);
    // Each wave: every WAVES-th member with all its commands, in a seeded random order.
    return Array.from({ length: WAVES }, (_, w) => seededShuffle(commands.filter((_, i) => i % WAVES === w).flat(), r * WAVES + w));
  }

  /** Sends a round's waves one after the other; reports the round. */
  private async round(name: string, waves: Callback[][]): Promise<RoundFigures> {
    const bot = this.bot!;
    const results: WaveResult[] = [];
    for (const [w, calls] of waves.entries()) {
      results.push(await this.wave(waves.length > 1 ? `${name}, wave ${w + 1}` : name, calls));
      if (failures.length) throw new Error(`stopped after ${name}, wave ${w + 1}: a check failed`);
    }
    const sum = (f: (r: WaveResult) => number) => results.reduce((t, r) => t + f(r), 0);
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const callbacks = sum((r) => r.callbacks);
    const figures: RoundFigures = {
      name,
      callbacks,
      acceptedPerSecond: callbacks / sum((r) => r.acceptSeconds),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
      deliveredSeconds: sum((r) => r.deliveredSeconds),
      cpuMsPerCallback: (1000 * sum((r) => r.cpuSeconds)) / callbacks,
      rssMb: bot.rssMb(),
    };
    console.log(
      `${name}: ${callbacks} callbacks, ${figures.acceptedPerSecond.toFixed(0)} accepted/s, answered in p50 ${figures.p50.toFixed(0)} ms, ` +
        `p99 ${figures.p99.toFixed(0)} ms, max ${figures.max.toFixed(0)} ms; all replies delivered after ${figures.deliveredSeconds.toFixed(1)} s ` +
        `(${(callbacks / figures.deliveredSeconds).toFixed(0)} callbacks/s); bot CPU ${figures.cpuMsPerCallback.toFixed(2)} ms per callback, RSS ${figures.rssMb.toFixed(0)} MB`,
    );
    const errors = bot.errors();
    if (errors.length) fail(`${name}: the log holds ${errors.length} error lines, first: ${errors[0]!.raw.slice(0, 500)}`);
    return figures;
  }

  /**
   * Posts the callbacks, CONCURRENCY at a time, each answered 200 within 5 s or counted as a failure
   * (no retry: a retry would hide it); then waits until every reply has reached the fake WeCom.
   */
  private async wave(name: string, calls: Callback[]): Promise<WaveResult> {
    const bot = this.bot!;
    const fake = this.fake!;
    const sentBefore = fake.sent.length;
    const cpuBefore = bot.cpuSeconds();
    const latencies: number[] = [];
    const statuses = new Map<string, number>();
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < calls.length) {
          const call = calls[next++]!;
          const { query, body } = fake.envelope(fake.textXml(call.member.userId, call.text)); // a new MsgId, the current time
          const t0 = performance.now();
          let status: string;
          try {
            const response = await fetch(`${this.callbackUrl}?${query}`, {
              method: 'POST',
              body,
              headers: { 'content-type': 'text/xml' },
              signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
            });
            await response.text();
            status = String(response.status);
          } catch (error) {
            status = (error as Error).name === 'TimeoutError' ? 'no answer within 5 s' : `network error ${(error as Error).message}`;
          }
          latencies.push(performance.now() - t0);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const acceptSeconds = (Date.now() - started) / 1000;
    const notOk = calls.length - (statuses.get('200') ?? 0);
    if (notOk) fail(`${name}: ${notOk} of ${calls.length} callbacks not answered 200: ${JSON.stringify(Object.fromEntries(statuses))}`);

    // Every reply delivered: as many app messages as the replies take, then nothing more for a second.
    const messages = calls.reduce((n, c) => n + c.reply.length, 0);
    const deadline = Date.now() + DELIVERY_DEADLINE_MS;
    let progress = { count: fake.sent.length, at: Date.now() };
    while (fake.sent.length - sentBefore < messages && Date.now() < deadline && !bot.hasExited) {
      if (fake.sent.length > progress.count) progress = { count: fake.sent.length, at: Date.now() };
      if (Date.now() - progress.at > DELIVERY_STALL_MS) break;
      await sleep(50);
    }
    const reached = fake.sent.length - sentBefore;
    const deliveredSeconds = ((fake.sent[sentBefore + messages - 1]?.at ?? Date.now()) - started) / 1000;
    const cpuSeconds = bot.hasExited ? NaN : bot.cpuSeconds() - cpuBefore;
    await sleep(1000);
    if (reached < messages) fail(`${name}: ${reached} of ${messages} reply messages delivered (deadline ${DELIVERY_DEADLINE_MS / 1000} s, or none for ${DELIVERY_STALL_MS / 1000} s)`);
    this.checkReplies(name, calls, fake.sent.slice(sentBefore));
    return { callbacks: calls.length, latencies, acceptSeconds, deliveredSeconds, cpuSeconds };
  }

  /** Exactly one reply per callback, to its sender, with the messages that command answers with. */
  private checkReplies(name: string, calls: Callback[], sent: { touser: string; body: Record<string, unknown> }[]): void {
    const byUser = new Map<string, string[]>();
    for (const m of sent) byUser.set(m.touser, [...(byUser.get(m.touser) ?? []), textOf(m.body)]);
    const expected = new Map<string, Callback[]>();
    for (const c of calls) expected.set(c.member.userId, [...(expected.get(c.member.userId) ?? []), c]);
    const problems: string[] = [];
    for (const [user, texts] of byUser) if (!expected.has(user)) problems.push(`${user} got ${texts.length} messages for no callback`);
    for (const [user, mine] of expected) {
      const texts = byUser.get(user) ?? [];
      if (!repliesMatch(texts, mine)) {
        problems.push(`${user}: callbacks ${JSON.stringify(mine.map((c) => c.text))}, messages ${JSON.stringify(texts.map((t) => t.slice(0, 60)))}`);
      }
      const customer = texts.map((t) => /已新建客户 (KH-\d+)/.exec(t)?.[1]).find(Boolean);
      if (customer) this.customerOf.set(mine[0]!.member.id, customer);
    }
    if (problems.length) fail(`${name}: ${problems.length} members without exactly their replies, e.g.\n  ${problems.slice(0, 5).join('\n  ')}`);
  }

  /** Stops the bot (it must stop cleanly and log no error), the fake, and removes the temp folder. */
  async cleanUp(): Promise<void> {
    const bot = this.bot;
    if (bot && !bot.hasExited) {
      const stopped = await bot.stop();
      if (stopped.killed || stopped.code !== 0) fail(`the bot did not stop cleanly on SIGTERM: ${JSON.stringify(stopped)}`);
    }
    if (bot) {
      const errors = bot.errors();
      if (errors.length) fail(`the log holds ${errors.length} error lines, first: ${errors[0]!.raw.slice(0, 500)}`);
      const warnings = new Map<string, number>();
      for (const l of bot.log) if (l.level === 'warn') warnings.set(l.msg!, (warnings.get(l.msg!) ?? 0) + 1);
      if (warnings.size) console.log(`warnings in the log: ${JSON.stringify(Object.fromEntries(warnings))}`);
      if (failures.length) console.log(`the bot's log, last lines:\n${bot.log.slice(-20).map((l) => l.raw).join('\n')}`);
    }
    await this.fake?.stop().catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const soak = new Soak();
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeLimit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`time limit of ${TIME_LIMIT_MS / 60_000} minutes reached`)), TIME_LIMIT_MS);
  });
  const interrupted = () => void soak.cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await Promise.race([soak.run(), timeLimit]);
  } catch (error) {
    fail(String((error as Error).stack ?? error));
  } finally {
    clearTimeout(timer);
    await soak.cleanUp();
  }
  console.log(`soak ${failures.length ? `FAILED (${failures.length} checks)` : 'passed'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(failures.length ? 1 : 0);
}

void main();
