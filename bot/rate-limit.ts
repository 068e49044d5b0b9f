// At most `limit` sends per `windowMs` per key (a group robot, a member), in memory.
// Keys come and go (every member the bot ever wrote to): a key with nothing left in the window is
// dropped, so the map holds the keys active in about the last window, not every key since start-up.

import type { Clock } from '../handlers/ports';

export class SlidingWindowLimiter {
  /** Send times in the window per key, oldest first; never more than `limit` of them. */
  private readonly sent = new Map<string, number[]>();
  private nextSweep = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Takes a slot and returns null, or returns when the next slot frees up (taking nothing). */
  take(key: string): Date | null {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const recent = (this.sent.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.sent.set(key, recent);
      return new Date(recent[0]! + this.windowMs);
    }
    recent.push(now);
    this.sent.set(key, recent);
    return null;
  }

  /** Forgets the slot taken at the last `take` (the send failed before reaching the target). */
  giveBack(key: string): void {
    const times = this.sent.get(key);
    times?.pop();
    if (times?.length === 0) this.sent.delete(key);
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.sent.size;
  }

  /** At most once per window, drops every key whose last send has left the window: O(keys) per window. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.windowMs;
    for (const [key, times] of this.sent) {
      if (times.length === 0 || times[times.length - 1]! <= now - this.windowMs) this.sent.delete(key);
    }
  }
}
