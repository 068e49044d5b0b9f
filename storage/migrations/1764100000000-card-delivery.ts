import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

// Cards that platforms can update in place: the handles to do it, and outbox messages that update.

export class CardDelivery1764100000000 implements MigrationInterface {
  name = 'CardDelivery1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'card_delivery',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'platform', type: 'varchar', length: '16' },
          { name: 'card_key', type: 'varchar', length: '100' },
          { name: 'recipient', type: 'varchar', length: '200' },
          { name: 'handle', type: 'varchar', length: '600' },
          { name: 'sent_at', type: 'bigint' },
          { name: 'used_at', type: 'bigint', isNullable: true },
        ],
        indices: [new TableIndex({ columnNames: ['platform', 'card_key', 'recipient'] })],
      }),
    );
    await queryRunner.addColumn('outbox', new TableColumn({ name: 'updates_card', type: 'varchar', length: '100', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('outbox', 'updates_card');
    await queryRunner.dropTable('card_delivery');
  }
}
