// Summarises a V8 CPU profile (`node --cpu-prof`): self time by file (a package for anything under
// node_modules) and the functions with the most self time.

import fs from 'node:fs';
import { fixed, table } from './section';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives: `typeorm`, `bot/wecom/callback.js`, `node:internal/…`, `(garbage collector)`. */
export function fileOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const project = /\.bench-build\/(.*)$|\/dist\/(.*)$/.exec(url);
  if (project) return (project[1] ?? project[2])!;
  const deps = /^node:internal\/deps\/([^/]+)/.exec(url); // undici is fetch
  if (deps) return `node:internal/deps/${deps[1]}`;
  const internal = /^node:internal\/([^/]+)(\/)?/.exec(url);
  if (internal) return `node:internal/${internal[1]}${internal[2] ? '/…' : ''}`;
  return url.replace(/^file:\/\//, '');
}

/** A function's place for the table: the file inside its package, or the project file. */
function locationOf(url: string, where: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(url);
  return inPackage?.[1] ?? (url.startsWith('node:') ? url : where);
}

/** Busy time by layer: the database driver and ORM, Node's HTTP and streams, the project's own code, GC. */
export function layerOf(file: string): string {
  if (/^(typeorm|better-sqlite3|pg|pg-[a-z-]+|mysql2|sqlstring)$/.test(file)) return 'database: typeorm and its drivers (JavaScript)';
  if (file === '(native)') return 'native calls (SQLite statements, socket writes, hashing, …)';
  if (/^(bot|handlers|storage|cards|schedules)\//.test(file)) return `contract-bot: ${file.split('/')[0]}/`;
  if (file === '(garbage collector)') return 'garbage collector';
  if (file.startsWith('node:') || file === '(program)') return 'Node.js (HTTP, streams, timers, crypto)';
  return 'other packages (koa, @koa/router, fast-xml-parser, zod, …)';
}

export function summariseProfile(file: string, top = 12): { markdown: string; busyMs: number; layers: Map<string, number>; functions: Map<string, number> } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const files = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyMs = 0;
  for (const [id, ms] of selfMs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    busyMs += ms;
    const where = fileOf(url, functionName);
    files.set(where, (files.get(where) ?? 0) + ms);
    const fn = `\`${functionName || '(anonymous)'}\` ${url ? `${locationOf(url, where)}:${lineNumber + 1}` : ''}`.trim();
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  const layers = new Map<string, number>();
  for (const [where, ms] of files) layers.set(layerOf(where), (layers.get(layerOf(where)) ?? 0) + ms);
  const rows = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => [name, fixed(ms, 0), `${fixed((100 * ms) / busyMs)}%`]);
  const markdown = [
    `Busy (not idle) CPU time in the profile: ${fixed(busyMs / 1000, 1)} s.`,
    '',
    'Self time by layer:',
    '',
    table(['layer', 'self ms', 'share of busy'], rows(layers)),
    '',
    'Self time by file or package:',
    '',
    table(['file or package', 'self ms', 'share of busy'], rows(files)),
    '',
    'Functions with the most self time:',
    '',
    table(['function', 'self ms', 'share of busy'], rows(functions)),
  ].join('\n');
  return { markdown, busyMs, layers, functions };
}
