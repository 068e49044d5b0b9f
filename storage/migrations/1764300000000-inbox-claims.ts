import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

// Several bot instances share one inbox: an event is claimed (holder + expiry) before it is
// processed, and finishing checks the claim. Old payloads are pruned (pruned_at), keys are kept.
export class InboxClaims1764300000000 implements MigrationInterface {
  name = 'InboxClaims1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('inbox', [
      new TableColumn({ name: 'claimed_by', type: 'varchar', length: '100', isNullable: true }),
      new TableColumn({ name: 'claim_until', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'pruned_at', type: 'bigint', isNullable: true }),
    ]);
    await queryRunner.createIndex('inbox', new TableIndex({ name: 'IDX_inbox_claimable', columnNames: ['status', 'claim_until'] }));
    await queryRunner.createIndex('inbox', new TableIndex({ name: 'IDX_inbox_retention', columnNames: ['pruned_at', 'received_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('inbox', 'IDX_inbox_retention');
    await queryRunner.dropIndex('inbox', 'IDX_inbox_claimable');
    await queryRunner.dropColumn('inbox', 'pruned_at');
    await queryRunner.dropColumn('inbox', 'claim_until');
    await queryRunner.dropColumn('inbox', 'claimed_by');
  }
}
