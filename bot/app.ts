// Builds the bot's core from configuration: database, directory, use-case deps, dispatch, outbox.
// Used by main.ts (the server), the console transport, and the tests.

import type { DataSource } from 'typeorm';
import type { Deps } from '../handlers/context';
import { WorkingCalendar } from '../handlers/domain/calendar';
import { Directory } from '../handlers/domain/directory';
import { recipientKey, type Clock, type Notifier, type OutboxRecord, type UnitOfWork } from '../handlers/ports';
import { openDatabase } from '../storage/data-source';
import { syncDirectory } from '../storage/directory-sync';
import { createInboxStore, createOutboxStore, createRepositories } from '../storage/repositories';
import { createUnitOfWork } from '../storage/unit-of-work';
import type { Policy } from './config';
import { Dispatcher } from './dispatch';
import type { Logger } from './logger';
import { OutboxDispatcher, type OutboxDispatcherOptions } from './outbox-dispatcher';

export interface AppOptions {
  databaseUrl: string;
  policy: Policy;
  notifier: Notifier;
  clock: Clock;
  log: Logger;
  outbox?: OutboxDispatcherOptions;
}

export interface App {
  dataSource: DataSource;
  uow: UnitOfWork;
  deps: Deps;
  dispatcher: Dispatcher;
  outbox: OutboxDispatcher;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/** An urgent note to every admin that a message was given up; never about such a note itself. */
async function tellAdmins(uow: UnitOfWork, deps: Deps, clock: Clock, message: OutboxRecord, error: string): Promise<void> {
  if (message.dedupeKey.startsWith('outbox-dead:')) return;
  const text = `消息发送失败已放弃（${message.attempts + 1} 次尝试）：${message.dedupeKey} → ${recipientKey(message.to)}\n最后错误：${error.slice(0, 300)}\n发送「发送状态」查看待发、失败和放弃的消息。`;
  await uow.run(async (tx) => {
    for (const admin of deps.directory.holdersOf('admin')) {
      await deps.repos.outbox.enqueue(tx, { dedupeKey: `outbox-dead:${message.id}:${admin.id}`, to: { kind: 'person', personId: admin.id }, views: [{ type: 'text', text }], urgent: true }, clock.now());
    }
  });
}

export async function createApp(options: AppOptions): Promise<App> {
  const { dataSource, kind } = await openDatabase(options.databaseUrl);
  const uow = createUnitOfWork(dataSource, kind);
  await syncDirectory(uow, options.policy.people);
  const deps: Deps = {
    repos: createRepositories(),
    directory: new Directory(options.policy.people),
    policy: options.policy.workflow,
    calendar: new WorkingCalendar(options.policy.calendar),
  };
  const dispatcher = new Dispatcher({ workflow: deps, uow, inbox: createInboxStore(), clock: options.clock, log: options.log });
  const outbox = new OutboxDispatcher(uow, createOutboxStore(), options.notifier, options.clock, options.log, {
    maxAttempts: options.policy.outbox.maxAttempts,
    quietHours: options.policy.outbox.quietHours ? deps.calendar : undefined,
    perMinute: options.policy.outbox.perMinute,
    claimMs: options.policy.outbox.claimSeconds * 1000,
    onDead: (message, error) => tellAdmins(uow, deps, options.clock, message, error),
    ...options.outbox,
  });
  return {
    dataSource,
    uow,
    deps,
    dispatcher,
    outbox,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
