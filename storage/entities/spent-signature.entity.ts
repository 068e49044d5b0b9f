import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber, InstantColumn } from './columns';

/**
 * A DingTalk HTTP-mode `(timestamp, sign)` header pair that was used. Its signature covers only the
 * timestamp, so a pair is good for one request body: the unique key refuses it for any other.
 */
@Entity('spent_signature')
@Index('UQ_spent_signature_pair', ['signTimestamp', 'sign'], { unique: true })
export class SpentSignatureEntity {
  @PrimaryGeneratedColumn() id!: number;
  /** The signed `timestamp` header, epoch milliseconds as DingTalk sent it. */
  @Column({ name: 'sign_timestamp', type: 'bigint', transformer: bigintNumber }) signTimestamp!: number;
  @Column({ type: 'varchar', length: 64 }) sign!: string;
  /** sha256 (hex) of the body that spent the pair: the same bytes again are a redelivery, not a replay. */
  @Column({ name: 'body_hash', type: 'varchar', length: 64 }) bodyHash!: string;
  @InstantColumn({ name: 'spent_at' }) spentAt!: Date;
}
