import { Column, Entity, PrimaryColumn } from 'typeorm';
import { FlagColumn, InstantColumn, JsonColumn } from './columns';

/** A platform account as the last directory sync read it; kept (inactive) after the person left. */
@Entity('directory_member')
export class DirectoryMemberEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 }) platform!: 'wecom' | 'dingtalk';
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 128 }) userId!: string;
  @Column({ name: 'person_id', type: 'varchar', length: 64 }) personId!: string;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ name: 'manager_user_id', type: 'varchar', length: 128, nullable: true }) managerUserId!: string | null;
  @JsonColumn() departments!: string[];
  @FlagColumn() active!: boolean;
  @InstantColumn({ name: 'updated_at' }) updatedAt!: Date;
}
