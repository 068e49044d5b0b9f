// Builds the bot's core from configuration: database, directory, use-case deps, dispatch, outbox.
// Used by main.ts (the server), the console transport, and the tests.

import type { DataSource } from 'typeorm';
import type { Deps } from '../handlers/context';
import { WorkingCalendar } from '../handlers/domain/calendar';
import { Directory } from '../handlers/domain/directory';
import type { Clock, Notifier, UnitOfWork } from '../handlers/ports';
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

export async function createApp(options: AppOptions): Promise<App> {
  const { dataSource, kind } = await openDatabase(options.databaseUrl);
  await syncDirectory(dataSource, options.policy.people);
  const uow = createUnitOfWork(dataSource, kind);
  const deps: Deps = {
    repos: createRepositories(),
    directory: new Directory(options.policy.people),
    policy: options.policy.workflow,
    calendar: new WorkingCalendar(options.policy.calendar),
  };
  const dispatcher = new Dispatcher({ workflow: deps, uow, inbox: createInboxStore(), clock: options.clock, log: options.log });
  const outbox = new OutboxDispatcher(uow, createOutboxStore(), options.notifier, options.clock, options.log, options.outbox);
  return {
    dataSource,
    uow,
    deps,
    dispatcher,
    outbox,
    async close() {
      await outbox.deliverDue().catch(() => undefined);
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
