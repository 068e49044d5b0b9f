// Composition root: config → storage → platforms → server → outbox loop; graceful stop.

import 'reflect-metadata';
import type { Server } from 'node:http';
import { createApp, systemClock } from './app';
import { BackgroundWork } from './background';
import { ConfigError, loadDotEnv, loadEnv, loadPolicy } from './config';
import { createLogger } from './logger';
import { NotifierRouter } from './notifier-router';
import { createServer } from './server';
import { approvalRemindersJob, noticesJob } from '../schedules/jobs';
import { Scheduler } from '../schedules/scheduler';
import { createLeaseStore } from '../storage/repositories';
import { connectPlatforms } from './platforms';

export async function main(): Promise<void> {
  loadDotEnv();
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL);
  const policy = loadPolicy(env, (m) => log.warn(m));
  const notifier = new NotifierRouter();
  const app = await createApp({ databaseUrl: env.DATABASE_URL, policy, notifier, clock: systemClock, log });
  const background = new BackgroundWork(log);
  const { routes, stream } = connectPlatforms({ env, app, policy, log, background, notifier });
  const resumed = await app.dispatcher.resumeUnfinished();
  if (resumed) log.info('resumed unfinished inbound events', { count: resumed });

  const server: Server = createServer({ dataSource: app.dataSource, log, routes }).listen(env.PORT, () =>
    log.info('contract-bot listening', { port: env.PORT, policy: policy.file, database: env.DATABASE_URL.split(':')[0] }),
  );
  // Stream mode needs no public URL: it connects out. Connection failures are retried in the background.
  void stream?.start();
  const scheduler = new Scheduler({ uow: app.uow, leases: createLeaseStore(), clock: systemClock, timezone: policy.workflow.timezone, log });
  const jobDeps = { uow: app.uow, workflow: app.deps, deliver: () => app.outbox.deliverDue() };
  scheduler.start([approvalRemindersJob(jobDeps, policy.reminders), noticesJob(jobDeps, policy.notices)]);
  const outboxTimer = setInterval(() => {
    app.outbox.deliverDue().catch((error) => log.error('outbox run failed', { error: String(error) }));
  }, 1000);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    clearInterval(outboxTimer);
    await scheduler.stop();
    stream?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await background.idle();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof ConfigError ? `Configuration error: ${error.message}` : (error as Error).stack}\n`);
    process.exit(1);
  });
}
