import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateColumn, FlagColumn, InstantColumn, JsonColumn, MoneyColumn } from './columns';

@Entity('contract')
export class ContractEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 20, unique: true }) number!: string;
  @Column({ type: 'varchar', length: 200 }) title!: string;
  @Column({ name: 'customer_id', type: 'integer' }) customerId!: number;
  @Column({ type: 'varchar', length: 16 }) type!: string;
  @MoneyColumn({ name: 'amount_fen' }) amountFen!: number;
  @Column({ type: 'varchar', length: 3 }) currency!: string;
  @Column({ type: 'varchar', length: 8 }) risk!: string;
  @DateColumn({ name: 'start_date', nullable: true }) startDate!: string | null;
  @DateColumn({ name: 'end_date', nullable: true }) endDate!: string | null;
  @FlagColumn({ name: 'auto_renew' }) autoRenew!: boolean;
  @Column({ name: 'payment_terms', type: 'text', nullable: true }) paymentTerms!: string | null;
  @Column({ name: 'owner_id', type: 'varchar', length: 64 }) ownerId!: string;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'integer' }) version!: number;
  @Column({ type: 'integer' }) round!: number;
  @Column({ name: 'route_rule', type: 'varchar', length: 100, nullable: true }) routeRule!: string | null;
  @Column({ name: 'route_explanation', type: 'text', nullable: true }) routeExplanation!: string | null;
  @InstantColumn({ name: 'submitted_at', nullable: true }) submittedAt!: Date | null;
  @DateColumn({ name: 'signed_date', nullable: true }) signedDate!: string | null;
  @InstantColumn({ name: 'created_at' }) createdAt!: Date;
  @InstantColumn({ name: 'updated_at' }) updatedAt!: Date;
  /** Receipts recorded so far (回款); never above amount_fen (one conditional update adds to it). */
  @MoneyColumn({ name: 'received_fen', default: 0 }) receivedFen!: number;
}

@Entity('contract_version')
export class ContractVersionEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'contract_id', type: 'integer' }) contractId!: number;
  @Column({ type: 'integer' }) version!: number;
  @Column({ name: 'author_id', type: 'varchar', length: 64 }) authorId!: string;
  @InstantColumn({ name: 'created_at' }) createdAt!: Date;
  @JsonColumn() snapshot!: Record<string, unknown>;
  @JsonColumn() changes!: { field: string; from: unknown; to: unknown }[];
}
