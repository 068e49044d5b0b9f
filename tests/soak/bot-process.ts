// One real bot process (the compiled `npm start` entry point), its log, and its resources from /proc.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export interface LogLine {
  level?: string;
  msg?: string;
  raw: string;
}

export class BotProcess {
  readonly log: LogLine[] = [];
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitCode: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(private readonly child: ChildProcess, logFile: string) {
    const out = fs.createWriteStream(logFile);
    const collect = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        out.write(chunk);
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop()!;
        for (const raw of lines) if (raw.trim()) this.log.push(parseLine(raw));
      });
      stream.on('end', () => rest.trim() && this.log.push(parseLine(rest)));
    };
    collect(child.stdout!);
    collect(child.stderr!);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exitCode = { code, signal };
        resolve(this.exitCode);
      }),
    );
  }

  /** `nodeArgs`: Node options for the bot; by default SOAK_BOT_NODE_ARGS, to look into a failure (e.g. `--cpu-prof`). */
  static start(
    script: string,
    cwd: string,
    env: NodeJS.ProcessEnv,
    logFile: string,
    nodeArgs: string[] = process.env.SOAK_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  ): BotProcess {
    const child = spawn(process.execPath, [...nodeArgs, script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new BotProcess(child, logFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get hasExited(): boolean {
    return this.exitCode !== null;
  }

  /** Resident set size in MB (VmRSS of /proc/<pid>/status). */
  rssMb(): number {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
    return Number(kb) / 1024;
  }

  /** CPU seconds used so far (user + system, /proc/<pid>/stat fields 14 and 15). */
  cpuSeconds(): number {
    const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the name may contain spaces
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; 100 per second on Linux
  }

  /** SIGTERM, then SIGKILL if it has not stopped within `graceMs`. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
    if (this.exitCode) return { ...this.exitCode, killed: false };
    this.child.kill('SIGTERM');
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
    if ((await Promise.race([this.exited, timer])) === 'late') {
      this.child.kill('SIGKILL');
      return { ...(await this.exited), killed: true };
    }
    return { ...(await this.exited), killed: false };
  }

  /** Error-level lines, and anything that is not one of the logger's JSON lines (a stack trace). */
  errors(): LogLine[] {
    return this.log.filter((l) => l.level === undefined || l.level === 'error');
  }
}

function parseLine(raw: string): LogLine {
  try {
    const parsed = JSON.parse(raw) as { level?: unknown; msg?: unknown };
    if (typeof parsed.level === 'string') return { raw, level: parsed.level, msg: String(parsed.msg) };
  } catch {
    // not a logger line
  }
  // node-cron prints its own warnings ("[NODE-CRON] [WARN] task still running, …"), in colour.
  const plain = raw.replace(/\x1b\[[0-9;]*m/g, '');
  const warning = /\[WARN\]\s*(.*)$/.exec(plain);
  return warning ? { raw, level: 'warn', msg: warning[1] } : { raw };
}

/** A port nobody listens on right now (the bot has no host setting; another process may still win it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A WeCom app's settings as the bot reads them from its environment. */
export interface WecomAppSettings {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
}

/** The WeCom app of the soak and the benches that start a bot process (the fake WeCom accepts any). */
export const SOAK_WECOM_APP: WecomAppSettings = {
  corpId: 'wwsoak0123456789ab',
  agentId: 1000002,
  secret: 'soak-app-secret',
  token: 'SoakToken',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

/** The environment of a bot process on a SQLite file, connected to a (fake) WeCom API at `apiBase`. */
export function wecomBotEnv(o: { port: number; sqliteFile: string; policyFile: string; logLevel: string; app: WecomAppSettings; apiBase: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PORT: String(o.port),
    DATABASE_URL: `sqlite:${o.sqliteFile}`,
    POLICY_FILE: o.policyFile,
    LOG_LEVEL: o.logLevel,
    WECOM_CORP_ID: o.app.corpId,
    WECOM_AGENT_ID: String(o.app.agentId),
    WECOM_SECRET: o.app.secret,
    WECOM_TOKEN: o.app.token,
    WECOM_ENCODING_AES_KEY: o.app.encodingAesKey,
    WECOM_API_BASE: o.apiBase,
  };
}

/** Seeded shuffle, so every run sends the same mix in the same order. */
export function seededShuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  const random = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
