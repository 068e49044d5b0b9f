// Builds the bot's core from configuration: database, directory, use-case deps, dispatch, outbox.
// Used by main.ts (the server), the console transport, and the tests.

import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Deps } from '../handlers/context';
import { WorkingCalendar } from '../handlers/domain/calendar';
import { Directory } from '../handlers/domain/directory';
import { recipientKey, type Clock, type Notifier, type OutboxRecord, type UnitOfWork } from '../handlers/ports';
import { openDatabase } from '../storage/data-source';
import { storedPeople } from '../handlers/directory-sync';
import { createDirectoryStore } from '../storage/directory-sync';
import { createInboxStore, createOutboxStore, createRepositories } from '../storage/repositories';
import { createBacklogReader } from '../storage/repositories/backlog';
import { createUnitOfWork } from '../storage/unit-of-work';
import { startWalCheckpointer } from '../storage/wal-checkpointer';
import { ADMIN_ALERT_PREFIXES, alertAdmins } from './admin-alerts';
import type { Policy } from './config';
import { Dispatcher, type DispatchDeps } from './dispatch';
import { InboxWorker, type InboxWorkerOptions } from './inbox-worker';
import type { Logger } from './logger';
import { LoopSlices } from './loop-slices';
import type { BotMetrics } from './metrics';
import { NotifierRouter } from './notifier-router';
import { OutboxDispatcher, type DeliveryObserver, type OutboxDispatcherOptions } from './outbox-dispatcher';

export interface AppOptions {
  databaseUrl: string;
  policy: Policy;
  notifier: Notifier;
  clock: Clock;
  log: Logger;
  /** Counters for /metrics (the server's); none in the console and most tests. */
  metrics?: BotMetrics;
  outbox?: OutboxDispatcherOptions;
  /** Overrides of the inbox settings (tests). */
  inbox?: Partial<Pick<DispatchDeps, 'holder' | 'claimMs' | 'maxAttempts' | 'retryBaseMs'>>;
  /** Overrides of the inbox worker's batch size, concurrency and events per step (tests). */
  worker?: Partial<Pick<InboxWorkerOptions, 'batchSize' | 'concurrency' | 'perStep'>>;
}

export interface App {
  /** This instance's name in inbox and outbox claims. */
  instance: string;
  dataSource: DataSource;
  uow: UnitOfWork;
  deps: Deps;
  dispatcher: Dispatcher;
  /** Processes the accepted events waiting in the inbox; platforms wake it after accepting. */
  worker: InboxWorker;
  outbox: OutboxDispatcher;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/** An urgent note to every admin that a message was given up; never about such a note itself. */
async function tellAdmins(uow: UnitOfWork, deps: Deps, clock: Clock, message: OutboxRecord, error: string): Promise<void> {
  if (ADMIN_ALERT_PREFIXES.some((p) => message.dedupeKey.startsWith(p))) return;
  const text = `消息发送失败已放弃（${message.attempts + 1} 次尝试）：${message.dedupeKey} → ${recipientKey(message.to)}\n最后错误：${error.slice(0, 300)}\n发送「发送状态」查看待发、失败和放弃的消息。`;
  await uow.run((tx) => alertAdmins(tx, deps, `outbox-dead:${message.id}`, text, clock.now()));
}

/** This instance's name in the claims it takes on inbox and outbox rows. */
export const newInstanceId = (): string => `bot-${process.pid}-${randomUUID().slice(0, 8)}`;

/** Sends and failures counted by the platform that carries the message. */
function deliveryMetrics(metrics: BotMetrics, notifier: Notifier): DeliveryObserver {
  const platformOf = (m: OutboxRecord) => (notifier instanceof NotifierRouter ? notifier.platformOf(m) : 'unknown');
  return {
    sent: (m) => metrics.sent(platformOf(m)),
    failed: (m, final) => metrics.sendFailed(platformOf(m), final),
  };
}

export async function createApp(options: AppOptions): Promise<App> {
  const { dataSource, kind } = await openDatabase(options.databaseUrl);
  const uow = createUnitOfWork(dataSource, kind);
  const checkpointer = kind === 'sqlite' ? await startWalCheckpointer(dataSource, (message) => options.log.error(message)) : null;
  // The policy's people and those earlier directory syncs stored, mirrored into the person tables.
  const store = createDirectoryStore();
  const people = await uow.run(async (tx) => {
    const all = await storedPeople(tx, { store, policyPeople: options.policy.people, defaultRole: options.policy.directorySync.defaultRole });
    await store.mirrorPeople(tx, all);
    return all;
  });
  const deps: Deps = {
    repos: createRepositories(),
    directory: new Directory(people),
    policy: options.policy.workflow,
    calendar: new WorkingCalendar(options.policy.calendar),
    service: options.policy.service,
  };
  // One name per instance for every claim it takes (inbox events, outbox messages).
  const instance = options.inbox?.holder ?? options.outbox?.holder ?? newInstanceId();
  const dispatcher = new Dispatcher({
    workflow: deps,
    uow,
    durableUow: uow.durable,
    inbox: createInboxStore(),
    clock: options.clock,
    log: options.log,
    holder: instance,
    claimMs: options.policy.inbox.claimSeconds * 1000,
    maxAttempts: options.policy.inbox.maxAttempts,
    metrics: options.metrics,
    ...options.inbox,
  });
  // Processing and delivery share the event loop with accepting in slices (LoopSlices): at most about
  // 1 ms of their steps per turn of the loop, and one step only while accepts wait for their commit.
  const slices = new LoopSlices({ sliceMs: 1, urgent: () => dispatcher.acceptsPending > 0 });
  const outbox = new OutboxDispatcher(uow, createOutboxStore(), options.notifier, options.clock, options.log, {
    holder: instance,
    slices,
    maxAttempts: options.policy.outbox.maxAttempts,
    quietHours: options.policy.outbox.quietHours ? deps.calendar : undefined,
    perMinute: options.policy.outbox.perMinute,
    claimMs: options.policy.outbox.claimSeconds * 1000,
    onDead: (message, error) => tellAdmins(uow, deps, options.clock, message, error),
    observe: options.metrics && deliveryMetrics(options.metrics, options.notifier),
    ...options.outbox,
  });
  options.metrics?.readBacklogFrom(createBacklogReader(dataSource));
  const worker = new InboxWorker({
    dispatcher,
    deliver: () => outbox.deliverDue(),
    log: options.log,
    // SQLite has one connection (transactions take turns; 4 events started together share one
    // commit); a pool serves a few at once.
    concurrency: kind === 'sqlite' ? 1 : 4,
    perStep: kind === 'sqlite' ? 4 : 1,
    slices,
    ...options.worker,
  });
  return {
    instance,
    dataSource,
    uow,
    deps,
    dispatcher,
    worker,
    outbox,
    async close() {
      await worker.stop();
      await checkpointer?.stop();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
