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

const [file, policyFile] = process.argv.slice(2);
const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const sink: Notifier = { deliver: async () => undefined };

async function main(): Promise<void> {
  const policy = parsePolicy(fs.readFileSync(policyFile!, 'utf8'), policyFile!);
  const now = new Date('2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai: the weekly digest runs too
  const app = await createApp({ databaseUrl: `sqlite:${file}`, policy, notifier: sink, clock: { now: () => now }, log: silentLogger });
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const jobs = botJobs({ uow: app.uow, workflow: app.deps, deliver: () => app.outbox.deliverDue() }, policy);
  const times: Record<string, number> = {};
  for (const job of jobs) {
    const t = Date.now();
    await job.run(now);
    times[job.name] = Date.now() - t;
  }
  clearInterval(sampler);
  const after = process.memoryUsage();
  const queued: { n: number }[] = await app.dataSource.query('SELECT COUNT(*) AS n FROM outbox');
  await app.close();
  console.log(
    JSON.stringify({
      rssBefore: mb(before.rss),
      heapBefore: mb(before.heapUsed),
      rssAfter: mb(Math.max(after.rss, peakRss)),
      heapPeak: mb(Math.max(after.heapUsed, peakHeap)),
      rssPeak: mb(peakRss),
      times,
      queued: Number(queued[0]!.n),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
