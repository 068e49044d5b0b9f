// Read functions for the reports (product.md §7): milestones due in a period and whether each was
// delayed (the delay rate), problems raised in a period and whether/when each was resolved (the
// resolution rate), payments planned and received in a period. Periods are inclusive dates in the
// policy timezone. Each read is bounded (REPORT_ROWS); `truncated` says when a period held more.

import { DateTime } from 'luxon';
import { addDays, todayIn } from './domain/dates';
import { daysLate, wasDelayed } from './domain/fulfilment';
import type { IsoDate } from './domain/types';
import type { Ctx, Deps } from './context';

/** Rows a report reads per list at most. */
export const REPORT_ROWS = 10_000;

export interface Period {
  from: IsoDate;
  to: IsoDate;
}

export interface MilestoneDue {
  contractNo: string;
  name: string;
  /** The first plan: what "due in the period" is measured by. */
  originalDate: IsoDate;
  plannedDate: IsoDate;
  doneDate: IsoDate | null;
  delayCount: number;
  /** Moved by 延期, done after the original plan, or still open past it. */
  delayed: boolean;
  daysLate: number;
}

/** Whose contracts a read covers: these owners' (a report's scope), or null for everyone's. */
export type Owners = readonly string[] | null;

/** Milestones originally due in the period (delay rate = delayed / all). */
export async function milestonesDueIn(
  deps: Deps,
  ctx: Ctx,
  period: Period,
  owners: Owners = null,
): Promise<{ milestones: MilestoneDue[]; truncated: boolean }> {
  const today = todayIn(ctx.now, deps.policy.timezone);
  const rows = await deps.repos.milestones.listOriginallyDueIn(ctx.tx, period.from, period.to, REPORT_ROWS, owners);
  return {
    truncated: rows.length === REPORT_ROWS,
    milestones: rows.map((m) => {
      const dates = { ...m, delayCount: m.delays.length };
      return {
        contractNo: m.contract.number,
        name: m.name,
        originalDate: m.originalDate,
        plannedDate: m.plannedDate,
        doneDate: m.doneDate,
        delayCount: m.delays.length,
        delayed: wasDelayed(dates, today),
        daysLate: daysLate({ ...dates, plannedDate: m.originalDate }, today),
      };
    }),
  };
}

export interface ProblemRaised {
  number: string;
  contractNo: string;
  raisedAt: Date;
  deadlineAt: Date;
  resolvedAt: Date | null;
  /** Resolved by its deadline. */
  resolvedOnTime: boolean;
}

/** The instants a period of local dates covers: [from 00:00, the day after `to` 00:00). */
function instants(deps: Deps, period: Period): [Date, Date] {
  const zone = deps.policy.timezone;
  const start = DateTime.fromISO(period.from, { zone }).startOf('day').toJSDate();
  const end = DateTime.fromISO(addDays(period.to, 1), { zone }).startOf('day').toJSDate();
  return [start, end];
}

/** Problems raised in the period (resolution rate = resolved / all, on time = by the deadline). */
export async function problemsRaisedIn(
  deps: Deps,
  ctx: Ctx,
  period: Period,
  owners: Owners = null,
): Promise<{ problems: ProblemRaised[]; truncated: boolean }> {
  const [from, to] = instants(deps, period);
  const rows = await deps.repos.problems.listRaisedIn(ctx.tx, from, to, REPORT_ROWS, owners);
  return {
    truncated: rows.length === REPORT_ROWS,
    problems: rows.map((p) => ({
      number: p.number,
      contractNo: p.contract.number,
      raisedAt: p.raisedAt,
      deadlineAt: p.deadlineAt,
      resolvedAt: p.resolvedAt,
      resolvedOnTime: p.resolvedAt !== null && p.resolvedAt <= p.deadlineAt,
    })),
  };
}

export interface PaymentDue {
  contractNo: string;
  plannedDate: IsoDate;
  amountFen: number;
  receivedFen: number;
}

export interface PaymentReceived {
  contractNo: string;
  receivedDate: IsoDate;
  amountFen: number;
}

/** Payment nodes planned in the period (with what of each was received) and the receipts dated in it. */
export async function paymentsIn(
  deps: Deps,
  ctx: Ctx,
  period: Period,
): Promise<{ due: PaymentDue[]; received: PaymentReceived[]; truncated: boolean }> {
  const nodes = await deps.repos.payments.listNodesPlannedIn(ctx.tx, period.from, period.to, REPORT_ROWS);
  const receipts = await deps.repos.payments.listReceiptsIn(ctx.tx, period.from, period.to, REPORT_ROWS);
  return {
    truncated: nodes.length === REPORT_ROWS || receipts.length === REPORT_ROWS,
    due: nodes.map((n) => ({ contractNo: n.contract.number, plannedDate: n.plannedDate, amountFen: n.amountFen, receivedFen: n.receivedFen })),
    received: receipts.map((r) => ({ contractNo: r.contract.number, receivedDate: r.receivedDate, amountFen: r.amountFen })),
  };
}
