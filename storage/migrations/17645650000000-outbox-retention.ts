import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

// Sent messages lose their content after the retention period (outbox.retention_days): pruned_at
// marks them, and the index finds the next ones to prune without reading those already done.
export class OutboxRetention17645650000000 implements MigrationInterface {
  name = 'OutboxRetention17645650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('outbox', new TableColumn({ name: 'pruned_at', type: 'bigint', isNullable: true }));
    await queryRunner.createIndex('outbox', new TableIndex({ name: 'IDX_outbox_retention', columnNames: ['pruned_at', 'sent_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('outbox', 'IDX_outbox_retention');
    await queryRunner.dropColumn('outbox', 'pruned_at');
  }
}
