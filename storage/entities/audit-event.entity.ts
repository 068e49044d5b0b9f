import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { FlagColumn, InstantColumn, JsonColumn } from './columns';

/** Immutable: rows are only ever inserted. */
@Entity('audit_event')
export class AuditEventEntity {
  @PrimaryGeneratedColumn() id!: number;
  @InstantColumn() at!: Date;
  @Column({ name: 'actor_id', type: 'varchar', length: 64, nullable: true }) actorId!: string | null;
  @Column({ name: 'acting_for', type: 'varchar', length: 64, nullable: true }) actingFor!: string | null;
  @Column({ type: 'varchar', length: 40 }) action!: string;
  @Column({ name: 'contract_id', type: 'integer', nullable: true }) contractId!: number | null;
  @Column({ name: 'customer_id', type: 'integer', nullable: true }) customerId!: number | null;
  @JsonColumn() detail!: Record<string, unknown>;
  @Column({ type: 'varchar', length: 16 }) platform!: string;
  @FlagColumn() automatic!: boolean;
}
