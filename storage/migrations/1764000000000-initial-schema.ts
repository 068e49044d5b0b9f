import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

// Written with TypeORM's Table API rather than SQL text so that one migration creates the same
// schema on SQLite, PostgreSQL and MySQL/MariaDB.

const id: TableColumnOptions = {
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
};
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const big = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const flag = (name: string): TableColumnOptions => ({ name, type: 'boolean', isNullable: false });
const fk = (column: string, table: string, ref = 'id') =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: [ref] });

/**
 * Built anew for every run: TypeORM's createTable adds the names of the constraints it creates to the
 * Table it is given, so reused objects made a second run in one process (MySQL, then PostgreSQL)
 * create a unique constraint twice.
 */
const tables = (): Table[] => [
  new Table({
    name: 'person',
    columns: [{ ...str('id', 64), isPrimary: true }, str('name', 100), text('roles'), str('manager_id', 64, true), flag('active')],
  }),
  new Table({
    name: 'person_identity',
    columns: [{ ...str('identity', 200), isPrimary: true }, str('person_id', 64)],
    foreignKeys: [fk('person_id', 'person')],
  }),
  new Table({ name: 'sequence', columns: [{ ...str('name', 64), isPrimary: true }, int('value')] }),
  new Table({
    name: 'customer',
    columns: [
      id,
      { ...str('code', 20), isUnique: true },
      str('name', 200),
      text('aliases'),
      str('tier', 1),
      str('owner_id', 64),
      str('next_follow_up_due', 10, true),
      big('created_at'),
    ],
    foreignKeys: [fk('owner_id', 'person')],
  }),
  new Table({
    name: 'contract',
    columns: [
      id,
      { ...str('number', 20), isUnique: true },
      str('title', 200),
      int('customer_id'),
      str('type', 16),
      big('amount_fen'),
      str('currency', 3),
      str('risk', 8),
      str('start_date', 10, true),
      str('end_date', 10, true),
      flag('auto_renew'),
      text('payment_terms', true),
      str('owner_id', 64),
      str('status', 16),
      int('version'),
      int('round'),
      str('route_rule', 100, true),
      text('route_explanation', true),
      big('submitted_at', true),
      str('signed_date', 10, true),
      big('created_at'),
      big('updated_at'),
    ],
    foreignKeys: [fk('customer_id', 'customer'), fk('owner_id', 'person')],
    indices: [new TableIndex({ columnNames: ['owner_id', 'status'] }), new TableIndex({ columnNames: ['customer_id'] })],
  }),
  new Table({
    name: 'contract_version',
    columns: [id, int('contract_id'), int('version'), str('author_id', 64), big('created_at'), text('snapshot'), text('changes')],
    foreignKeys: [fk('contract_id', 'contract')],
    indices: [new TableIndex({ columnNames: ['contract_id', 'version'], isUnique: true })],
  }),
  new Table({
    name: 'approval_step',
    columns: [
      id,
      int('contract_id'),
      int('version'),
      int('round'),
      int('seq'),
      str('role', 20),
      str('assignee_id', 64),
      str('acting_for', 64, true),
      str('status', 12),
      int('hours'),
      big('activated_at', true),
      big('due_at', true),
      int('reminder_count'),
      big('last_reminded_at', true),
      big('last_urged_at', true),
      big('decided_at', true),
      str('decided_by', 64, true),
      str('decided_acting_for', 64, true),
      text('comment', true),
    ],
    foreignKeys: [fk('contract_id', 'contract'), fk('assignee_id', 'person')],
    indices: [
      new TableIndex({ columnNames: ['contract_id', 'round', 'seq'], isUnique: true }),
      new TableIndex({ columnNames: ['assignee_id', 'status'] }),
      new TableIndex({ columnNames: ['status', 'due_at'] }),
    ],
  }),
  new Table({
    name: 'follow_up',
    columns: [
      id,
      int('customer_id'),
      str('author_id', 64),
      int('contract_id', true),
      str('method', 8, true),
      text('content'),
      big('at'),
      str('next_due', 10),
    ],
    foreignKeys: [fk('customer_id', 'customer'), fk('contract_id', 'contract')],
    indices: [new TableIndex({ columnNames: ['customer_id', 'at'] })],
  }),
  new Table({
    name: 'audit_event',
    columns: [
      id,
      big('at'),
      str('actor_id', 64, true),
      str('acting_for', 64, true),
      str('action', 40),
      int('contract_id', true),
      int('customer_id', true),
      text('detail'),
      str('platform', 16),
      flag('automatic'),
    ],
    indices: [new TableIndex({ columnNames: ['contract_id'] })],
  }),
  new Table({
    name: 'inbox',
    columns: [
      id,
      { ...str('delivery_key', 200), isUnique: true },
      str('platform', 16),
      str('kind', 32),
      text('payload'),
      str('status', 12),
      str('claim_token', 40),
      int('attempts'),
      big('received_at'),
      big('processed_at', true),
      text('error', true),
    ],
    indices: [new TableIndex({ columnNames: ['status'] })],
  }),
  new Table({
    name: 'outbox',
    columns: [
      id,
      { ...str('dedupe_key', 200), isUnique: true },
      text('recipient'),
      text('views'),
      flag('urgent'),
      str('status', 12),
      int('attempts'),
      big('next_attempt_at'),
      big('created_at'),
      big('sent_at', true),
      text('last_error', true),
    ],
    indices: [new TableIndex({ columnNames: ['status', 'next_attempt_at'] })],
  }),
  new Table({
    name: 'job_lease',
    columns: [{ ...str('name', 64), isPrimary: true }, str('holder', 100), big('expires_at')],
  }),
];

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables()) await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables().reverse()) await queryRunner.dropTable(table.name);
  }
}
