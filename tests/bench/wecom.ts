// Bench section `wecom`: the bot's /wecom/callback under a burst of signed, encrypted WeCom text
// callbacks, side by side with what bounds it (a plain Koa handler, the crypto path alone, the crypto
// path plus one durable SQLite insert) and a peer from npm (the Koishi/Satori WeCom adapter), all
// driven with the same prepared requests by one load generator. See `describe()` for the layout.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BotProcess, freePort } from '../soak/bot-process';
import { writePolicy } from '../soak/directory';
import type { LoadResult } from './wecom-load';
import { CONCURRENCY, MEMBERS, MIX, PER_MEMBER, WARMUP, WECOM_SETTINGS, directory } from './wecom-mix';
import { summariseProfile } from './wecom-profile';
import { fixed, freshDatabase, table, type BenchSection } from './section';

const ROOT = path.join(__dirname, '../../..'); // compiled to .bench-build/tests/bench
const BUILD = path.join(__dirname, '../..'); // .bench-build
const PEER_DIR = path.join(ROOT, '.bench-peers/wecom');
/** The peer and what it needs to run outside Koishi, pinned (npm install --save-exact). */
const PEER_PACKAGES = ['@satorijs/adapter-wecom@2.5.0', '@satorijs/core@4.6.0', '@cordisjs/plugin-server@0.2.9', 'cordis@3.18.1'];
const PEER_NAME = '@satorijs/adapter-wecom 2.5.0';
/** How long replies may take after the last answer before the run gives up waiting (target: 15 s). */
const REPLY_WAIT_SECONDS = 60;
/** The warm-up goes out gently: a cold process (lazy compilation, first token) answers slowly. */
const WARMUP_CONCURRENCY = 10;
const TARGETS = { anchorRatio: 0.6, peerRatio: 5, p99Ms: 50, backlogSeconds: 15 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Pins every thread of a running process to one CPU (threads it starts later inherit it). */
function pin(pid: number, cpu: number): void {
  if (hasTaskset) spawnSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** The load generator and fake WeCom API (wecom-load.ts), on CPU 0, driven over IPC. */
class LoadChild {
  private seq = 0;
  private waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;

  constructor() {
    const script = path.join(__dirname, 'wecom-load.js');
    const [cmd, args] = hasTaskset ? ['taskset', ['-c', '0', process.execPath, script]] : [process.execPath, [script]];
    this.child = spawn(cmd as string, args as string[], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the load generator exited (${code})`));
      this.waiting.clear();
    });
  }

  rpc<T>(cmd: string, args: unknown = {}): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, cmd, args });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.kill();
  }
}

export interface Row {
  key: string;
  name: string;
  result?: LoadResult;
  warmupProblems?: string;
  rss?: { idle: number; peak: number; after: number };
  cpuMsPerCallback?: number;
  /** The server's CPU time over the wall time of the burst and the replies, in % of one core. */
  cpuUse?: number;
  note?: string;
}

/** A server under test that is not the bot: started, waited for, pinned to CPU 1, stopped. */
class ServerChild {
  private constructor(readonly child: ChildProcess, readonly url: string, readonly output: string[]) {}

  static async start(script: string, env: NodeJS.ProcessEnv): Promise<ServerChild> {
    const child = spawn(process.execPath, [path.join(__dirname, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output.join('')}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        output.push(String(d));
        const m = /bench-listening (\S+)/.exec(output.join(''));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.stderr!.on('data', (d: Buffer) => output.push(String(d)));
      child.on('exit', (code) => reject(new Error(`${script} exited (${code}):\n${output.join('')}`)));
    });
    pin(child.pid!, 1);
    return new ServerChild(child, url, output);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Installs the peer into .bench-peers/wecom (outside the project's dependencies), unless it is there. */
function installPeer(): string | null {
  const installed = (pkg: string) => {
    const at = pkg.lastIndexOf('@');
    try {
      const json = JSON.parse(fs.readFileSync(path.join(PEER_DIR, 'node_modules', pkg.slice(0, at), 'package.json'), 'utf8')) as { version: string };
      return json.version === pkg.slice(at + 1);
    } catch {
      return false;
    }
  };
  if (PEER_PACKAGES.every(installed)) return null;
  fs.mkdirSync(PEER_DIR, { recursive: true });
  const npm = spawnSync('npm', ['install', '--prefix', PEER_DIR, '--save-exact', '--no-audit', '--no-fund', ...PEER_PACKAGES], { encoding: 'utf8', timeout: 180_000 });
  if (npm.status === 0 && PEER_PACKAGES.every(installed)) return null;
  return `${npm.error?.message ?? ''}${npm.stderr ?? ''}`.split('\n').filter((l) => l.trim() && !l.includes('Unknown user config')).slice(-3).join(' ') || 'npm install failed';
}


class WecomBench {
  /** BENCH_WECOM_TMPDIR: where the SQLite files go (e.g. /dev/shm, to see the figures without fsync costs). */
  private readonly dir = fs.mkdtempSync(path.join(process.env.BENCH_WECOM_TMPDIR ?? os.tmpdir(), 'contract-bot-bench-wecom-'));
  private readonly load = new LoadChild();
  private readonly rows: Row[] = [];
  private profile?: string;
  private readonly loadAtStart = os.loadavg()[0]!;

  /** Warm-up, then the measured burst with the server's RSS sampled and its CPU time taken. */
  private async measure(row: Row, pid: number, url: string, replies?: 'classes' | 'count'): Promise<void> {
    const warm = await this.load.rpc<LoadResult>('run', { url, list: 'warmup', replies, deadlineSeconds: REPLY_WAIT_SECONDS, concurrency: WARMUP_CONCURRENCY });
    if ((warm.statuses['200'] ?? 0) !== warm.callbacks || warm.replies?.problems.length) {
      row.warmupProblems = `warm-up: ${JSON.stringify(warm.statuses)}${warm.replies ? `, ${warm.replies.problems.length} members without their replies` : ''}`;
    }
    await sleep(1000);
    const idle = rssMb(pid);
    let peak = idle;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssMb(pid));
      } catch {
        // exited; reported by the checks
      }
    }, 100);
    const cpuBefore = cpuSeconds(pid);
    const wallBefore = Date.now();
    try {
      row.result = await this.load.rpc<LoadResult>('run', { url, list: 'measured', replies, deadlineSeconds: REPLY_WAIT_SECONDS });
      const cpu = cpuSeconds(pid) - cpuBefore;
      row.cpuMsPerCallback = (cpu * 1000) / row.result.callbacks;
      row.cpuUse = (100 * cpu) / ((Date.now() - wallBefore) / 1000);
      await sleep(1000);
      row.rss = { idle, peak: Math.max(peak, rssMb(pid)), after: rssMb(pid) };
    } finally {
      clearInterval(sampler);
    }
    const r = row.result;
    console.log(
      `${row.name}: ${fixed(r.acceptedPerSecond, 0)} accepted/s, p50 ${fixed(r.p50)} ms, p99 ${fixed(r.p99)} ms, ${JSON.stringify(r.statuses)}, ` +
        `server CPU ${fixed(row.cpuMsPerCallback, 2)} ms/callback (${fixed(row.cpuUse ?? NaN, 0)}% of a core), load generator ${fixed(r.loadCpuPercent, 0)}% CPU` +
        (r.replies ? `; replies ${r.replies.received}/${r.replies.expected}, backlog ${fixed(r.replies.backlogSeconds ?? NaN)} s, ${r.replies.problems.length} members wrong, ${r.replies.membersShort} short` : ''),
    );
  }

  private async reference(key: string, name: string, mode: string): Promise<void> {
    const row: Row = { key, name };
    this.rows.push(row);
    const server = await ServerChild.start('wecom-servers.js', { BENCH_WECOM_MODE: mode, BENCH_WECOM_DB: path.join(this.dir, `${mode}.sqlite`) });
    try {
      await this.measure(row, server.child.pid!, server.url);
    } finally {
      await server.stop();
    }
  }

  /** The compiled bot (what `npm start` runs) on a fresh database, replying to the fake WeCom. */
  private async bot(key: string, name: string, databaseUrl: string, nodeArgs: string[] = []): Promise<Row> {
    const profiling = nodeArgs.includes('--cpu-prof');
    const row: Row = { key, name };
    const { baseUrl } = await this.load.rpc<{ baseUrl: string }>('fake-start');
    const folder = fs.mkdtempSync(path.join(this.dir, `${key}-`));
    const policyFile = writePolicy(ROOT, folder, directory().people, (k) => `${baseUrl}/cgi-bin/webhook/send?key=${k}`);
    let bot: BotProcess | undefined;
    let url = '';
    for (let attempt = 1; !url; attempt++) {
      const port = await freePort();
      bot = BotProcess.start(
        path.join(BUILD, 'bot/main.js'),
        folder,
        {
          PATH: process.env.PATH,
          PORT: String(port),
          DATABASE_URL: databaseUrl,
          POLICY_FILE: policyFile,
          LOG_LEVEL: 'info',
          WECOM_CORP_ID: WECOM_SETTINGS.corpId,
          WECOM_AGENT_ID: String(WECOM_SETTINGS.agentId),
          WECOM_SECRET: WECOM_SETTINGS.secret,
          WECOM_TOKEN: WECOM_SETTINGS.token,
          WECOM_ENCODING_AES_KEY: WECOM_SETTINGS.encodingAesKey,
          WECOM_API_BASE: baseUrl,
          // the requests are signed once, before the first target: keep them inside the window
          WECOM_CALLBACK_WINDOW_SECONDS: '3600',
        },
        path.join(folder, `bot-${attempt}.log`),
        nodeArgs,
      );
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !bot.hasExited && !url) {
        if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) url = `http://127.0.0.1:${port}/wecom/callback`;
        else await sleep(100);
      }
      if (!url) {
        const portTaken = bot.log.some((l) => l.raw.includes('EADDRINUSE'));
        await bot.stop();
        if (!portTaken || attempt === 3) throw new Error(`the bot did not start:\n${bot.log.map((l) => l.raw).join('\n')}`);
      }
    }
    pin(bot!.pid, 1);
    try {
      await this.measure(row, bot!.pid, url, 'classes');
    } finally {
      // A profile is written only on a clean exit, which waits for the backlog: give it time.
      const stopped = await bot!.stop(profiling ? 180_000 : 10_000);
      // With replies still owed, SIGTERM waits for them (background.idle): a kill then is expected.
      const owed = row.result?.replies?.backlogSeconds === null;
      if (stopped.killed || stopped.code !== 0) row.note = owed ? 'killed on stop (still delivering)' : `did not stop cleanly: ${JSON.stringify(stopped)}`;
      const warnings = new Map<string, number>();
      // after start-up (which warns about the calendar, the policy…): what the burst caused
      const started = bot!.log.findIndex((l) => l.msg === 'contract-bot listening');
      for (const l of bot!.log.slice(started + 1)) if (l.level === 'warn') warnings.set(l.msg!, (warnings.get(l.msg!) ?? 0) + 1);
      if (warnings.size) {
        const first = bot!.log.slice(started + 1).find((l) => l.level === 'warn')!.raw.slice(0, 300);
        console.log(`${name}: warnings in the log ${JSON.stringify(Object.fromEntries(warnings))}, first: ${first}`);
        row.note = `${row.note ? `${row.note}; ` : ''}warnings in the log: ${[...warnings].map(([m, n]) => `${n}× ${m}`).join(', ')}`;
      }
      const errors = bot!.errors();
      if (errors.length) row.note = `${row.note ? `${row.note}; ` : ''}${errors.length} error lines in the log, first: ${errors[0]!.raw.slice(0, 200)}`;
      await this.load.rpc('fake-stop');
    }
    const profile = fs.readdirSync(folder).find((f) => f.endsWith('.cpuprofile'));
    if (profile) this.profile = path.join(folder, profile);
    return row;
  }

  private async peer(): Promise<void> {
    const row: Row = { key: 'peer', name: `(e) peer: ${PEER_NAME} (Satori + @cordisjs/plugin-server, Koa)` };
    this.rows.push(row);
    const failed = installPeer();
    if (failed) {
      row.note = `not installed (${failed})`;
      console.log(`peer: ${row.note}`);
      return;
    }
    const { baseUrl } = await this.load.rpc<{ baseUrl: string }>('fake-start', { acceptAgentIdAsString: true });
    let server: ServerChild | undefined;
    try {
      server = await ServerChild.start('wecom-peer.js', { BENCH_PEER_DIR: PEER_DIR, BENCH_WECOM_API: baseUrl });
      await this.measure(row, server.child.pid!, server.url, 'count');
      if (server.output.some((o) => o.includes('peer reply failed'))) row.note = 'some replies failed (see the output)';
    } catch (error) {
      row.note = `failed: ${String((error as Error).message).split('\n')[0]}`;
      console.log(`peer: ${row.note}`);
    } finally {
      await server?.stop();
      await this.load.rpc('fake-stop');
    }
  }

  async run(): Promise<{ markdown: string; headlines: string[] }> {
    if (!hasTaskset) console.log('taskset is missing: the processes are not pinned');
    const prepared = await this.load.rpc<{ warmup: number; measured: number }>('prepare');
    console.log(`prepared ${prepared.measured} signed callbacks from ${MEMBERS} members (+${prepared.warmup} for the warm-ups)`);
    // BENCH_WECOM_TARGETS=bot,peer: some targets only (to look into one; the ratios need all)
    const only = process.env.BENCH_WECOM_TARGETS?.split(',');
    const wanted = (key: string) => !only || only.includes(key);
    if (wanted('plain')) await this.reference('plain', '(a) plain Koa handler answering 200', 'plain');
    if (wanted('crypto')) await this.reference('crypto', '(b) Koa + verify + decrypt + XML parse', 'crypto');
    if (wanted('anchor')) await this.reference('anchor', '(c) (b) + durable SQLite inbox insert', 'durable');
    if (wanted('bot')) this.rows.push(await this.bot('bot', '(d) contract-bot /wecom/callback, SQLite', `sqlite:${path.join(this.dir, 'bot.sqlite')}`));
    if (wanted('peer')) await this.peer();
    for (const [key, label, env] of [
      ['bot-pg', 'PostgreSQL', 'BENCH_POSTGRES_URL'],
      ['bot-mysql', 'MySQL/MariaDB', 'BENCH_MYSQL_URL'],
    ] as const) {
      const url = process.env[env];
      if (!url) continue;
      const unusable = await freshDatabase(url);
      const name = `(d) contract-bot /wecom/callback, ${label}`;
      if (unusable) this.rows.push({ key, name, note: `skipped: ${unusable}` });
      else this.rows.push(await this.bot(key, name, url));
    }
    if (process.env.BENCH_PROFILE === '1') {
      console.log('BENCH_PROFILE=1: the SQLite bot once more, with --cpu-prof');
      const profiled = await this.bot('profile', 'profiled bot', `sqlite:${path.join(this.dir, 'profiled.sqlite')}`, ['--cpu-prof', '--cpu-prof-dir=.']);
      profiled.name = '(d) with `--cpu-prof` (not compared)';
      this.rows.push(profiled);
    }
    return this.report();
  }

  private report(): { markdown: string; headlines: string[] } {
    const get = (key: string) => this.rows.find((r) => r.key === key);
    const rate = (key: string) => get(key)?.result?.acceptedPerSecond;
    const bot = get('bot') ?? { key: 'bot', name: '(d)', note: 'not run' };
    const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');
    const anchorRatio = (rate('bot') ?? NaN) / (rate('anchor') ?? NaN);
    const peerRatio = (rate('bot') ?? NaN) / (rate('peer') ?? NaN);
    const p99 = bot.result?.p99 ?? NaN;
    const backlog = bot.result?.replies?.backlogSeconds ?? null;
    const correctness = (r: Row): string => {
      if (!r.result) return r.note ?? '—';
      const ok200 = r.result.statuses['200'] ?? 0;
      const parts = [`${ok200}/${r.result.callbacks} answered 200`];
      const others = Object.entries(r.result.statuses).filter(([s]) => s !== '200');
      if (others.length) parts.push(`others: ${others.map(([s, n]) => `${n}× ${s}`).join(', ')}`);
      if (r.result.replies) {
        const rep = r.result.replies;
        if (rep.problems.length) parts.push(`${rep.received}/${rep.expected} replies, ${rep.problems.length} members got a wrong or extra reply (e.g. ${rep.problems[0]})`);
        else if (rep.membersShort) parts.push(`${rep.received}/${rep.expected} replies when the wait ended (${rep.membersShort} members still owed some), none wrong or extra`);
        else parts.push('exactly one reply per callback, of the right command');
      }
      if (r.warmupProblems) parts.push(r.warmupProblems);
      if (r.note) parts.push(r.note);
      return parts.join('; ');
    };
    const mb = (n?: number) => (n === undefined ? '—' : fixed(n, 0));
    const rows = this.rows.map((r) => [
      r.name,
      r.result ? fixed(r.result.acceptedPerSecond, 0) : '—',
      r.result ? `${fixed(r.result.p50)} / ${fixed(r.result.p99)} / ${fixed(r.result.max, 0)}` : '—',
      r.result?.replies ? (r.result.replies.backlogSeconds === null ? `incomplete after ${REPLY_WAIT_SECONDS} s` : `${fixed(r.result.replies.backlogSeconds)} s`) : '—',
      r.rss ? `${mb(r.rss.idle)} / ${mb(r.rss.peak)} / ${mb(r.rss.after)}` : '—',
      r.cpuMsPerCallback === undefined ? '—' : `${fixed(r.cpuMsPerCallback, 2)} (${fixed(r.cpuUse ?? NaN, 0)}%)`,
      r.result ? `${fixed(r.result.loadCpuPercent, 0)}%` : '—',
      correctness(r),
    ]);
    const checks: [string, string, boolean][] = [
      ['(d)/(c): the bot against the durable anchor', `${fixed(anchorRatio, 2)}× (target ≥ ${TARGETS.anchorRatio})`, anchorRatio >= TARGETS.anchorRatio],
      ['(d)/(e): the bot against the peer', Number.isFinite(peerRatio) ? `${fixed(peerRatio, 2)}× (target ≥ ${TARGETS.peerRatio})` : 'no peer figure', peerRatio >= TARGETS.peerRatio],
      ['(d) answer p99', `${fixed(p99)} ms (target < ${TARGETS.p99Ms} ms; in the same run (a) ${fixed(get('plain')?.result?.p99 ?? NaN, 0)} ms, (c) ${fixed(get('anchor')?.result?.p99 ?? NaN, 0)} ms)`, p99 < TARGETS.p99Ms],
      ['(d) every reply delivered', backlog === null ? `not within ${REPLY_WAIT_SECONDS} s` : `${fixed(backlog)} s after the last answer (target ≤ ${TARGETS.backlogSeconds} s)`, backlog !== null && backlog <= TARGETS.backlogSeconds],
      ['(d) correctness: every callback answered 200, exactly one reply each', correctness(bot), !!bot.result && (bot.result.statuses['200'] ?? 0) === bot.result.callbacks && bot.result.replies?.problems.length === 0 && bot.result.replies.membersShort === 0 && !bot.note],
    ];
    const missed = checks.filter(([, , ok]) => !ok);
    const markdown = [
      describe(),
      '',
      `Load average of the machine (1 min, ${os.cpus().length} cores) when the section started: ${fixed(this.loadAtStart)}; when it ended: ${fixed(os.loadavg()[0]!)}. Pinned processes share their core with whatever else runs there, so absolute figures move with it; the ratios are measured minutes apart on the same cores.`,
      '',
      table(['target', 'accepted/s', 'answer p50 / p99 / max ms', 'all replies after the last answer', 'RSS idle / peak / after MB', 'server CPU ms per callback (% of a core)', 'load generator CPU', 'correctness'], rows),
      '',
      '"Accepted/s": callbacks answered 200 per second of the burst. "Server CPU per callback": the server process\'s user + system time (from `/proc`) over the burst and, for the bot and the peer, until the last reply (or the end of the wait), divided by 10,000; in brackets that time over the wall-clock time, in % of one core (well under 100%: the server was waiting — for I/O, or for its turn on a core it shares with other processes). "Load generator CPU": the load generator\'s share of its core during the burst (near 100% means the generator, not the server, set the pace). RSS is sampled every 100 ms: before the burst (after the warm-up), its peak, and 1 s after the last reply.',
      '',
      table(['target', 'figure', 'verdict'], checks.map(([what, figure, ok]) => [what, figure, verdict(ok)])),
      '',
      ...(missed.length ? gapAnalysis(this.rows, this.profile) : []),
    ].join('\n');
    const headlines = [
      `WeCom callbacks (10,000 from 1,000 members, 50 in flight): the bot accepts ${fixed(rate('bot') ?? NaN, 0)}/s, ${fixed(anchorRatio, 2)}× the durable SQLite anchor (target ≥ 0.6, ${missedOrMet(checks[0]![2])}) and ${Number.isFinite(peerRatio) ? `${fixed(peerRatio, 1)}×` : 'no figure for'} the Koishi WeCom adapter (target ≥ 5, ${missedOrMet(checks[1]![2])}).`,
      `WeCom answers p99 ${fixed(p99)} ms (target < 50, ${missedOrMet(checks[2]![2])}); every reply delivered ${backlog === null ? 'not' : `${fixed(backlog)} s`} after the last request (target ≤ 15 s, ${missedOrMet(checks[3]![2])}).`,
    ];
    return { markdown, headlines };
  }

  async cleanUp(): Promise<void> {
    this.load.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const missedOrMet = (ok: boolean) => (ok ? 'met' : 'missed');

function describe(): string {
  const mix = MIX.map((m) => `\`${m.text}\``).join(', ');
  return [
    `**What**: ${MEMBERS * PER_MEMBER} distinct WeCom text-message callbacks (a new \`MsgId\` each), signed and AES-encrypted as WeCom does (\`tests/fakes/wecom.ts\`), ${PER_MEMBER} from each of ${MEMBERS} directory members (under WeCom's 30 messages a minute per member), member after member, the texts ${mix} rotated per member: read-only commands, so every target does the same work, each answered by the bot with exactly one message. The requests are prepared once, before the first target, and every target gets the same list; ${CONCURRENCY} in flight, no retries, a 5 s answer timeout (WeCom's). Each target first gets a warm-up of ${WARMUP} other callbacks (not measured).`,
    '',
    `**Process layout**: the load generator and the fake WeCom API (gettoken, message/send, robots, agent/get) run in one child process${hasTaskset ? ' pinned to CPU 0 (`taskset -c 0`)' : ''}; each server under test runs in its own process${hasTaskset ? ' pinned to CPU 1 (`taskset -a -cp 1`, after it started)' : ''}; everything on 127.0.0.1 with ports the OS chose.${hasTaskset ? '' : ' **taskset is missing on this machine: nothing is pinned**, so the load generator and the server share both cores.'} The machine is shared: other processes run on both cores too.`,
    '',
    '**Targets**:',
    '- (a) a plain Koa handler answering 200 without reading the body: the HTTP ceiling;',
    "- (b) the crypto path, no storage: Koa, the body read as the bot reads it, the envelope parsed, the signature verified, AES-256-CBC decrypted, the message parsed and normalised, with the bot's own functions (`bot/wecom/*`);",
    "- (c) the durable anchor: (b) plus one insert per callback into an inbox table (unique delivery key) of a SQLite file with the bot's better-sqlite3 settings (WAL, foreign keys, 10 s busy timeout, `synchronous` FULL: every commit waits for its fsync on the event loop; the bot's accepts are as durable, their fsync runs off the event loop), answered after the commit;",
    '- (d) the bot: the compiled entry point (`.bench-build/bot/main.js`, what `npm start` runs, as `npm run soak` starts it) on a fresh database, with a policy of 1,000 members (the soak\'s directory, quiet hours on so that only replies go out), `LOG_LEVEL=info`, sending its replies to the fake WeCom; "all replies" is the time from the last answer until the 10,000th reply reached the fake WeCom. The bot listens on every interface (it has no host setting); the load goes to 127.0.0.1. Its callback window is raised to 3,600 s (`WECOM_CALLBACK_WINDOW_SECONDS`) because the requests are signed once, before the first target;',
    `- (e) the peer: ${PEER_NAME}, the Koishi WeCom adapter, installed at bench time with \`npm install --prefix .bench-peers/wecom ${PEER_PACKAGES.join(' ')}\` (outside the project's dependencies; .bench-peers/ is ignored by git), run as a Satori app with the cordis HTTP server plugin (Koa + koa-body) and its HTTP client, answering each message with one text through \`message/send\` of the fake WeCom (which accepts the string \`agentid\` it sends). It verifies the signature and decrypts with \`@wecom/crypto\` (without checking the corp id) and parses with xml2js.`,
  ].join('\n');
}

export function gapAnalysis(rows: Row[], profile?: string): string[] {
  const get = (key: string) => rows.find((r) => r.key === key);
  const cpu = (key: string) => get(key)?.cpuMsPerCallback ?? NaN;
  const bot = get('bot')?.result;
  const replyRate = bot?.replies?.perSecond ?? NaN;
  // every reply within 15 s of the last answer: the whole work done within the burst + 15 s
  const budgetSeconds = (bot?.acceptSeconds ?? NaN) + TARGETS.backlogSeconds;
  const neededRate = (bot?.callbacks ?? NaN) / budgetSeconds;
  const out = [
    '### Where the time goes, and what would close the gap',
    '',
    `Per callback the server under test spent ${fixed(cpu('plain'), 2)} ms of CPU for the plain handler, ${fixed(cpu('crypto'), 2)} ms with the crypto path, ${fixed(cpu('anchor'), 2)} ms with the durable insert, and the bot ${fixed(cpu('bot'), 2)} ms, ${fixed(cpu('bot') / cpu('anchor'), 1)}× the anchor: accepting (group-committed: the callbacks that arrive while a batch is written share the next durable commit), processing the command from the inbox table (the \`InboxWorker\`, one event at a time on SQLite, accepts first), queueing the reply, and delivering it (the outbox claims up to 64 replies per transaction and sends to 32 members at once over kept-alive connections). The anchor used ${fixed(get('anchor')?.cpuUse ?? NaN, 0)}% of its core and the bot ${fixed(get('bot')?.cpuUse ?? NaN, 0)}% over the burst and the replies. The bot is one process on one event loop: accepting and the processing of earlier callbacks share one core, so under a burst each answer may wait behind the processing transaction running at that moment (hence a p99 above the anchor's). Replies went out at ${fixed(replyRate, 0)}/s; every reply within 15 s of the last answer needs ${fixed(neededRate, 0)}/s at this accept rate, i.e. at most ${fixed(1000 / neededRate, 1)} ms of CPU per callback on one core for everything the bot does.`,
    '',
  ];
  let prepareShare = NaN;
  if (profile) {
    const { markdown, functions, busyMs } = summariseProfile(profile);
    prepareShare = (100 * [...functions].filter(([f]) => f.startsWith('`prepare` better-sqlite3')).reduce((t, [, ms]) => t + ms, 0)) / busyMs;
    out.push('Profile of the bot (`node --cpu-prof`, a separate run of (d) on SQLite, the whole process life: start-up, warm-up, the burst and the replies):', '', markdown, '');
  } else {
    out.push('`BENCH_PROFILE=1 BENCH_ONLY=wecom npm run bench` adds a run of (d) under `node --cpu-prof` and summarises it here by layer, file and function.', '');
  }
  out.push(
    'What would close the gap:',
    '',
    '- **Plain SQL for the commonest commands too**: the dispatch path (accept, claim, finish, queue the reply) and a decision are plain prepared SQL; the read-only commands (帮助, 待办, 我的合同) still read through TypeORM\'s query builder and entity hydration.',
    '- **Several events per processing transaction**: on SQLite, transactions that wait for the connection together already share one commit, each in its own savepoint; but the worker processes one event at a time there, so processing transactions rarely wait together.',
    '- **A second process**: on PostgreSQL/MySQL, instances share the inbox and the outbox (claims), so processing scales out across cores; on SQLite one process does all the writing.',
  );
  if (prepareShare > 2) {
    out.push(
      `- **Statements prepared once**: better-sqlite3's \`prepare\` takes ${fixed(prepareShare)}% of the busy time, so some statements are still prepared again and again (the bot binds number parameters and keeps 1,000 prepared statements: a statement text that varies, such as an IN list of varying length, still misses the cache).`,
    );
  }
  out.push('');
  return out;
}

export const wecomSection: BenchSection = {
  name: 'wecom',
  title: 'WeCom callbacks: the bot against its ceilings and a peer',
  async run() {
    const bench = new WecomBench();
    const interrupted = () => void bench.cleanUp().finally(() => process.exit(130));
    process.once('SIGINT', interrupted);
    try {
      const result = await bench.run();
      console.log(result.markdown);
      return result;
    } finally {
      process.off('SIGINT', interrupted);
      await bench.cleanUp();
    }
  },
};
