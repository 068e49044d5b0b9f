// One part of `npm run bench`: it runs, prints as it goes, and returns its part of BENCHMARKS.md.
// Sections run one after another in one process run, so their ratios are measured side by side.

import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { parsePolicy, type Policy } from '../../bot/config';

export interface BenchSection {
  /** Short name, used by BENCH_ONLY (e.g. `BENCH_ONLY=wecom,reminders npm run bench`). */
  name: string;
  /** Heading in BENCHMARKS.md. */
  title: string;
  run(): Promise<SectionResult>;
}

export interface SectionResult {
  /** Markdown body: what was measured, how, the table(s), and any target missed with its profile. */
  markdown: string;
  /** One-line headline figures for the summary at the top of BENCHMARKS.md (e.g. "WeCom: 0.71× the durable anchor"). */
  headlines: string[];
}

/** A markdown table from a header row and rows of cells. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The p-th percentile (0–100) of ascending numbers. */
export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

export const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/**
 * The server databases to measure besides SQLite: only those whose URL is given (their tables are
 * dropped first, so point them at databases kept for benchmarks).
 */
export function serverDatabases(): [string, string][] {
  const out: [string, string][] = [];
  if (process.env.BENCH_POSTGRES_URL) out.push(['PostgreSQL', process.env.BENCH_POSTGRES_URL]);
  if (process.env.BENCH_MYSQL_URL) out.push(['MySQL/MariaDB', process.env.BENCH_MYSQL_URL]);
  return out;
}

/** The repository's folder (sections are compiled to .bench-build/tests/bench). */
export const ROOT = path.join(__dirname, '../../..');

/**
 * A fresh start for the bot's migrations: every table of a server database is dropped (SQLite URLs
 * point at new files and pass as they are). Null when done; otherwise why not (unreachable, …).
 */
export async function freshDatabase(url: string): Promise<string | null> {
  if (url.startsWith('sqlite')) return null;
  try {
    const ds = await new DataSource({ type: url.startsWith('postgres') ? 'postgres' : 'mysql', url } as never).initialize();
    await ds.dropDatabase();
    await ds.destroy();
    return null;
  } catch (error) {
    return String((error as Error)?.message ?? error).split('\n')[0]!;
  }
}

/** policy.example.yaml, with quiet hours off unless asked (benches run at any hour). */
export function examplePolicy(options: { quietHours?: boolean } = {}): Policy {
  const text = fs.readFileSync(path.join(ROOT, 'policy.example.yaml'), 'utf8');
  return parsePolicy(options.quietHours ? text : text.replace('quiet_hours: true', 'quiet_hours: false'), 'policy.example.yaml');
}
