import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

// Several bot instances share one outbox: a row is claimed before it is sent, and messages to one
// recipient go out in order (recipient_key groups them).
export class OutboxClaims1764200000000 implements MigrationInterface {
  name = 'OutboxClaims1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('outbox', [
      new TableColumn({ name: 'recipient_key', type: 'varchar', length: '300', default: "''" }),
      new TableColumn({ name: 'claimed_by', type: 'varchar', length: '100', isNullable: true }),
      new TableColumn({ name: 'claim_until', type: 'bigint', isNullable: true }),
    ]);
    await queryRunner.createIndex('outbox', new TableIndex({ name: 'IDX_outbox_recipient_order', columnNames: ['recipient_key', 'status', 'id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('outbox', 'IDX_outbox_recipient_order');
    await queryRunner.dropColumn('outbox', 'claim_until');
    await queryRunner.dropColumn('outbox', 'claimed_by');
    await queryRunner.dropColumn('outbox', 'recipient_key');
  }
}
