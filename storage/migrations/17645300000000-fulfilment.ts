import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

// After signing (issue 10): milestones, payment nodes and receipts, fulfilment problems, and the
// contract's received total (kept on the contract row so that one conditional UPDATE refuses a
// receipt that would exceed the amount, whatever runs concurrently).

const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const int = (name: string): TableColumnOptions => ({ name, type: 'integer', isNullable: false });
const big = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const contractFk = () => new TableForeignKey({ columnNames: ['contract_id'], referencedTableName: 'contract', referencedColumnNames: ['id'] });

/** Built anew for every run (see the initial schema: TypeORM records constraint names on the Table). */
const tables = (): Table[] => [
  new Table({
    name: 'milestone',
    columns: [id, int('contract_id'), int('seq'), str('name', 50), str('responsible_id', 64), str('planned_date', 10), str('original_date', 10),
      str('status', 8), str('done_date', 10, true), text('delays'), str('created_by', 64), big('created_at')],
    foreignKeys: [contractFk()],
    indices: [
      new TableIndex({ name: 'UQ_milestone_contract_name', columnNames: ['contract_id', 'name'], isUnique: true }),
      new TableIndex({ name: 'IDX_milestone_status_planned', columnNames: ['status', 'planned_date'] }),
      new TableIndex({ name: 'IDX_milestone_original', columnNames: ['original_date'] }),
    ],
  }),
  new Table({
    name: 'payment_node',
    columns: [id, int('contract_id'), int('seq'), str('planned_date', 10), big('amount_fen'), big('received_fen'), str('label', 100), str('source', 8),
      str('created_by', 64), big('created_at')],
    foreignKeys: [contractFk()],
    indices: [
      new TableIndex({ name: 'IDX_payment_node_contract', columnNames: ['contract_id', 'seq'] }),
      new TableIndex({ name: 'IDX_payment_node_planned', columnNames: ['planned_date'] }),
    ],
  }),
  new Table({
    name: 'payment_receipt',
    columns: [id, int('contract_id'), big('amount_fen'), str('received_date', 10), str('recorded_by', 64), big('recorded_at')],
    foreignKeys: [contractFk()],
    indices: [
      new TableIndex({ name: 'IDX_payment_receipt_contract', columnNames: ['contract_id'] }),
      new TableIndex({ name: 'IDX_payment_receipt_date', columnNames: ['received_date'] }),
    ],
  }),
  new Table({
    name: 'fulfilment_problem',
    columns: [id, { ...str('number', 20), isUnique: true }, int('contract_id'), text('description'), str('impact', 200, true), str('raised_by', 64),
      str('responsible_id', 64), big('raised_at'), big('deadline_at'), str('status', 10), big('resolved_at', true), str('resolved_by', 64, true),
      text('resolution', true)],
    foreignKeys: [contractFk()],
    indices: [
      new TableIndex({ name: 'IDX_problem_contract', columnNames: ['contract_id'] }),
      new TableIndex({ name: 'IDX_problem_status_deadline', columnNames: ['status', 'deadline_at'] }),
      new TableIndex({ name: 'IDX_problem_raised', columnNames: ['raised_at'] }),
    ],
  }),
];

export class Fulfilment17645300000000 implements MigrationInterface {
  name = 'Fulfilment17645300000000';

  // Plain ALTER TABLE on every database: TypeORM's addColumn/dropColumn rebuild a SQLite table (copy,
  // drop, rename), and dropping `contract` fails its foreign keys once other tables reference its rows.
  // SQLite adds and (from 3.35) drops a column in place.
  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (name: string) => queryRunner.connection.driver.escape(name);
    await queryRunner.query(`ALTER TABLE ${q('contract')} ADD COLUMN ${q('received_fen')} BIGINT NOT NULL DEFAULT 0`);
    for (const table of tables()) await queryRunner.createTable(table);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (name: string) => queryRunner.connection.driver.escape(name);
    for (const table of tables().reverse()) await queryRunner.dropTable(table.name);
    await queryRunner.query(`ALTER TABLE ${q('contract')} DROP COLUMN ${q('received_fen')}`);
  }
}
