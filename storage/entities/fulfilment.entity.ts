import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateColumn, InstantColumn, JsonColumn, MoneyColumn } from './columns';

@Entity('milestone')
export class MilestoneEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'contract_id', type: 'integer' }) contractId!: number;
  @Column({ type: 'integer' }) seq!: number;
  @Column({ type: 'varchar', length: 50 }) name!: string;
  @Column({ name: 'responsible_id', type: 'varchar', length: 64 }) responsibleId!: string;
  @DateColumn({ name: 'planned_date' }) plannedDate!: string;
  @DateColumn({ name: 'original_date' }) originalDate!: string;
  @Column({ type: 'varchar', length: 8 }) status!: string;
  @DateColumn({ name: 'done_date', nullable: true }) doneDate!: string | null;
  @JsonColumn() delays!: unknown[];
  @Column({ name: 'created_by', type: 'varchar', length: 64 }) createdBy!: string;
  @InstantColumn({ name: 'created_at' }) createdAt!: Date;
}

@Entity('payment_node')
export class PaymentNodeEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'contract_id', type: 'integer' }) contractId!: number;
  @Column({ type: 'integer' }) seq!: number;
  @DateColumn({ name: 'planned_date' }) plannedDate!: string;
  @MoneyColumn({ name: 'amount_fen' }) amountFen!: number;
  @MoneyColumn({ name: 'received_fen' }) receivedFen!: number;
  @Column({ type: 'varchar', length: 100 }) label!: string;
  @Column({ type: 'varchar', length: 8 }) source!: string;
  @Column({ name: 'created_by', type: 'varchar', length: 64 }) createdBy!: string;
  @InstantColumn({ name: 'created_at' }) createdAt!: Date;
}

@Entity('payment_receipt')
export class PaymentReceiptEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'contract_id', type: 'integer' }) contractId!: number;
  @MoneyColumn({ name: 'amount_fen' }) amountFen!: number;
  @DateColumn({ name: 'received_date' }) receivedDate!: string;
  @Column({ name: 'recorded_by', type: 'varchar', length: 64 }) recordedBy!: string;
  @InstantColumn({ name: 'recorded_at' }) recordedAt!: Date;
}

@Entity('fulfilment_problem')
export class ProblemEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 20, unique: true }) number!: string;
  @Column({ name: 'contract_id', type: 'integer' }) contractId!: number;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) impact!: string | null;
  @Column({ name: 'raised_by', type: 'varchar', length: 64 }) raisedBy!: string;
  @Column({ name: 'responsible_id', type: 'varchar', length: 64 }) responsibleId!: string;
  @InstantColumn({ name: 'raised_at' }) raisedAt!: Date;
  @InstantColumn({ name: 'deadline_at' }) deadlineAt!: Date;
  @Column({ type: 'varchar', length: 10 }) status!: string;
  @InstantColumn({ name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
  @Column({ name: 'resolved_by', type: 'varchar', length: 64, nullable: true }) resolvedBy!: string | null;
  @Column({ type: 'text', nullable: true }) resolution!: string | null;
}
