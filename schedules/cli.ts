// npm run jobs -- [--for <seconds>]
// Runs the scheduled jobs (each under its lease), takes over unfinished inbound events and delivers
// the outbox, once or repeatedly for a while, then exits: for a system cron instead of the
// long-running bot, and for the tests that run several instances as separate processes.

import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError } from '../bot/config';
import { startBot } from '../bot/platforms';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { for: { type: 'string', default: '0' } } });
  const { app, scheduler, jobs } = await startBot();
  const until = Date.now() + Number(values.for) * 1000;
  do {
    for (const job of jobs) await scheduler.runOnce(job);
    await app.dispatcher.resumeUnfinished(); // inbound events left unfinished (a crash) or due for a retry
    await app.outbox.deliverDue();
    if (Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < until);
  await app.close();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
