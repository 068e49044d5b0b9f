// The second measurement of the memory bench, in a process of its own: createApp on the seeded store,
// then every scheduled job (botJobs) run once in this process at a working-day morning; prints one JSON
// line with the RSS and heap before and after, and the highest seen while the jobs ran.
// Usage: node memory-jobs.js <sqlite file> <policy file>

import 'reflect-metadata';
import fs from 'node:fs';
import { createApp } from '../../bot/app';
import { parsePolicy } from '../../bot/config';
import { silentLogger } from '../../bot/logger';
import type { Notifier } from '../../handlers/ports';
import { botJobs } from '../../schedules/jobs';
import { inlineNumbers, inlineNumbersWanted } from './inline-numbers';

const [file, policyFile] = process.argv.slice(2);
const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const sink: Notifier = { deliver: async () => undefined };

async function main(): Promise<void> {
  const policy = parsePolicy(fs.readFileSync(policyFile!, 'utf8'), policyFile!);
  const now = new Date('2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai: the weekly digest runs too
  const app = await createApp({ databaseUrl: `sqlite:${file}`, policy, notifier: sink, clock: { now: () => now }, log: silentLogger });
  if (inlineNumbersWanted()) inlineNumbers(app.dataSource);
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  // better-sqlite3 is synchronous: a job never yields to timers, so the samples are taken every 200
  // statements (from TypeORM's query log) rather than by an interval.
  let statements = 0;
  const logger = app.dataSource.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    if (++statements % 200 === 0) {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }
    return logQuery(query, parameters, runner);
  };
  const jobs = botJobs({ uow: app.uow, workflow: app.deps, deliver: () => app.outbox.deliverDue() }, policy);
  const times: Record<string, number> = {};
  const peaks: Record<string, { rss: number; heap: number }> = {};
  for (const job of jobs) {
    const t = Date.now();
    [peakRss, peakHeap] = [process.memoryUsage().rss, process.memoryUsage().heapUsed];
    await job.run(now);
    times[job.name] = Date.now() - t;
    peaks[job.name] = { rss: mb(peakRss), heap: mb(peakHeap) };
  }
  const after = process.memoryUsage();
  const queued: { n: number }[] = await app.dataSource.query('SELECT COUNT(*) AS n FROM outbox');
  await app.close();
  console.log(
    JSON.stringify({
      rssBefore: mb(before.rss),
      heapBefore: mb(before.heapUsed),
      rssAfter: mb(after.rss),
      heapAfter: mb(after.heapUsed),
      rssPeak: Math.max(mb(after.rss), ...Object.values(peaks).map((p) => p.rss)),
      heapPeak: Math.max(mb(after.heapUsed), ...Object.values(peaks).map((p) => p.heap)),
      peaks,
      statements,
      times,
      queued: Number(queued[0]!.n),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
