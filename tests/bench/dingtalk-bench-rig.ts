// Pieces of the DingTalk Stream bench: the client under test in its own process (pinned to one core
// when taskset is there), the policy with a few hundred DingTalk senders, the count of committed
// inbox rows, and a summary of a V8 CPU profile.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import YAML from 'yaml';
import { dataSourceOptions, parseDatabaseUrl } from '../../storage/data-source';

export const ROOT = path.join(__dirname, '../../..'); // compiled to .bench-build/tests/bench

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process (every thread) to `cpus`; false when taskset is missing or refused. */
export function pinSelf(cpus: string): boolean {
  if (!hasTaskset()) return false;
  try {
    execFileSync('taskset', ['-a', '-cp', cpus, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface SchedTimes {
  mainRunMs: number;
  mainWaitMs: number;
  othersRunMs: number;
}

/** Between two readings of schedTimes, as shares of the `wallMs` between them (a thread that exited meanwhile is not counted). */
export interface SchedShares {
  main: number;
  mainWaiting: number;
  others: number;
}

export function schedShares(before: SchedTimes, after: SchedTimes, wallMs: number): SchedShares {
  return {
    main: (after.mainRunMs - before.mainRunMs) / wallMs,
    mainWaiting: (after.mainWaitMs - before.mainWaitMs) / wallMs,
    others: Math.max(0, after.othersRunMs - before.othersRunMs) / wallMs,
  };
}

export class ChildClient {
  private exited: Promise<void>;
  private done = false;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.on('exit', () => ((this.done = true), resolve())));
  }

  /** `node [nodeArgs] script args`, under `taskset -c <cpu>` when `cpu` is given; output to `logFile`. */
  static start(o: { script: string; args?: string[]; env: NodeJS.ProcessEnv; cpu?: string; nodeArgs?: string[]; logFile: string; cwd: string }): ChildClient {
    const out = fs.openSync(o.logFile, 'a');
    const node = [...(o.nodeArgs ?? []), o.script, ...(o.args ?? [])];
    const [cmd, argv] = o.cpu ? ['taskset', ['-c', o.cpu, process.execPath, ...node]] : [process.execPath, node];
    const child = spawn(cmd, argv as string[], { cwd: o.cwd, env: o.env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    return new ChildClient(child);
  }

  get hasExited(): boolean {
    return this.done;
  }

  /** CPU seconds used so far (user + system, /proc/<pid>/stat fields 14 and 15). */
  cpuSeconds(): number {
    try {
      const stat = fs.readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return NaN;
    }
  }

  /**
   * Scheduler times so far (/proc/<pid>/task/<tid>/schedstat, ms): the main thread's time on the CPU
   * and its time runnable but waiting for it, and the other threads' time on the CPU (V8's GC
   * helpers, libuv's pool running the fsyncs, the checkpoint thread).
   */
  schedTimes(): SchedTimes {
    const times = { mainRunMs: 0, mainWaitMs: 0, othersRunMs: 0 };
    const pid = String(this.child.pid);
    try {
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map((n) => Number(n) / 1e6);
        if (tid === pid) Object.assign(times, { mainRunMs: run, mainWaitMs: wait });
        else times.othersRunMs += run!;
      }
    } catch {
      return { mainRunMs: NaN, mainWaitMs: NaN, othersRunMs: NaN };
    }
    return times;
  }

  /** SIGTERM, SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGTERM');
    const late = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(late);
  }
}

/** policy.example.yaml with `count` more sales people who write from DingTalk as `staffId(i)`. */
export function writeBenchPolicy(dir: string, count: number, staffId: (i: number) => string): string {
  const policy = YAML.parse(fs.readFileSync(path.join(ROOT, 'policy.example.yaml'), 'utf8')) as Record<string, any>;
  for (let i = 0; i < count; i++) {
    policy.people.push({ id: `dtbench${i}`, name: `钉钉成员${i}`, roles: ['sales'], manager: 'lisi', identities: [`dingtalk:${staffId(i)}`] });
  }
  // Group channels on robots nobody calls: the bench sends chat commands only.
  for (const name of Object.keys(policy.channels ?? {})) policy.channels[name] = {};
  const file = path.join(dir, 'policy.yaml');
  fs.writeFileSync(file, YAML.stringify(policy));
  return file;
}

/** Inbox rows committed for the given msgIds (delivery key `dingtalk:msg:<msgId>`). */
export async function committedInboxRows(databaseUrl: string, msgIds: string[]): Promise<number> {
  const ds = await new DataSource({ ...dataSourceOptions(parseDatabaseUrl(databaseUrl)), migrations: [] } as never).initialize();
  try {
    const rows = (await ds.query("SELECT delivery_key AS k FROM inbox WHERE platform = 'dingtalk'")) as { k: string }[];
    const keys = new Set(rows.map((r) => r.k));
    return msgIds.filter((id) => keys.has(`dingtalk:msg:${id}`)).length;
  } finally {
    await ds.destroy();
  }
}


interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Where the time went in a .cpuprofile: self time per area (bot file, package, node internals), largest first. */
export function summariseProfile(file: string, top = 12): { area: string; percent: number }[] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const weight = new Map<number, number>();
  profile.samples.forEach((id, i) => weight.set(id, (weight.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0)));
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of weight) {
    const node = byId.get(id)!;
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
  }
  return [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([area, us]) => ({ area, percent: (100 * us) / total }));
}

function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName ? `(${functionName})` : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `${pkg[1]}${pkg[1] === 'typeorm' || pkg[1] === 'ws' ? ` ${path.basename(url)}` : ''}`;
  if (url.startsWith('node:')) return url;
  const own = /\.bench-build[^/]*\/(.+)$/.exec(url);
  return own ? own[1]! : path.basename(url);
}

/** fdatasync latency of `dir`'s disk (ms, p50 and p99 of 200 4-KB writes): what a durable commit waits for at least. */
export function fsyncLatency(dir: string): { p50: number; p99: number } {
  const file = path.join(dir, 'fsync-probe.bin');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      fs.writeSync(fd, block);
      fs.fdatasyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return { p50: times[99]!, p99: times[197]! };
}
