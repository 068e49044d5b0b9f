// The in-memory per-key limiter keeps its limit and forgets keys that went quiet, so a bot that
// writes to thousands of members over months holds only the recently active ones.

import { SlidingWindowLimiter } from '../../bot/rate-limit';

/** A clock that is set in epoch milliseconds. */
class ManualClock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
  set(iso: string): void {
    this.t = new Date(iso).getTime();
  }
}
const START = Date.parse('2026-11-23T02:00:00Z');

it('allows `limit` sends per window per key and says when the next slot frees up', () => {
  const clock = new ManualClock(START);
  const limiter = new SlidingWindowLimiter(3, 60_000, clock);
  const start = clock.now().getTime();
  expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([null, null, null]);
  expect(limiter.take('a')).toEqual(new Date(start + 60_000));
  expect(limiter.take('b')).toBeNull(); // keys are independent
  limiter.giveBack('b');
  clock.set(new Date(start + 60_001).toISOString());
  expect(limiter.take('a')).toBeNull();
});

it('holds no more keys than were active in the last window, after 100,000 distinct keys', () => {
  const clock = new ManualClock(START);
  const limiter = new SlidingWindowLimiter(30, 60_000, clock);
  const start = clock.now().getTime();
  // 100,000 members over 100 minutes, 1,000 a minute, each written to once.
  for (let i = 0; i < 100_000; i++) {
    clock.t = start + i * 60;
    if (limiter.take(`member:${i}`) !== null) throw new Error(`member:${i} refused`);
  }
  // Active in the last minute: 1,000 keys; one sweep may lag by a window: at most 2,000 remembered.
  expect(limiter.size).toBeLessThanOrEqual(2_000);
  // Quiet for two windows: only the key just used is left.
  clock.set(new Date(start + 100_000 * 60 + 120_001).toISOString());
  expect(limiter.take('member:last')).toBeNull();
  expect(limiter.size).toBe(1);
  // A key given back entirely is forgotten at once.
  expect(limiter.take('member:once')).toBeNull();
  limiter.giveBack('member:once');
  expect(limiter.size).toBe(1);
});

it('still limits a key that stays busy across sweeps', () => {
  const clock = new ManualClock(START);
  const limiter = new SlidingWindowLimiter(2, 60_000, clock);
  const start = clock.now().getTime();
  let refused = 0;
  for (let s = 0; s < 600; s += 10) {
    clock.set(new Date(start + s * 1000).toISOString());
    if (limiter.take('robot')) refused++;
  }
  // 60 tries over 10 minutes, 2 allowed per minute: 20 go through.
  expect(refused).toBe(40);
});
