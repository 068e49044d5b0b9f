import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateColumn, InstantColumn } from './columns';

@Entity('service_ticket')
export class ServiceTicketEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 20, unique: true }) number!: string;
  @Column({ name: 'contract_id', type: 'integer' }) contractId!: number;
  @Column({ type: 'varchar', length: 16 }) priority!: string;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ name: 'opened_by', type: 'varchar', length: 64 }) openedBy!: string;
  @Column({ name: 'handler_id', type: 'varchar', length: 64 }) handlerId!: string;
  @Column({ name: 'contact_id', type: 'varchar', length: 64, nullable: true }) contactId!: string | null;
  @Column({ type: 'varchar', length: 8 }) clock!: string;
  @InstantColumn({ name: 'opened_at' }) openedAt!: Date;
  @InstantColumn({ name: 'confirm_due', nullable: true }) confirmDue!: Date | null;
  @InstantColumn({ name: 'respond_due', nullable: true }) respondDue!: Date | null;
  @InstantColumn({ name: 'resolve_due', nullable: true }) resolveDue!: Date | null;
  @DateColumn({ name: 'scheduled_date', nullable: true }) scheduledDate!: string | null;
  @InstantColumn({ name: 'acknowledged_at', nullable: true }) acknowledgedAt!: Date | null;
  @InstantColumn({ name: 'responded_at', nullable: true }) respondedAt!: Date | null;
  @InstantColumn({ name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) resolution!: string | null;
  @InstantColumn({ name: 'callback_due', nullable: true }) callbackDue!: Date | null;
  @InstantColumn({ name: 'callback_at', nullable: true }) callbackAt!: Date | null;
  @Column({ name: 'callback_note', type: 'text', nullable: true }) callbackNote!: string | null;
  @Column({ type: 'text', nullable: true }) objection!: string | null;
  @InstantColumn({ name: 'objection_at', nullable: true }) objectionAt!: Date | null;
  @InstantColumn({ name: 'objection_due', nullable: true }) objectionDue!: Date | null;
  @InstantColumn({ name: 'objection_closed_at', nullable: true }) objectionClosedAt!: Date | null;
  @Column({ name: 'rating_speed', type: 'integer', nullable: true }) ratingSpeed!: number | null;
  @Column({ name: 'rating_ability', type: 'integer', nullable: true }) ratingAbility!: number | null;
  @Column({ name: 'rating_attitude', type: 'integer', nullable: true }) ratingAttitude!: number | null;
  @Column({ name: 'rating_professional', type: 'integer', nullable: true }) ratingProfessional!: number | null;
  @InstantColumn({ name: 'rated_at', nullable: true }) ratedAt!: Date | null;
  @Column({ name: 'rated_by', type: 'varchar', length: 64, nullable: true }) ratedBy!: string | null;
  @InstantColumn({ name: 'next_check_at', nullable: true }) nextCheckAt!: Date | null;
  @Column({ type: 'integer' }) version!: number;
}
