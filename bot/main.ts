// Composition root: config → storage → platforms → server → schedules and outbox loop; graceful stop.

import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { CONSOLE_PATH } from './console/web';
import { DatabaseConfigError, withoutSecretsOf } from '../storage/data-source';
import type { Server } from 'node:http';
import { ConfigError, consoleSettings, type Env } from './config';
import { metricsRoute } from './metrics';
import { startBot } from './platforms';
import { createServer, listen, RequestGate, SERVER_LIMITS } from './server';

export async function main(): Promise<void> {
  const { env, log, policy, app, background, routes, stream, scheduler, jobs, metrics, directoryJob, directoryWatcher, console: webConsole } = await startBot({ webConsole: true });
  let stopping = false;
  const gate = new RequestGate();
  const placement = metricsPlacement(env);
  const publicRoutes = placement === 'public' ? [...routes, metricsRoute(metrics, env.METRICS_TOKEN)] : routes;
  // No platform: a local try-out, on 127.0.0.1 unless HOST says otherwise (see consoleSettings).
  const host = consoleSettings(env).host;
  const server = await listenOrExplain(createServer({ dataSource: app.dataSource, log, routes: publicRoutes, gate }), env.PORT, 'PORT', host);
  const metricsServer =
    placement === 'separate'
      ? await listenOrExplain(createServer({ dataSource: app.dataSource, log, routes: [metricsRoute(metrics, env.METRICS_TOKEN)] }), env.METRICS_PORT!, 'METRICS_PORT', env.METRICS_HOST)
      : undefined;
  log.info('contract-bot listening', {
    port: env.PORT,
    host: host ?? 'all interfaces',
    policy: policy.file,
    database: env.DATABASE_URL.split(':')[0],
    metrics: placement === 'separate' ? `${env.METRICS_HOST}:${env.METRICS_PORT}` : placement === 'public' ? 'on PORT with METRICS_TOKEN' : 'off',
    stopDeadlineSeconds: env.STOP_DEADLINE_SECONDS,
    headersTimeoutMs: SERVER_LIMITS.headersTimeoutMs,
    requestTimeoutMs: SERVER_LIMITS.requestTimeoutMs,
  });
  if (webConsole) log.info(`web console: ${consoleUrl(host, (server.address() as AddressInfo).port)}`, { consoleMode: webConsole.consoleMode, remote: webConsole.allowRemote });
  // Stream mode needs no public URL: it connects out. Connection failures are retried in the background.
  void stream?.start();
  scheduler.start(directoryJob ? [...jobs, directoryJob] : jobs);
  directoryWatcher.start(); // picks up directory syncs run by another instance or `npm run sync-directory`
  // At start and every second: wake the inbox worker (events accepted before a restart, left by an
  // instance that died, or waiting for a retry), then deliver the outbox. Both runs are single-flight.
  const wake = () => {
    background.track('inbox worker', app.worker.wake());
    app.outbox.deliverDue().catch((error) => log.error('outbox run failed', { error: String(error) }));
  };
  wake();
  const outboxTimer = setInterval(wake, 1000);

  /**
   * Graceful stop within STOP_DEADLINE_SECONDS: take no new events (HTTP 503, Stream closed), no new
   * job runs; answer the requests in flight; process the events accepted so far; hand back the ones
   * left (if the deadline came first); flush the outbox; close the database; exit 0. Past the
   * deadline, or on a second signal, exit 1 at once: what was accepted is in the inbox, and the next
   * start processes it.
   */
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    const deadline = Date.now() + env.STOP_DEADLINE_SECONDS * 1000;
    setTimeout(() => {
      log.error('stop deadline passed: exiting with work left (it is resumed at the next start)', { deadlineSeconds: env.STOP_DEADLINE_SECONDS });
      process.exit(1);
    }, env.STOP_DEADLINE_SECONDS * 1000).unref();
    const left = () => Math.max(0, deadline - Date.now());
    log.info('stopping', { signal, deadlineSeconds: env.STOP_DEADLINE_SECONDS });
    clearInterval(outboxTimer);
    // New callbacks are answered 503 while the port still listens (a proxy sees an answer, not a
    // refused connection); the requests in flight finish (a quarter of the time at most).
    gate.close();
    directoryWatcher.stop();
    stream?.stop();
    await scheduler.stop(); // no new runs; the one in progress finishes
    await within(gate.drained(), left() / 4);
    await app.dispatcher.close();
    // Events accepted and acknowledged: processed now while time allows (half of what is left) …
    await within(app.worker.wake(), left() / 2);
    await app.worker.stop();
    // … and what is left goes back to the inbox for the next start, without waiting for its claim.
    const released = await app.dispatcher.releaseUnprocessed();
    if (released) log.warn('events left for the next start', { count: released });
    await within(background.idle(), left() / 2);
    // Replies and notifications queued so far go out (those that are due: quiet hours still hold).
    const flushed = await app.outbox.deliverDue().catch((error) => (log.error('last outbox run failed', { error: String(error) }), 0));
    for (const s of [server, metricsServer]) {
      s?.close();
      s?.closeAllConnections();
    }
    await app.close();
    log.info('stopped', { signal, flushed, seconds: Math.round((env.STOP_DEADLINE_SECONDS * 1000 - left()) / 100) / 10 });
    process.exit(0);
  };
  const onSignal = (signal: string) =>
    void stop(signal).catch((error) => {
      log.error('stop failed', { error: String((error as Error)?.stack ?? error) });
      process.exit(1);
    });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Where GET /metrics is served: on METRICS_PORT when given (its own listener, loopback unless
 * METRICS_HOST says otherwise; a token is asked for if one is set); else on the public port only
 * with METRICS_TOKEN; else nowhere.
 */
export function metricsPlacement(env: Pick<Env, 'METRICS_PORT' | 'METRICS_TOKEN'>): 'separate' | 'public' | 'off' {
  if (env.METRICS_PORT) return 'separate';
  return env.METRICS_TOKEN ? 'public' : 'off';
}

/** Resolves 'done' when `work` settles, 'late' after `ms`. */
function within(work: Promise<unknown>, ms: number): Promise<'done' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  return Promise.race([work.then(() => 'done' as const, () => 'done' as const), late]).finally(() => clearTimeout(timer));
}

async function listenOrExplain(app: Parameters<typeof listen>[0], port: number, variable: string, host?: string): Promise<Server> {
  return listen(app, port, host).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
      ? new ConfigError(`${variable}: cannot listen on ${host ? `${host}:` : 'port '}${port} (${error.code}); choose a free port${host ? ' and an address of this machine' : ''}`)
      : error;
  });
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
