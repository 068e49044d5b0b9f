import { Column, Entity, PrimaryColumn } from 'typeorm';
import { FlagColumn, JsonColumn } from './columns';

/** A directory member, synced from the policy file at start-up so the other tables can reference it. */
@Entity('person')
export class PersonEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @JsonColumn() roles!: string[];
  @Column({ name: 'manager_id', type: 'varchar', length: 64, nullable: true }) managerId!: string | null;
  /** False once the person has left the policy file; their history stays. */
  @FlagColumn() active!: boolean;
}

@Entity('person_identity')
export class PersonIdentityEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 }) identity!: string;
  @Column({ name: 'person_id', type: 'varchar', length: 64 }) personId!: string;
}
