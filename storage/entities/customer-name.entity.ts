import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A customer's name or alias in normalised form: the index the name look-ups search. */
@Entity('customer_name')
export class CustomerNameEntity {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'customer_id', type: 'integer' }) customerId!: number;
  @Column({ name: 'name_key', type: 'varchar', length: 200 }) nameKey!: string;
}
