import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

// The outbox counts, per batch, what the batch's recipients were sent in the last minute (the
// platforms' per-minute limits): this index answers that count from the index alone, however many
// messages a recipient was ever sent.
export class OutboxRateIndex1764500000000 implements MigrationInterface {
  name = 'OutboxRateIndex1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex('outbox', new TableIndex({ name: 'IDX_outbox_recipient_sent', columnNames: ['recipient_key', 'sent_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('outbox', 'IDX_outbox_recipient_sent');
  }
}
