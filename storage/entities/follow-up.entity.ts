import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateColumn, InstantColumn } from './columns';

@Entity('follow_up')
export class FollowUpEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'customer_id', type: 'integer' }) customerId!: number;
  @Column({ name: 'author_id', type: 'varchar', length: 64 }) authorId!: string;
  @Column({ name: 'contract_id', type: 'integer', nullable: true }) contractId!: number | null;
  @Column({ type: 'varchar', length: 8, nullable: true }) method!: string | null;
  @Column({ type: 'text' }) content!: string;
  @InstantColumn() at!: Date;
  @DateColumn({ name: 'next_due' }) nextDue!: string;
}
