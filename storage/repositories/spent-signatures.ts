// DingTalk HTTP mode's spent (timestamp, sign) pairs on TypeORM (see SpentSignatureEntity).

import type { Tx } from '../../handlers/ports';
import { SpentSignatureEntity } from '../entities';
import { managerOf } from '../unit-of-work';

/** fresh: first use; redelivery: used before with the same body; replay: used before with another body. */
export type SpendVerdict = 'fresh' | 'redelivery' | 'replay';

export interface SpentSignatureStore {
  /** Records the pair as spent by this body, unless it was spent already. */
  spend(tx: Tx, pair: { timestamp: number; sign: string; bodyHash: string }, now: Date): Promise<SpendVerdict>;
  /** Forgets pairs whose timestamp is before `timestamp` (ms): they are refused as stale anyway. */
  pruneBefore(tx: Tx, timestamp: number): Promise<number>;
}

export function createSpentSignatureStore(): SpentSignatureStore {
  return {
    async spend(tx, pair, now) {
      const em = managerOf(tx);
      // Insert first, read after: the read then sees a concurrent spender's committed row on every
      // database (on MySQL a read before the insert would fix the snapshot without it).
      await em
        .createQueryBuilder()
        .insert()
        .into(SpentSignatureEntity)
        .values({ signTimestamp: pair.timestamp, sign: pair.sign, bodyHash: pair.bodyHash, spentAt: now })
        .orIgnore()
        .execute();
      const row = await em.findOneBy(SpentSignatureEntity, { signTimestamp: pair.timestamp, sign: pair.sign });
      if (!row || row.bodyHash !== pair.bodyHash) return 'replay';
      // Both go on to the inbox, which dedupes; the label is for the log.
      return row.spentAt.getTime() === now.getTime() ? 'fresh' : 'redelivery';
    },
    async pruneBefore(tx, timestamp) {
      const result = await managerOf(tx)
        .createQueryBuilder()
        .delete()
        .from(SpentSignatureEntity)
        .where('sign_timestamp < :timestamp', { timestamp })
        .execute();
      return result.affected ?? 0;
    },
  };
}
