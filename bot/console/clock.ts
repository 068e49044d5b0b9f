// Simulated time for the web console: real time plus an offset that only grows. The console's clock
// control moves it forward so reminders and escalations can be watched without waiting for them.

import type { Clock } from '../../handlers/ports';

export class SimulatedClock implements Clock {
  private offsetMs = 0;
  private pinned: Date | undefined;

  constructor(private readonly real: () => number = Date.now) {}

  now(): Date {
    return new Date(this.pinned ?? this.real() + this.offsetMs);
  }

  /**
   * Holds time at `time` until unpinned (undefined): the demo seed writes a company's past this way,
   * each step at its own moment. Only for seeding: the bot's own work should not run meanwhile.
   */
  pin(time: Date | undefined): void {
    this.pinned = time;
  }

  /** How far simulated time is ahead of real time. */
  get aheadMs(): number {
    return this.offsetMs;
  }

  /** Moves time forward (never back: stored times would then lie in the future). */
  advance(ms: number): void {
    if (!(ms > 0)) throw new Error(`SimulatedClock.advance: ${ms} is not a positive duration`);
    this.offsetMs += ms;
  }
}
