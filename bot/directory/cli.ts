// npm run sync-directory [-- --dry-run]
// Reads the configured departments from WeCom and DingTalk and updates the directory: prints what is
// added, changed, moved and deactivated. With --dry-run it prints the difference and writes nothing.
// A running bot picks the result up within a minute; the admins' notes go out through its outbox.

import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { describeDiff } from '../../handlers/directory-sync';
import { createApp, systemClock } from '../app';
import { ConfigError, loadDotEnv, loadEnv, loadPolicy } from '../config';
import { createLogger } from '../logger';
import { NotifierRouter } from '../notifier-router';
import { directorySources, syncDirectoryFromPlatforms } from './index';

export async function main(argv = process.argv.slice(2), out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean', default: false } } });
  loadDotEnv();
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL);
  const policy = loadPolicy(env, (m) => log.warn(m));
  const app = await createApp({ databaseUrl: env.DATABASE_URL, policy, notifier: new NotifierRouter(), clock: systemClock, log });
  try {
    const dryRun = values['dry-run'];
    const result = await syncDirectoryFromPlatforms({ app, policy, sources: directorySources(env, systemClock), clock: systemClock, dryRun });
    for (const line of describeDiff(result.diff)) out(line);
    if (dryRun) out('dry run: nothing written');
    else if (result.written === 0) out('directory already up to date: nothing written');
    else out(`written: ${result.written} account(s); ${result.reportedSteps} pending step(s) of people who left reported to the admins`);
    return 0;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error instanceof ConfigError ? `Configuration error: ${error.message}` : `directory sync failed, nothing written: ${(error as Error).message}`}\n`);
      process.exit(1);
    },
  );
}
