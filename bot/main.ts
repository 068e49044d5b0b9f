// Composition root: config → storage → platforms → server → outbox loop; graceful stop.

import 'reflect-metadata';
import type { Server } from 'node:http';
import type { Notifier, OutboxRecord } from '../handlers/ports';
import { createApp, systemClock } from './app';
import { ConfigError, loadDotEnv, loadEnv, loadPolicy } from './config';
import { createLogger, type Logger } from './logger';
import { createServer } from './server';

/** Until a platform is connected there is nobody to deliver to: fail, so messages wait and retry. */
class UnconfiguredNotifier implements Notifier {
  async deliver(message: OutboxRecord): Promise<void> {
    throw new Error(`no platform configured to deliver ${message.dedupeKey}`);
  }
}

const PLATFORMS = [
  { name: 'DingTalk', keys: ['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET'] },
  { name: 'WeCom', keys: ['WECOM_CORP_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY'] },
];

function reportPlatforms(log: Logger): void {
  for (const p of PLATFORMS) {
    const missing = p.keys.filter((k) => !process.env[k]);
    if (missing.length) log.info(`${p.name} not configured`, { missing });
  }
}

export async function main(): Promise<void> {
  loadDotEnv();
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL);
  const policy = loadPolicy(env, (m) => log.warn(m));
  const app = await createApp({ databaseUrl: env.DATABASE_URL, policy, notifier: new UnconfiguredNotifier(), clock: systemClock, log });
  reportPlatforms(log);
  const resumed = await app.dispatcher.resumeUnfinished();
  if (resumed) log.info('resumed unfinished inbound events', { count: resumed });

  const server: Server = createServer({ dataSource: app.dataSource, log }).listen(env.PORT, () =>
    log.info('contract-bot listening', { port: env.PORT, policy: policy.file, database: env.DATABASE_URL.split(':')[0] }),
  );
  const outboxTimer = setInterval(() => {
    app.outbox.deliverDue().catch((error) => log.error('outbox run failed', { error: String(error) }));
  }, 1000);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    clearInterval(outboxTimer);
    await new Promise<void>((resolve) => server.close(() => resolve()));
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
