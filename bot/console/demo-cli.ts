// npm run demo [-- --db <DATABASE_URL>]: seeds the demo company (bot/console/demo.ts) into the database.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createApp } from '../app';
import { ConfigError, loadDotEnv, loadEnv, loadPolicy } from '../config';
import { createLogger } from '../logger';
import { NotifierRouter } from '../notifier-router';
import { SimulatedClock } from './clock';
import { seedDemo } from './demo';

async function main(): Promise<void> {
  loadDotEnv();
  const { values } = parseArgs({ options: { db: { type: 'string' } } });
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL);
  const policy = loadPolicy(env, (m) => process.stderr.write(`${m}\n`));
  const clock = new SimulatedClock();
  // Nothing is delivered here: the bot (npm start) delivers what the seed queued.
  const app = await createApp({ databaseUrl: values.db ?? env.DATABASE_URL, policy, notifier: new NotifierRouter(), clock, log });
  try {
    const result = await seedDemo(app, clock);
    process.stdout.write(`${result.summary}\n`);
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
