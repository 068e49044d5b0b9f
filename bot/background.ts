// Work started after a platform has been answered (process the event, deliver the replies). Tracked
// so that shutdown and tests can wait for it; a piece of work is forgotten as soon as it settles, so
// what is held is what is running, never what ran since start-up.

import type { Logger } from './logger';

export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();
  private readonly tracked = new Set<Promise<unknown>>();
  /** Settles one event-loop turn after the last work started: see start(). */
  private nextTurn: Promise<void> = Promise.resolve();

  constructor(private readonly log: Logger) {}

  /**
   * Starts `work` on a later turn of the event loop, at most one start per turn. Started together,
   * a burst of works would run back to back in one turn (their SQLite transactions never wait on
   * I/O), and Node accepts one new connection per turn: platform callbacks would then wait seconds
   * to be answered (WeCom gives up after 5 s).
   */
  start(name: string, work: () => Promise<unknown>): void {
    const turn = this.nextTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.nextTurn = turn;
    const p: Promise<void> = turn
      .then(work)
      .then(
        () => undefined,
        (error) => this.log.error(`${name} failed`, { error: String((error as Error)?.stack ?? error) }),
      )
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /**
   * Tracks work that runs on its own (the inbox worker's run): idle() waits for it too. The same
   * promise tracked again is one piece of work.
   */
  track(name: string, work: Promise<unknown>): void {
    if (this.tracked.has(work)) return;
    this.tracked.add(work);
    const p: Promise<void> = work
      .then(
        () => undefined,
        (error) => this.log.error(`${name} failed`, { error: String((error as Error)?.stack ?? error) }),
      )
      .finally(() => {
        this.running.delete(p);
        this.tracked.delete(work);
      });
    this.running.add(p);
  }

  /** Pieces of work running now. */
  get size(): number {
    return this.running.size;
  }

  /** Resolves when everything started so far (and anything it started) has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}
