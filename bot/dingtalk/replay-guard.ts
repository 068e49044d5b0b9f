// DingTalk HTTP mode signs only the timestamp (platforms.md §A4.5), so anyone who sees one request's
// `timestamp`/`sign` headers could send any body with them until the timestamp goes stale. Each
// pair is therefore spent on first use, in the database (shared by every instance): a second use
// with another body is a replay and refused; the same bytes again are a redelivery, which goes on
// to the inbox and is deduplicated there.

import { createHash } from 'node:crypto';
import type { Clock, UnitOfWork } from '../../handlers/ports';
import type { SpendVerdict, SpentSignatureStore } from '../../storage/repositories/spent-signatures';
import type { Logger } from '../logger';

const PRUNE_EVERY_MS = 60_000;

export class ReplayGuard {
  private lastPrune = 0;

  constructor(
    private readonly d: {
      uow: UnitOfWork;
      store: SpentSignatureStore;
      clock: Clock;
      log: Logger;
      /** The accepted window: a pair older than this is refused as stale before it gets here. */
      windowMs: number;
    },
  ) {}

  /** Spends the pair for this body (a transaction of its own, committed before the inbox accept). */
  async spend(timestamp: string, sign: string, body: Buffer): Promise<SpendVerdict> {
    const now = this.d.clock.now();
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const verdict = await this.d.uow.run((tx) => this.d.store.spend(tx, { timestamp: Number(timestamp), sign, bodyHash }, now));
    if (verdict === 'fresh') await this.pruneNowAndThen(now);
    return verdict;
  }

  /**
   * At most once a minute per instance, forgets pairs that are stale twice over (the margin covers
   * instances whose clocks disagree by up to a window): they cannot pass the timestamp check anyway.
   */
  private async pruneNowAndThen(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now.getTime();
    try {
      const pruned = await this.d.uow.run((tx) => this.d.store.pruneBefore(tx, now.getTime() - 2 * this.d.windowMs));
      if (pruned) this.d.log.debug('spent DingTalk signatures pruned', { pruned });
    } catch (error) {
      this.d.log.warn('pruning spent DingTalk signatures failed', { error: String(error) });
    }
  }
}
