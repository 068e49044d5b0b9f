// The scheduled jobs: each a thin call into a use-case with `now`, then delivery of what it queued.

import { SYSTEM, type Deps } from '../handlers/context';
import { contractExpiryNotices, dailyDigest, nudgeFollowUps, weeklyFollowUpDigest } from '../handlers/notices';
import type { CardDeliveryStore, InboxStore, NoticePolicy, OutboxStore, ReminderPolicy, Tx, UnitOfWork } from '../handlers/ports';
import { fulfilmentAlerts } from '../handlers/fulfilment-alerts';
import { remindOverdueApprovals } from '../handlers/reminders';
import { quarterlyReport, type ReportPolicy } from '../handlers/reports';
import { checkServiceClocks } from '../handlers/service-alerts';
import { createCardDeliveryStore, createInboxStore, createOutboxStore } from '../storage/repositories';
import type { Job } from './scheduler';

export interface JobDeps {
  uow: UnitOfWork;
  workflow: Deps;
  /** Delivers the outbox (what the job queued goes out at once, within the outbox's limits). */
  deliver(): Promise<unknown>;
  /** The inbox, for its retention (default: the database's). */
  inbox?: InboxStore;
  /** The outbox and card deliveries, for their retention (default: the database's). */
  outbox?: OutboxStore;
  cards?: CardDeliveryStore;
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

export interface Retention {
  /** Content older than this many days is pruned. */
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
export function inboxRetentionJob(d: JobDeps, retention: Retention): Job {
  const inbox = d.inbox ?? createInboxStore();
  return {
    name: 'inbox-retention',
    cron: '23 * * * *',
    leaseMs: 10 * 60_000,
    run: (now) => inBatches(d, retention, (tx, before, limit) => inbox.prune(tx, before, now, limit), now),
  };
}

/**
 * Hourly: the content of messages sent before the retention period is emptied (key, recipient,
 * status and times stay, so a message is never sent twice), and the card handles no update can
 * need any more are deleted (used ones, and all but those of approval steps still pending), in
 * bounded batches. Returns how many messages and card records.
 */
export function outboxRetentionJob(d: JobDeps, retention: Retention): Job {
  const outbox = d.outbox ?? createOutboxStore();
  const cards = d.cards ?? createCardDeliveryStore();
  return {
    name: 'outbox-retention',
    cron: '37 * * * *',
    leaseMs: 10 * 60_000,
    async run(now) {
      const messages = await inBatches(d, retention, (tx, before, limit) => outbox.prune(tx, before, now, limit), now);
      let afterId = 0;
      let cardRecords = 0;
      await inBatches(d, retention, async (tx, before, limit) => {
        const batch = await cards.prune(tx, before, afterId, limit);
        afterId = batch.lastId;
        cardRecords += batch.deleted;
        return batch.looked;
      }, now);
      return { messages, cardRecords };
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

/** Runs `prune` (one short transaction each) until a batch is not full, at most `maxBatches` times. */
async function inBatches(d: JobDeps, retention: Retention, prune: (tx: Tx, before: Date, limit: number) => Promise<number>, now: Date): Promise<number> {
  const batchSize = retention.batchSize ?? 500;
  const maxBatches = retention.maxBatches ?? 200;
  const before = new Date(now.getTime() - retention.retentionDays * 86_400_000);
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await d.uow.run((tx) => prune(tx, before, batchSize));
    total += n;
    if (n < batchSize) break;
  }
  return total;
}

/** The jobs a bot runs, configured from the policy. */
export const botJobs = (
  d: JobDeps,
  policy: { reminders: ReminderPolicy; notices: NoticePolicy; inbox: { retentionDays: number }; outbox: { retentionDays: number }; report?: ReportPolicy },
): Job[] => [
  approvalRemindersJob(d, policy.reminders),
  noticesJob(d, policy.notices),
  serviceSlaJob(d),
  inboxRetentionJob(d, policy.inbox),
  outboxRetentionJob(d, policy.outbox),
  ...(policy.report?.channel ? [quarterlyReportJob(d, policy.report)] : []),
];
