import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateColumn, InstantColumn, JsonColumn } from './columns';

@Entity('customer')
export class CustomerEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 20, unique: true }) code!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @JsonColumn() aliases!: string[];
  @Column({ type: 'varchar', length: 1 }) tier!: string;
  @Column({ name: 'owner_id', type: 'varchar', length: 64 }) ownerId!: string;
  @DateColumn({ name: 'next_follow_up_due', nullable: true }) nextFollowUpDue!: string | null;
  @InstantColumn({ name: 'created_at' }) createdAt!: Date;
}
