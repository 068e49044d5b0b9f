import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { FlagColumn, InstantColumn, JsonColumn } from './columns';

/** Every inbound event, once: the unique delivery key turns a platform's redelivery into a no-op. */
@Entity('inbox')
export class InboxEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'delivery_key', type: 'varchar', length: 200, unique: true }) deliveryKey!: string;
  @Column({ type: 'varchar', length: 16 }) platform!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: string;
  @JsonColumn() payload!: Record<string, unknown>;
  /** received → done | failed | dead (given up); `received` rows are processed by whoever claims them. */
  @Column({ type: 'varchar', length: 12 }) status!: string;
  /** Random token of the insert that created the row (tells the winner of a concurrent insert), then of the batch claim that took it last. */
  @Column({ name: 'claim_token', type: 'varchar', length: 40 }) claimToken!: string;
  /** Processing attempts started (counted before each one, so a crash counts too). */
  @Column({ type: 'integer' }) attempts!: number;
  /** The instance processing the row, until `claimUntil`; another may take it over after that. */
  @Column({ name: 'claimed_by', type: 'varchar', length: 100, nullable: true }) claimedBy!: string | null;
  /** Nobody else may take the row before this instant: a holder's claim, or the wait before a retry. */
  @InstantColumn({ name: 'claim_until', nullable: true }) claimUntil!: Date | null;
  @InstantColumn({ name: 'received_at' }) receivedAt!: Date;
  @InstantColumn({ name: 'processed_at', nullable: true }) processedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  /** When the payload was replaced by a stub after the retention period (the key still dedupes). */
  @InstantColumn({ name: 'pruned_at', nullable: true }) prunedAt!: Date | null;
}

/** Every message the bot sends, written in the transaction of the change that caused it. */
@Entity('outbox')
export class OutboxEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'dedupe_key', type: 'varchar', length: 200, unique: true }) dedupeKey!: string;
  @JsonColumn() recipient!: Record<string, unknown>;
  @JsonColumn() views!: unknown[];
  /** Charts and files sent after the views (LONGTEXT on MySQL: a ledger export can be large). */
  @JsonColumn({ nullable: true }) attachments!: unknown[] | null;
  @FlagColumn() urgent!: boolean;
  /** Groups the messages to one recipient, which are delivered in order. */
  @Column({ name: 'recipient_key', type: 'varchar', length: 300, default: '' }) recipientKey!: string;
  /** The instance delivering the row, until `claimUntil`; another may take it over after that. */
  @Column({ name: 'claimed_by', type: 'varchar', length: 100, nullable: true }) claimedBy!: string | null;
  @InstantColumn({ name: 'claim_until', nullable: true }) claimUntil!: Date | null;
  /** The card key this message updates in place, instead of sending something new. */
  @Column({ name: 'updates_card', type: 'varchar', length: 100, nullable: true }) updatesCard!: string | null;
  /** pending → sent | dead; merged: carried by a digest (channel-digest.ts), never sent itself, its key taken. */
  @Column({ type: 'varchar', length: 12 }) status!: string;
  @Column({ type: 'integer' }) attempts!: number;
  @InstantColumn({ name: 'next_attempt_at' }) nextAttemptAt!: Date;
  @InstantColumn({ name: 'created_at' }) createdAt!: Date;
  @InstantColumn({ name: 'sent_at', nullable: true }) sentAt!: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  /** When the content (views) of a sent message was emptied after the retention period. */
  @InstantColumn({ name: 'pruned_at', nullable: true }) prunedAt!: Date | null;
}

/** A named counter (contract and customer numbers): handed out in a transaction, never reused. */
@Entity('sequence')
export class SequenceEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) name!: string;
  @Column({ type: 'integer' }) value!: number;
}

/** One instance at a time runs a scheduled job: the holder of an unexpired lease. */
@Entity('job_lease')
export class JobLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) name!: string;
  @Column({ type: 'varchar', length: 100 }) holder!: string;
  @InstantColumn({ name: 'expires_at' }) expiresAt!: Date;
}
