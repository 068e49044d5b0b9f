// npm run jobs -- [--for <seconds>]
// Runs the scheduled jobs (each under its lease) and delivers the outbox, once or repeatedly for a
// while, then exits: for a system cron instead of the long-running bot, and for the tests that run
// several instances as separate processes.

import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createApp, systemClock } from '../bot/app';
import { BackgroundWork } from '../bot/background';
import { ConfigError, loadDotEnv, loadEnv, loadPolicy } from '../bot/config';
import { createLogger } from '../bot/logger';
import { NotifierRouter } from '../bot/notifier-router';
import { connectPlatforms } from '../bot/platforms';
import { createLeaseStore } from '../storage/repositories';
import { approvalRemindersJob, noticesJob } from './jobs';
import { Scheduler } from './scheduler';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { for: { type: 'string', default: '0' } } });
  loadDotEnv();
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL);
  const policy = loadPolicy(env, (m) => log.warn(m));
  const notifier = new NotifierRouter();
  const app = await createApp({ databaseUrl: env.DATABASE_URL, policy, notifier, clock: systemClock, log });
  const background = new BackgroundWork(log);
  connectPlatforms({ env, app, policy, log, background, notifier });
  const scheduler = new Scheduler({ uow: app.uow, leases: createLeaseStore(), clock: systemClock, timezone: policy.workflow.timezone, log });
  const deps = { uow: app.uow, workflow: app.deps, deliver: () => app.outbox.deliverDue() };
  const jobs = [approvalRemindersJob(deps, policy.reminders), noticesJob(deps, policy.notices)];
  const until = Date.now() + Number(values.for) * 1000;
  do {
    for (const job of jobs) await scheduler.runOnce(job);
    await app.outbox.deliverDue();
    if (Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < until);
  await app.close();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
