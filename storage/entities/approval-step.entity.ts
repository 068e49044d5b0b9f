import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from './columns';

/** One step of an approval chain, bound to the contract version it approves. */
@Entity('approval_step')
export class ApprovalStepEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'contract_id', type: 'integer' }) contractId!: number;
  @Column({ type: 'integer' }) version!: number;
  @Column({ type: 'integer' }) round!: number;
  @Column({ type: 'integer' }) seq!: number;
  @Column({ type: 'varchar', length: 20 }) role!: string;
  @Column({ name: 'assignee_id', type: 'varchar', length: 64 }) assigneeId!: string;
  @Column({ name: 'acting_for', type: 'varchar', length: 64, nullable: true }) actingFor!: string | null;
  @Column({ type: 'varchar', length: 12 }) status!: string;
  @Column({ type: 'integer' }) hours!: number;
  @InstantColumn({ name: 'activated_at', nullable: true }) activatedAt!: Date | null;
  @InstantColumn({ name: 'due_at', nullable: true }) dueAt!: Date | null;
  @Column({ name: 'reminder_count', type: 'integer' }) reminderCount!: number;
  @InstantColumn({ name: 'last_reminded_at', nullable: true }) lastRemindedAt!: Date | null;
  @InstantColumn({ name: 'next_reminder_at', nullable: true }) nextReminderAt!: Date | null;
  @InstantColumn({ name: 'last_urged_at', nullable: true }) lastUrgedAt!: Date | null;
  @InstantColumn({ name: 'decided_at', nullable: true }) decidedAt!: Date | null;
  @Column({ name: 'decided_by', type: 'varchar', length: 64, nullable: true }) decidedBy!: string | null;
  @Column({ name: 'decided_acting_for', type: 'varchar', length: 64, nullable: true })
  decidedActingFor!: string | null;
  @Column({ type: 'text', nullable: true }) comment!: string | null;
}
