import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

// DingTalk HTTP mode: each signed (timestamp, sign) header pair may be used once (its signature does
// not cover the body). Rows older than the accepted window are pruned as new ones arrive.
export class SpentSignatures1764400000000 implements MigrationInterface {
  name = 'SpentSignatures1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'spent_signature',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'sign_timestamp', type: 'bigint' },
          { name: 'sign', type: 'varchar', length: '64' },
          { name: 'body_hash', type: 'varchar', length: '64' },
          { name: 'spent_at', type: 'bigint' },
        ],
        // Leads with sign_timestamp: also serves the prune by age.
        indices: [new TableIndex({ name: 'UQ_spent_signature_pair', columnNames: ['sign_timestamp', 'sign'], isUnique: true })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('spent_signature');
  }
}
