// Prometheus metrics (prom-client), one registry per bot. The hot paths only bump counters and
// observe histograms (a few map look-ups); what needs a query (outbox depth, inbox backlog) is read
// when Prometheus scrapes, with one indexed COUNT each.

import { timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type InboundOutcome = 'accepted' | 'duplicate' | 'refused' | 'failed';

/** What the scrape-time gauges read from the database. */
export interface BacklogReader {
  /** Outbox messages waiting to be sent (status pending). */
  outboxPending(): Promise<number>;
  /** Inbound events accepted and not processed yet (status received). */
  inboxBacklog(): Promise<number>;
}

export class BotMetrics {
  readonly registry = new Registry();
  private readonly inbound: Counter<'platform' | 'outcome'>;
  private readonly commandSeconds: Histogram<'kind' | 'outcome'>;
  private readonly decisionsTotal: Counter<'decision'>;
  private readonly sendsTotal: Counter<'platform'>;
  private readonly sendFailuresTotal: Counter<'platform' | 'final'>;
  private readonly jobRuns: Counter<'job' | 'outcome'>;
  private readonly jobSeconds: Histogram<'job'>;
  private backlog: BacklogReader | null = null;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'contract_bot_' });
    this.inbound = new Counter({
      name: 'contract_bot_inbound_events_total',
      help: 'Inbound platform events by platform and outcome (accepted, duplicate, refused at the edge, failed = given up or not recorded)',
      labelNames: ['platform', 'outcome'],
      registers,
    });
    this.commandSeconds = new Histogram({
      name: 'contract_bot_command_duration_seconds',
      help: 'Time to process an inbound event (command or card action), its transaction included',
      labelNames: ['kind', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.decisionsTotal = new Counter({
      name: 'contract_bot_decisions_total',
      help: 'Approval decisions recorded, by decision',
      labelNames: ['decision'],
      registers,
    });
    this.sendsTotal = new Counter({ name: 'contract_bot_sends_total', help: 'Outbox messages delivered, by platform', labelNames: ['platform'], registers });
    this.sendFailuresTotal = new Counter({
      name: 'contract_bot_send_failures_total',
      help: 'Failed delivery attempts, by platform; final="true" when the message was given up (dead)',
      labelNames: ['platform', 'final'],
      registers,
    });
    this.jobRuns = new Counter({ name: 'contract_bot_job_runs_total', help: 'Scheduled job runs by job and outcome', labelNames: ['job', 'outcome'], registers });
    this.jobSeconds = new Histogram({
      name: 'contract_bot_job_duration_seconds',
      help: 'Scheduled job run time',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    });
    const reader = () => this.backlog;
    new Gauge({
      name: 'contract_bot_outbox_pending',
      help: 'Outbox messages waiting to be sent (read at scrape time)',
      registers,
      async collect() {
        const r = reader();
        if (r) this.set(await r.outboxPending());
      },
    });
    new Gauge({
      name: 'contract_bot_inbox_backlog',
      help: 'Inbound events accepted and not processed yet (read at scrape time)',
      registers,
      async collect() {
        const r = reader();
        if (r) this.set(await r.inboxBacklog());
      },
    });
  }

  /** Where the scrape-time gauges read from (set once the database is open). */
  readBacklogFrom(reader: BacklogReader): void {
    this.backlog = reader;
  }

  inboundEvent(platform: string, outcome: InboundOutcome, n = 1): void {
    if (n > 0) this.inbound.inc({ platform, outcome }, n);
  }

  command(kind: string, outcome: 'ok' | 'refused' | 'error', seconds: number): void {
    this.commandSeconds.observe({ kind, outcome }, seconds);
  }

  decision(decision: string): void {
    this.decisionsTotal.inc({ decision });
  }

  sent(platform: string): void {
    this.sendsTotal.inc({ platform });
  }

  sendFailed(platform: string, final: boolean): void {
    this.sendFailuresTotal.inc({ platform, final: String(final) });
  }

  jobRun(job: string, outcome: 'ok' | 'failed' | 'skipped', seconds: number): void {
    this.jobRuns.inc({ job, outcome });
    if (outcome !== 'skipped') this.jobSeconds.observe({ job }, seconds);
  }

  /** The exposition text and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Compares a presented token with the configured one in constant time (lengths may differ). */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  // Compare equal-length buffers always, so the time does not tell the length either.
  const same = timingSafeEqual(Buffer.concat([a, Buffer.alloc(Math.max(0, b.length - a.length))]).subarray(0, b.length), b);
  return same && a.length === b.length;
}

/**
 * GET /metrics: with a token, a Bearer token is required (401 without one, 403 for a wrong one);
 * without a token, only for a separate listener bound to a private address (see main.ts).
 */
export function metricsRoute(metrics: BotMetrics, token?: string) {
  return (router: Router): void => {
    router.get('/metrics', async (ctx: Context) => {
      if (token) {
        const header = ctx.get('authorization');
        const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
        if (!presented) {
          ctx.status = 401;
          ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
          ctx.body = '';
          return;
        }
        if (!tokenMatches(presented, token)) {
          ctx.status = 403;
          ctx.body = '';
          return;
        }
      }
      const { contentType, body } = await metrics.expose();
      ctx.type = contentType;
      ctx.body = body;
    });
  };
}
