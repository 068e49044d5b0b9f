// Background work in slices of the event loop. The bot is one process on one event loop: a frame
// or callback that arrives while the processing of earlier events and the delivery of their replies
// run waits until the loop reads it, and under a rush that work never runs out. Each step of it is
// short, but without slices a turn of the loop runs every step whose promise resolved meanwhile
// (the outbox's HTTP answers that came in, the transactions they start, the next event…), and an
// accept's commit, its fsync's completion and its ack each wait for the end of such a turn.
//
// Before each step, background work takes a slice here: steps are let go in the check phase
// (setImmediate), one after another, until the turn has spent `sliceMs` on them; the rest wait for
// the next turn, after the loop has read what arrived. While accepts wait for their commit (an
// acknowledgement waits for them), a turn lets one step go, no more. A step is the synchronous part
// of the work and the promises that resolve at once (SQLite is synchronous), up to its next I/O or
// its next slice.
//
// A slice is always given, in the next turn at the latest: nothing waits for one forever, and
// background work goes on, at least a step per turn, however many accepts come.

export interface Slices {
  /** Resolves when a step of background work may run. */
  take(): Promise<void>;
}

/** Resolves in the check phase (setImmediate): after the I/O waiting now has been read. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** No slicing: every step runs at once (a component on its own, in tests and tools). */
export const UNSLICED: Slices = { take: () => Promise.resolve() };

export interface LoopSlicesOptions {
  /** What a turn of the loop spends on background steps (the last step let go may end after it). */
  sliceMs?: number;
  /** Steps let go per turn at most. */
  stepsPerTurn?: number;
  /** While it says so (accepts wait for their commit), a turn lets one step go. */
  urgent?: () => boolean;
  /** The clock (ms); tests give their own. */
  now?: () => number;
}

export class LoopSlices implements Slices {
  private readonly waiting: (() => void)[] = [];
  /** Immediates queued for the coming turn, each letting one step go if the turn has time left. */
  private queued = 0;
  private turnStarted = 0;
  private released = 0;
  private readonly sliceMs: number;
  private readonly stepsPerTurn: number;
  private readonly urgent: () => boolean;
  private readonly now: () => number;

  constructor(options: LoopSlicesOptions = {}) {
    this.sliceMs = options.sliceMs ?? 1;
    this.stepsPerTurn = Math.max(1, options.stepsPerTurn ?? 32);
    this.urgent = options.urgent ?? (() => false);
    this.now = options.now ?? (() => performance.now());
  }

  take(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.queued === 0) this.queueTurn();
    });
  }

  /** Steps waiting for a slice now. */
  get waitingSteps(): number {
    return this.waiting.length;
  }

  private queueTurn(): void {
    this.queued = this.stepsPerTurn;
    for (let i = 0; i < this.stepsPerTurn; i++) setImmediate(this.step);
  }

  /**
   * One of the turn's immediates. Node runs the microtasks after each immediate: when the next one
   * runs, the step the previous one let go has run up to its next I/O or slice, so the clock tells
   * what the turn has spent.
   */
  private readonly step = (): void => {
    const now = this.now();
    if (this.queued === this.stepsPerTurn) {
      this.turnStarted = now;
      this.released = 0;
    }
    this.queued--;
    const mayGo = this.released === 0 || (now - this.turnStarted <= this.sliceMs && !this.urgent());
    if (this.waiting.length > 0 && mayGo) {
      this.released++;
      this.waiting.shift()!();
    }
    // Queued during the check phase, these run in the next turn, after the loop has read its I/O.
    if (this.queued === 0 && this.waiting.length > 0) this.queueTurn();
  };
}
