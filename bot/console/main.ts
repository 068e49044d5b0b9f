// npm run console -- --as <person-id> [--db <DATABASE_URL>]
import 'reflect-metadata';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp, systemClock } from '../app';
import { ConfigError, loadDotEnv, loadEnv, loadPolicy } from '../config';
import { createLogger } from '../logger';
import { ConsoleNotifier, runConsole } from './transport';
import { Directory } from '../../handlers/domain/directory';

async function main(): Promise<void> {
  loadDotEnv();
  const { values } = parseArgs({ options: { as: { type: 'string' }, db: { type: 'string' } } });
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL);
  const policy = loadPolicy(env, (m) => process.stderr.write(`${m}\n`));
  const as = values.as ?? policy.people[0]!.id;
  const notifier = new ConsoleNotifier(process.stdout, new Directory(policy.people), path.resolve('data', 'exports'));
  const app = await createApp({
    databaseUrl: values.db ?? env.DATABASE_URL,
    policy,
    notifier,
    clock: systemClock,
    log,
    // A local try-out: show what would be sent at once, even at night.
    outbox: { quietHours: undefined },
  });
  try {
    await runConsole({ app, notifier, as, input: process.stdin, output: process.stdout, prompt: process.stdin.isTTY });
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
