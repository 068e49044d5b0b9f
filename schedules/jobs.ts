// The scheduled jobs: each a thin call into a use-case with `now`, then delivery of what it queued.

import { SYSTEM, type Deps } from '../handlers/context';
import { contractExpiryNotices, dailyDigest, nudgeFollowUps, weeklyFollowUpDigest } from '../handlers/notices';
import type { InboxStore, NoticePolicy, ReminderPolicy, UnitOfWork } from '../handlers/ports';
import { fulfilmentAlerts } from '../handlers/fulfilment-alerts';
import { remindOverdueApprovals } from '../handlers/reminders';
import { quarterlyReport, type ReportPolicy } from '../handlers/reports';
import { checkServiceClocks } from '../handlers/service-alerts';
import { createInboxStore } from '../storage/repositories';
import type { Job } from './scheduler';

export interface JobDeps {
  uow: UnitOfWork;
  workflow: Deps;
  /** Delivers the outbox (what the job queued goes out at once, within the outbox's limits). */
  deliver(): Promise<unknown>;
  /** The inbox, for its retention (default: the database's). */
  inbox?: InboxStore;
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
 * Hourly: follow-up nudges, the weekly team digest (Mondays), contract expiry, the daily digest,
 * fulfilment alerts (milestones due and overdue, payments overdue, problems past their deadline).
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
        await fulfilmentAlerts(d.workflow, ctx);
      });
      await d.deliver();
    },
  };
}

/**
 * Every minute: service-ticket SLA warnings and alerts (handlers/service-alerts.ts). Reads only the
 * tickets whose next warning or alert has come; the outbox keys make a rerun or a catch-up harmless.
 */
export function serviceSlaJob(d: JobDeps): Job {
  return {
    name: 'service-sla',
    cron: '* * * * *',
    leaseMs: 5 * 60_000,
    async run(now) {
      const sent = await d.uow.run((tx) => checkServiceClocks(d.workflow, { tx, actor: SYSTEM, now, platform: 'system' }));
      await d.deliver();
      return sent;
    },
  };
}

export interface InboxRetention {
  /** Payloads of events received longer ago than this are replaced by a stub. */
  retentionDays: number;
  /** Rows per transaction, and transactions per run: a run stays short, the rest waits an hour. */
  batchSize?: number;
  maxBatches?: number;
}

/**
 * Hourly: the content of inbound events past the retention period is pruned, in bounded batches
 * (one short transaction each). Keys, status and times stay, so a late redelivery is still a duplicate.
 * Returns how many rows were pruned.
 */
export function inboxRetentionJob(d: JobDeps, retention: InboxRetention): Job {
  const inbox = d.inbox ?? createInboxStore();
  const batchSize = retention.batchSize ?? 500;
  const maxBatches = retention.maxBatches ?? 200;
  return {
    name: 'inbox-retention',
    cron: '23 * * * *',
    leaseMs: 10 * 60_000,
    async run(now) {
      const before = new Date(now.getTime() - retention.retentionDays * 86_400_000);
      let pruned = 0;
      for (let i = 0; i < maxBatches; i++) {
        const n = await d.uow.run((tx) => inbox.prune(tx, before, now, batchSize));
        pruned += n;
        if (n < batchSize) break;
      }
      return pruned;
    },
  };
}

/**
 * Hourly: the previous quarter's report to the report channel, on the first working day of a quarter
 * (once: the outbox key names the quarter; a later hour or instance finds it queued already).
 */
export function quarterlyReportJob(d: JobDeps, report: ReportPolicy): Job {
  return {
    name: 'quarterly-report',
    cron: '7 * * * *',
    leaseMs: 10 * 60_000,
    async run(now) {
      const sent = await d.uow.run((tx) => quarterlyReport(d.workflow, { tx, actor: SYSTEM, now, platform: 'system' }, report));
      await d.deliver();
      return sent;
    },
  };
}

/** The jobs a bot runs, configured from the policy. */
export const botJobs = (
  d: JobDeps,
  policy: { reminders: ReminderPolicy; notices: NoticePolicy; inbox: { retentionDays: number }; report?: ReportPolicy },
): Job[] => [
  approvalRemindersJob(d, policy.reminders),
  noticesJob(d, policy.notices),
  serviceSlaJob(d),
  inboxRetentionJob(d, policy.inbox),
  ...(policy.report?.channel ? [quarterlyReportJob(d, policy.report)] : []),
];
