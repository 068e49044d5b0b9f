import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

// Service tickets (报修 → 受理 → 响应 → 解决 → 评价 / 回访 / 异议) with their SLA deadlines. Instants are
// epoch milliseconds (bigint) like every other table; `next_check_at` is what the SLA job reads (an index).

const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const big = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const int = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const text = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class ServiceTickets17645400000000 implements MigrationInterface {
  name = 'ServiceTickets17645400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'service_ticket',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { ...str('number', 20), isUnique: true },
          int('contract_id', false),
          str('priority', 16),
          text('description', false),
          str('status', 16),
          str('opened_by', 64),
          str('handler_id', 64),
          str('contact_id', 64, true),
          str('clock', 8),
          big('opened_at', false),
          big('confirm_due'),
          big('respond_due'),
          big('resolve_due'),
          str('scheduled_date', 10, true),
          big('acknowledged_at'),
          big('responded_at'),
          big('resolved_at'),
          text('resolution'),
          big('callback_due'),
          big('callback_at'),
          text('callback_note'),
          text('objection'),
          big('objection_at'),
          big('objection_due'),
          big('objection_closed_at'),
          int('rating_speed'),
          int('rating_ability'),
          int('rating_attitude'),
          int('rating_professional'),
          big('rated_at'),
          str('rated_by', 64, true),
          big('next_check_at'),
          int('version', false),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['contract_id'], referencedTableName: 'contract', referencedColumnNames: ['id'] })],
        indices: [
          new TableIndex({ name: 'IDX_service_ticket_next_check', columnNames: ['next_check_at'] }),
          new TableIndex({ name: 'IDX_service_ticket_opened', columnNames: ['opened_at'] }),
          new TableIndex({ name: 'IDX_service_ticket_rated', columnNames: ['rated_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('service_ticket');
  }
}
