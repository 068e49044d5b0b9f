// Read functions for the reports (product.md §7): service tickets of a period by priority with their
// response and resolution times and whether each met its SLA, and the satisfaction ratings of a period.
// Bounded reads (batches by id); the report decides how to aggregate and show them.

import { JOB_BATCH } from './notices';
import { clockHoursBetween, metDeadline } from './domain/service-sla';
import type { Ctx, Deps } from './context';
import type { Owners } from './fulfilment-reads';
import type { ServiceTicketRecord, TicketPriority, TicketRatings } from './ports';
import { RATING_KEYS } from './service';

export interface TicketFigure {
  number: string;
  priority: TicketPriority;
  openedAt: Date;
  /** Hours from opening to the first response / the resolution, counted the ticket's clock's way; null while not done. */
  responseHours: number | null;
  resolutionHours: number | null;
  /** Met its deadline (true), missed it (false: done late, or still open past it), or not decided yet (null). */
  responseMet: boolean | null;
  resolutionMet: boolean | null;
}

export interface RatingFigure {
  number: string;
  priority: TicketPriority;
  ratedAt: Date;
  ratings: TicketRatings;
}

async function* batches(read: (afterId: number) => Promise<ServiceTicketRecord[]>): AsyncGenerator<ServiceTicketRecord> {
  for (let after = 0; ; ) {
    const batch = await read(after);
    yield* batch;
    if (batch.length < JOB_BATCH) return;
    after = batch[batch.length - 1]!.id;
  }
}

/** Tickets opened in [from, to), oldest id first, with their times and SLA outcomes as of `ctx.now`; `owners`: of their contracts (null: all). */
export async function ticketFigures(deps: Deps, ctx: Ctx, from: Date, to: Date, owners: Owners = null): Promise<TicketFigure[]> {
  const out: TicketFigure[] = [];
  const hours = (t: ServiceTicketRecord, done: Date | null) => (done ? clockHoursBetween(deps.calendar, t.clock, t.openedAt, done) : null);
  for await (const t of batches((after) => deps.repos.serviceTickets.listOpenedBetween(ctx.tx, from, to, after, JOB_BATCH, owners))) {
    out.push({
      number: t.number,
      priority: t.priority,
      openedAt: t.openedAt,
      responseHours: hours(t, t.respondedAt),
      resolutionHours: hours(t, t.resolvedAt),
      responseMet: metDeadline(t.respondDue, t.respondedAt, ctx.now),
      resolutionMet: metDeadline(t.resolveDue, t.resolvedAt, ctx.now),
    });
  }
  return out;
}

/** Ratings given in [from, to), oldest id first; `owners` as for ticketFigures. */
export async function ratingFigures(deps: Deps, ctx: Ctx, from: Date, to: Date, owners: Owners = null): Promise<RatingFigure[]> {
  const out: RatingFigure[] = [];
  for await (const t of batches((after) => deps.repos.serviceTickets.listRatedBetween(ctx.tx, from, to, after, JOB_BATCH, owners))) {
    if (t.ratings && t.ratedAt) out.push({ number: t.number, priority: t.priority, ratedAt: t.ratedAt, ratings: t.ratings });
  }
  return out;
}

/** The average of each dimension (null when nothing was rated). */
export function averageRatings(figures: readonly RatingFigure[]): Record<keyof TicketRatings, number> | null {
  if (figures.length === 0) return null;
  const sums = Object.fromEntries(RATING_KEYS.map((k) => [k, 0])) as Record<keyof TicketRatings, number>;
  for (const f of figures) for (const k of RATING_KEYS) sums[k] += f.ratings[k];
  return Object.fromEntries(RATING_KEYS.map((k) => [k, sums[k] / figures.length])) as Record<keyof TicketRatings, number>;
}
