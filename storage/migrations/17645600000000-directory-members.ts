import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

// Directory sync: the platform accounts the last sync read, and the person each belongs to. Rows are
// never deleted (a person who left keeps their id, and gets it back if they return).
export class DirectoryMembers17645600000000 implements MigrationInterface {
  name = 'DirectoryMembers17645600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'directory_member',
        columns: [
          { name: 'platform', type: 'varchar', length: '16', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'person_id', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'manager_user_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'departments', type: 'text' },
          { name: 'active', type: 'boolean' },
          { name: 'updated_at', type: 'bigint' },
        ],
        // The revision other instances poll: MAX(updated_at) by index.
        indices: [new TableIndex({ name: 'IDX_directory_member_updated', columnNames: ['updated_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('directory_member');
  }
}
