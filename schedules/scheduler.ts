// Runs jobs on node-cron schedules in the policy timezone. A run never overlaps the previous one
// (noOverlap) and takes a lease row first, so among several bot instances one runs each job.
// Jobs handle everything due up to `now` (node-cron does not re-run a missed execution).

import cron, { type ScheduledTask } from 'node-cron';
import { randomUUID } from 'node:crypto';
import type { Clock, LeaseStore, UnitOfWork } from '../handlers/ports';

export interface Job {
  name: string;
  /** node-cron expression, e.g. `* * * * *` for every minute. */
  cron: string;
  /** Longest a run may take; another instance may take the job over after that. */
  leaseMs: number;
  run(now: Date): Promise<unknown>;
}

export interface SchedulerDeps {
  uow: UnitOfWork;
  leases: LeaseStore;
  clock: Clock;
  timezone: string;
  log: { info(m: string, f?: Record<string, unknown>): void; error(m: string, f?: Record<string, unknown>): void };
  holder?: string;
  /** Told of each run (metrics): ran and finished, failed, or skipped (another instance holds the lease). */
  onRun?: (job: string, outcome: 'ok' | 'failed' | 'skipped', seconds: number) => void;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  /** Runs in progress, so that stop() can wait for them. */
  private readonly running = new Set<Promise<boolean>>();
  readonly holder: string;

  constructor(private readonly d: SchedulerDeps) {
    this.holder = d.holder ?? `scheduler-${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  /** Runs a job once now if this instance gets its lease; returns whether it ran. */
  runOnce(job: Job): Promise<boolean> {
    const run = this.leasedRun(job).finally(() => this.running.delete(run));
    this.running.add(run);
    return run;
  }

  private async leasedRun(job: Job): Promise<boolean> {
    const now = this.d.clock.now();
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const got = await this.d.uow.run((tx) => this.d.leases.acquire(tx, job.name, this.holder, new Date(now.getTime() + job.leaseMs), now));
    if (!got) {
      this.d.onRun?.(job.name, 'skipped', seconds());
      return false;
    }
    let outcome: 'ok' | 'failed' = 'failed';
    try {
      await job.run(now);
      outcome = 'ok';
    } finally {
      this.d.onRun?.(job.name, outcome, seconds());
      await this.d.uow.run((tx) => this.d.leases.release(tx, job.name, this.holder));
    }
    return true;
  }

  start(jobs: Job[]): void {
    for (const job of jobs) {
      const task = cron.schedule(
        job.cron,
        () =>
          this.runOnce(job).catch((error) => this.d.log.error('job failed', { job: job.name, error: String((error as Error)?.stack ?? error) })),
        { timezone: this.d.timezone, noOverlap: true, name: job.name },
      );
      this.tasks.push(task);
    }
    this.d.log.info('schedules started', { jobs: jobs.map((j) => `${j.name} (${j.cron})`) });
  }

  /** No new runs; resolves once the runs in progress have finished. */
  async stop(): Promise<void> {
    for (const t of this.tasks) await t.destroy();
    this.tasks.length = 0;
    await Promise.allSettled([...this.running]);
  }
}
