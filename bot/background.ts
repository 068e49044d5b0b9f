// Work started after a platform has been answered (process the event, deliver the replies). Tracked
// so that shutdown and tests can wait for it; a piece of work is forgotten as soon as it settles, so
// what is held is what is running, never what ran since start-up.

import type { Logger } from './logger';

export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  start(name: string, work: () => Promise<unknown>): void {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .then(
        () => undefined,
        (error) => this.log.error(`${name} failed`, { error: String((error as Error)?.stack ?? error) }),
      )
      .finally(() => this.running.delete(p));
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
