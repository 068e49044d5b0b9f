// Connects the configured platforms to the core: their notifiers into the router, their inbound
// routes and Stream client for the server. Shared by the server (main.ts) and the jobs CLI.

import type Router from '@koa/router';
import fs from 'node:fs';
import { renderText } from '../cards/text';
import type { Notifier, OutboxRecord } from '../handlers/ports';
import { botJobs } from '../schedules/jobs';
import { Scheduler, type Job } from '../schedules/scheduler';
import { createLeaseStore, createOutboxStore } from '../storage/repositories';
import { downloadRoutes } from './download-links';
import { createApp, systemClock, type App } from './app';
import { BackgroundWork } from './background';
import { consoleSettings, dingtalkSettings, downloadLinkSettings, loadDotEnv, loadEnv, loadPolicy, wecomSettings, type Env, type Policy } from './config';
import { SimulatedClock } from './console/clock';
import { seedDemo } from './console/demo';
import { consoleRoutes } from './console/web';
import { WebConsoleNotifier } from './console/web-notifier';
import { connectDingtalk } from './dingtalk';
import { directorySources, directorySyncJob, DirectoryWatcher } from './directory';
import type { DingtalkStreamClient } from './dingtalk/stream';
import { LAST_OFFICIAL_YEAR } from '../handlers/domain/calendar';
import { createLogger, type Logger } from './logger';
import { BotMetrics } from './metrics';
import { NotifierRouter, type PlatformNotifier } from './notifier-router';
import { connectWecom } from './wecom';
import { WECOM_CALLBACK_PATH } from './wecom/callback';

/** OUTBOX_DRY_RUN_FILE: every message is appended to a file (JSON lines) instead of being sent. */
export class FileSinkNotifier implements PlatformNotifier, Notifier {
  readonly platform = 'file';
  constructor(private readonly file: string) {}
  canReach(): boolean {
    return true;
  }
  async deliver(message: OutboxRecord): Promise<void> {
    const line = { at: new Date().toISOString(), pid: process.pid, key: message.dedupeKey, to: message.to, text: renderText(message.views) };
    fs.appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }
}

export function connectPlatforms(options: { env: Env; app: App; policy: Policy; log: Logger; background: BackgroundWork; notifier: NotifierRouter }): {
  routes: ((router: Router) => void)[];
  stream?: DingtalkStreamClient;
} {
  const { env, app, policy, log, background, notifier } = options;
  if (env.OUTBOX_DRY_RUN_FILE) {
    log.warn('dry run: messages are written to a file, not sent', { file: env.OUTBOX_DRY_RUN_FILE });
    notifier.add(new FileSinkNotifier(env.OUTBOX_DRY_RUN_FILE));
  }
  const routes: ((router: Router) => void)[] = [];
  const links = downloadLinkSettings(env);
  if (links) routes.push(downloadRoutes({ settings: links, uow: app.uow, outbox: createOutboxStore(), clock: systemClock, log }));
  else log.info('download links off: DingTalk gets no charts or files', { needs: 'PUBLIC_URL, DOWNLOAD_LINK_SECRET' });
  const wecom = wecomSettings(env);
  if (wecom) {
    const connected = connectWecom({ settings: wecom, app, policy, clock: systemClock, log, background });
    notifier.add(connected.notifier);
    routes.push(connected.routes);
    log.info('WeCom connected', { callback: WECOM_CALLBACK_PATH, corpId: wecom.corpId, agentId: wecom.agentId });
  } else {
    log.info('WeCom not configured', { needs: 'WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_ENCODING_AES_KEY' });
  }
  const dingtalk = dingtalkSettings(env);
  if (!dingtalk) {
    log.info('DingTalk not configured', { needs: 'DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET' });
    return { routes };
  }
  const connected = connectDingtalk({ settings: dingtalk, app, policy, clock: systemClock, log, background, links });
  notifier.add(connected.notifier);
  routes.push(...connected.routes);
  log.info('DingTalk connected', { mode: dingtalk.mode, cards: dingtalk.cardTemplateId ? 'interactive' : 'markdown (no DINGTALK_CARD_TEMPLATE_ID)' });
  return { routes, stream: connected.stream };
}

export interface StartOptions {
  /** Serve the web console when its rules allow (`npm start`; not the jobs CLI, which must not swallow messages). */
  webConsole?: boolean;
  /** The environment (tests); default process.env with `.env` loaded. */
  env?: NodeJS.ProcessEnv;
  /** Real time for the console's simulated clock (tests); default Date.now. */
  realTime?: () => number;
}

/**
 * Everything a running bot needs, from the environment: config, database, platforms, and the
 * scheduled jobs with their scheduler. Used by `npm start` (main.ts) and `npm run jobs`.
 */
export async function startBot(options: StartOptions = {}) {
  if (!options.env) loadDotEnv();
  const env = loadEnv(options.env);
  const log = createLogger(env.LOG_LEVEL);
  const policy = loadPolicy(env, (m) => log.warn(m));
  warnIfHolidaysRunOut(policy, log);
  const consoleCfg = consoleSettings(env);
  const webConsole = options.webConsole === true && consoleCfg.enabled;
  // Console mode (no platform): time can be moved forward, and what is sent shows at once, even at night.
  const simulated = webConsole && consoleCfg.consoleMode ? new SimulatedClock(options.realTime) : undefined;
  const clock = simulated ?? systemClock;
  const notifier = new NotifierRouter();
  const metrics = new BotMetrics();
  const app = await createApp({ databaseUrl: env.DATABASE_URL, policy, notifier, clock, log, metrics, ...(simulated ? { outbox: { quietHours: undefined } } : {}) });
  const background = new BackgroundWork(log);
  const { routes, stream } = connectPlatforms({ env, app, policy, log, background, notifier });
  const scheduler = new Scheduler({
    uow: app.uow,
    leases: createLeaseStore(),
    clock,
    timezone: policy.workflow.timezone,
    log,
    onRun: (job, outcome, seconds) => metrics.jobRun(job, outcome, seconds),
  });
  const jobs = botJobs({ uow: app.uow, workflow: app.deps, deliver: () => app.outbox.deliverDue() }, policy);
  // Not among `jobs`: `npm run jobs` runs those back to back, and a sync reads whole directories.
  const directoryJob = policy.directorySync.enabled
    ? directorySyncJob({ app, policy, sources: directorySources(env, systemClock), clock: systemClock, log })
    : undefined;
  const directoryWatcher = new DirectoryWatcher(app, policy, log);
  if (webConsole) {
    // Last: a person a platform can reach gets the message there; the console shows the rest.
    const web = new WebConsoleNotifier(clock);
    notifier.add(web);
    routes.push(
      consoleRoutes({
        app,
        notifier: web,
        settings: consoleCfg,
        log,
        channels: Object.keys(policy.channels),
        clock,
        ...(simulated
          ? {
              time: { clock: simulated, runJobs: () => runEach(scheduler, jobs) },
              seedDemo: () => seedDemo(app, simulated).then((r) => r.summary),
            }
          : {}),
      }),
    );
  }
  return {
    env, log, policy, app, background, routes, stream, scheduler, jobs, directoryJob, directoryWatcher, metrics,
    console: webConsole ? consoleCfg : undefined,
  };
}

async function runEach(scheduler: Scheduler, jobs: Job[]): Promise<void> {
  for (const job of jobs) await scheduler.runOnce(job);
}

/** Official holidays are known through LAST_OFFICIAL_YEAR; within 60 days of its end, say what to do. */
export function warnIfHolidaysRunOut(policy: Policy, log: Logger, now = new Date()): boolean {
  if (!policy.calendar.officialHolidays) return false;
  const daysLeft = (Date.UTC(LAST_OFFICIAL_YEAR + 1, 0, 1) - now.getTime()) / 86_400_000;
  if (daysLeft > 60) return false;
  log.warn(`official Chinese holidays are known only through ${LAST_OFFICIAL_YEAR}`, {
    fix: `update the chinese-days package, or list next year's holidays and make-up workdays in calendar.extra_holidays / extra_workdays`,
  });
  return true;
}
