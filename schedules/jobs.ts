// The scheduled jobs: each a thin call into a use-case with `now`, then delivery of what it queued.

import { SYSTEM, type Deps } from '../handlers/context';
import type { ReminderPolicy, UnitOfWork } from '../handlers/ports';
import { remindOverdueApprovals } from '../handlers/reminders';
import type { Job } from './scheduler';

export interface JobDeps {
  uow: UnitOfWork;
  workflow: Deps;
  /** Delivers the outbox (what the job queued goes out at once, within the outbox's limits). */
  deliver(): Promise<unknown>;
}

export function approvalRemindersJob(d: JobDeps, reminders: ReminderPolicy): Job {
  return {
    name: 'approval-reminders',
    cron: '* * * * *',
    leaseMs: 5 * 60_000,
    async run(now) {
      await d.uow.run((tx) => remindOverdueApprovals(d.workflow, { tx, actor: SYSTEM, now, platform: 'system' }, reminders));
      await d.deliver();
    },
  };
}
