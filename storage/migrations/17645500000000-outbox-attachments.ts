import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

// Charts and files a message carries (reports, CSV exports), as what makes their bytes: chart data
// and CSV text. A ledger export can pass MySQL's 64 KB TEXT, so there it is LONGTEXT.
export class OutboxAttachments17645500000000 implements MigrationInterface {
  name = 'OutboxAttachments17645500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const type = queryRunner.connection.options.type === 'mysql' ? 'longtext' : 'text';
    await queryRunner.addColumn('outbox', new TableColumn({ name: 'attachments', type, isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('outbox', 'attachments');
  }
}
