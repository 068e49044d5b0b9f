// At most `limit` sends per `windowMs` per key (a group robot, a member), in memory.

import type { Clock } from '../handlers/ports';

export class SlidingWindowLimiter {
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Takes a slot and returns null, or returns when the next slot frees up (taking nothing). */
  take(key: string): Date | null {
    const now = this.clock.now().getTime();
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
    this.sent.get(key)?.pop();
  }
}
