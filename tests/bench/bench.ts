// npm run bench: every benchmark section, one after another in one run, written to BENCHMARKS.md
// (machine, date, commands, figures, ratios). The machine is shared and noisy: read the ratios
// measured side by side, not the absolute figures. BENCH_ONLY=name,name runs some sections only
// (and then writes BENCHMARKS.partial.md, so a partial run never replaces the full record).

import 'reflect-metadata';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chatScenarioSection } from './chat-scenario';
import { decisionsSection } from './decisions';
import { dingtalkStreamSection } from './dingtalk-stream';
import { memorySection } from './memory';
import { outboxSection } from './outbox';
import { remindersSection } from './reminders';
import { ownDatabase } from '../support/own-database';
import type { BenchSection } from './section';
import { wecomSection } from './wecom';

const ROOT = path.join(__dirname, '../../..'); // compiled to .bench-build/tests/bench

const SECTIONS: BenchSection[] = [
  wecomSection,
  dingtalkStreamSection,
  outboxSection,
  decisionsSection,
  remindersSection,
  memorySection,
  chatScenarioSection,
];

function machine(): string {
  const cpus = os.cpus();
  const revision = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; contract-bot at ${revision}`,
    `- Command: \`${process.env.BENCH_ONLY ? `BENCH_ONLY=${process.env.BENCH_ONLY} ` : ''}npm run bench\``,
  ].join('\n');
}

const SERVER_URLS = { postgres: process.env.BENCH_POSTGRES_URL, mysql: process.env.BENCH_MYSQL_URL };

/**
 * Each section gets fresh PostgreSQL/MySQL databases of its own beside the given ones
 * (`<database>_<section>`, dropped and created, connections left by an earlier section cut), so no
 * section runs on what another left behind.
 */
async function ownServerDatabases(section: string): Promise<void> {
  if (SERVER_URLS.postgres) process.env.BENCH_POSTGRES_URL = await ownDatabase('postgres', SERVER_URLS.postgres, section);
  if (SERVER_URLS.mysql) process.env.BENCH_MYSQL_URL = await ownDatabase('mysql', SERVER_URLS.mysql, section);
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  const chosen = only ? SECTIONS.filter((s) => only.includes(s.name)) : SECTIONS;
  if (only && chosen.length !== only.length) {
    throw new Error(`BENCH_ONLY: unknown section; known: ${SECTIONS.map((s) => s.name).join(', ')}`);
  }
  const parts: string[] = [];
  const headlines: string[] = [];
  const failed: string[] = [];
  for (const section of chosen) {
    console.log(`\n=== ${section.title} (${section.name}) ===`);
    const started = Date.now();
    await ownServerDatabases(section.name);
    // A section that fails is recorded as failed (with its error) and the others still run.
    const result = await section.run().catch((error: unknown) => {
      failed.push(section.name);
      console.error(error);
      const message = String((error as Error)?.stack ?? error).split('\n').slice(0, 6).join('\n');
      return { markdown: `**This section failed** in this run:\n\n\`\`\`\n${message}\n\`\`\``, headlines: [`${section.title}: failed in this run`] };
    });
    parts.push(`## ${section.title}\n\n${result.markdown.trim()}\n\n_Section time: ${((Date.now() - started) / 1000).toFixed(0)} s._`);
    headlines.push(...result.headlines);
  }
  const file = path.join(ROOT, only ? 'BENCHMARKS.partial.md' : 'BENCHMARKS.md');
  const doc = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (see the README, "Performance"). Figures from one run on a shared machine: compare the ratios measured side by side, not absolute figures across runs.',
    '',
    machine(),
    '',
    ...(headlines.length ? ['## Headlines', '', ...headlines.map((h) => `- ${h}`), ''] : []),
    ...parts.flatMap((p) => [p, '']),
  ].join('\n');
  fs.writeFileSync(file, doc);
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
  if (failed.length) throw new Error(`sections failed: ${failed.join(', ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
