import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from './columns';

/** A card a platform delivered, and the single-use handle to update it in place. */
@Entity('card_delivery')
export class CardDeliveryEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 16 }) platform!: string;
  @Column({ name: 'card_key', type: 'varchar', length: 100 }) cardKey!: string;
  @Column({ type: 'varchar', length: 200 }) recipient!: string;
  @Column({ type: 'varchar', length: 600 }) handle!: string;
  @InstantColumn({ name: 'sent_at' }) sentAt!: Date;
  @InstantColumn({ name: 'used_at', nullable: true }) usedAt!: Date | null;
}
