// The scheduled jobs: each a thin call into a use-case with `now`, then delivery of what it queued.

import { SYSTEM, type Deps } from '../handlers/context';
import { contractExpiryNotices, dailyDigest, nudgeFollowUps, weeklyFollowUpDigest } from '../handlers/notices';
import type { NoticePolicy, ReminderPolicy, UnitOfWork } from '../handlers/ports';
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

/**
 * Hourly: follow-up nudges, the weekly team digest (Mondays), contract expiry, the daily digest.
 * Each notice is once per subject and period by its outbox key, so hourly runs only catch up.
 */
export function noticesJob(d: JobDeps, notices: NoticePolicy): Job {
  return {
    name: 'notices',
    cron: '0 * * * *',
    leaseMs: 10 * 60_000,
    async run(now) {
      await d.uow.run(async (tx) => {
        const ctx = { tx, actor: SYSTEM, now, platform: 'system' };
        await nudgeFollowUps(d.workflow, ctx);
        await weeklyFollowUpDigest(d.workflow, ctx);
        await contractExpiryNotices(d.workflow, ctx, notices);
        await dailyDigest(d.workflow, ctx, notices);
      });
      await d.deliver();
    },
  };
}

/** The jobs a bot runs, configured from the policy. */
export const botJobs = (d: JobDeps, policy: { reminders: ReminderPolicy; notices: NoticePolicy }): Job[] => [
  approvalRemindersJob(d, policy.reminders),
  noticesJob(d, policy.notices),
];
