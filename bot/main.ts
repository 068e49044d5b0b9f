// Composition root: config → storage → platforms → server → schedules and outbox loop; graceful stop.

import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { CONSOLE_PATH } from './console/web';
import { DatabaseConfigError, withoutSecretsOf } from '../storage/data-source';
import { ConfigError, consoleSettings } from './config';
import { startBot } from './platforms';
import { createServer, listen, SERVER_LIMITS } from './server';

export async function main(): Promise<void> {
  const { env, log, policy, app, background, routes, stream, scheduler, jobs, console: webConsole } = await startBot({ webConsole: true });
  // No platform: a local try-out, on 127.0.0.1 unless HOST says otherwise (see consoleSettings).
  const host = consoleSettings(env).host;
  const server = await listen(createServer({ dataSource: app.dataSource, log, routes }), env.PORT, host).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE' || error.code === 'EACCES'
      ? new ConfigError(`PORT: cannot listen on port ${env.PORT} (${error.code}); choose a free port`)
      : error;
  });
  log.info('contract-bot listening', {
    port: env.PORT,
    host: host ?? 'all interfaces',
    policy: policy.file,
    database: env.DATABASE_URL.split(':')[0],
    headersTimeoutMs: SERVER_LIMITS.headersTimeoutMs,
    requestTimeoutMs: SERVER_LIMITS.requestTimeoutMs,
  });
  if (webConsole) log.info(`web console: ${consoleUrl(host, (server.address() as AddressInfo).port)}`, { consoleMode: webConsole.consoleMode, remote: webConsole.allowRemote });
  // Stream mode needs no public URL: it connects out. Connection failures are retried in the background.
  void stream?.start();
  scheduler.start(jobs);
  // At start and every second: wake the inbox worker (events accepted before a restart, left by an
  // instance that died, or waiting for a retry), then deliver the outbox. Both runs are single-flight.
  const wake = () => {
    background.track('inbox worker', app.worker.wake());
    app.outbox.deliverDue().catch((error) => log.error('outbox run failed', { error: String(error) }));
  };
  wake();
  const outboxTimer = setInterval(wake, 1000);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    clearInterval(outboxTimer);
    await scheduler.stop();
    stream?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.dispatcher.close();
    await app.worker.stop();
    await background.idle();
    await app.outbox.deliverDue().catch((error) => log.error('last outbox run failed', { error: String(error) }));
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** Where to open the console: this machine's name unless the server listens on one other address only. */
export function consoleUrl(host: string | undefined, port: number): string {
  const wildcard = !host || host === '0.0.0.0' || host === '::' || /^(127\.|localhost$|::1$)/.test(host);
  return `http://${wildcard ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}${CONSOLE_PATH}`;
}

/**
 * What to print when start-up fails: one line for a configuration mistake (it names the variable
 * and what to do); the stack for anything else, a real fault. Never the database password.
 */
export function startupFailure(error: unknown, databaseUrl = process.env.DATABASE_URL ?? ''): string {
  const text =
    error instanceof ConfigError || error instanceof DatabaseConfigError
      ? `Configuration error: ${error.message.replace(/\s*\n\s*/g, ' ')}`
      : String((error as Error)?.stack ?? error);
  return databaseUrl ? withoutSecretsOf(databaseUrl, text) : text;
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${startupFailure(error)}\n`);
    process.exit(1);
  });
}
