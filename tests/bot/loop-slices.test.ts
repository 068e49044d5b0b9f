// Background work takes slices of the event loop: steps are let go in the check phase until the
// turn has spent its slice, one step per turn while accepts wait, and nothing waits forever.

import { LoopSlices } from '../../bot/loop-slices';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `count` steps that each take a slice and then "cost" `costMs` on the test's clock; returns
 * the turn each step ran in. A turn ends when a marker immediate queued in the previous turn runs
 * (the slices queue their next turn's immediates after the marker).
 */
async function stepsByTurn(slices: LoopSlices, clock: { t: number }, count: number, costMs: number): Promise<number[]> {
  let turn = 0;
  let running = true;
  const mark = () => {
    if (!running) return;
    turn++;
    setImmediate(mark);
  };
  setImmediate(mark);
  const turns: number[] = [];
  await Promise.all(
    Array.from({ length: count }, async () => {
      await slices.take();
      turns.push(turn);
      clock.t += costMs; // the step's synchronous work
    }),
  );
  running = false;
  return turns;
}

describe('LoopSlices', () => {
  it('lets steps go until the turn has spent its slice; the rest go in the next turns', async () => {
    const clock = { t: 0 };
    const slices = new LoopSlices({ sliceMs: 5, now: () => clock.t });
    const turns = await stepsByTurn(slices, clock, 7, 2);
    // 0, 2 and 4 ms into a turn are within 5 ms; the fourth step (6 ms) waits for the next turn.
    const perTurn = [...new Set(turns)].map((t) => turns.filter((x) => x === t).length);
    expect(perTurn).toEqual([3, 3, 1]);
  });

  it('lets at most stepsPerTurn go in a turn, however cheap they are', async () => {
    const clock = { t: 0 };
    const slices = new LoopSlices({ sliceMs: 5, stepsPerTurn: 4, now: () => clock.t });
    const turns = await stepsByTurn(slices, clock, 10, 0);
    const perTurn = [...new Set(turns)].map((t) => turns.filter((x) => x === t).length);
    expect(perTurn).toEqual([4, 4, 2]);
  });

  it('while accepts wait, lets one step go per turn; every step still runs (nothing waits forever)', async () => {
    const clock = { t: 0 };
    let accepting = true;
    const slices = new LoopSlices({ sliceMs: 5, now: () => clock.t, urgent: () => accepting });
    const turns = await stepsByTurn(slices, clock, 4, 0);
    expect(new Set(turns).size).toBe(4); // one per turn
    accepting = false;
    const later = await stepsByTurn(slices, clock, 4, 0);
    expect(new Set(later).size).toBe(1); // all in one turn again
    expect(slices.waitingSteps).toBe(0);
  });

  it('a step taken in the middle of a turn waits for the check phase, not for I/O', async () => {
    const slices = new LoopSlices();
    const order: string[] = [];
    const step = slices.take().then(() => order.push('step'));
    setImmediate(() => order.push('immediate queued after'));
    await step;
    await nextTurn();
    expect(order).toEqual(['step', 'immediate queued after']);
  });
});
