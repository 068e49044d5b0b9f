import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { nameKeys } from '../repositories/customer-names';

// Commands and jobs read a bounded number of rows whatever the store holds:
// - customer_name: every name and alias of a customer in its normalised form (the duplicate and
//   look-up checks find exact matches by index and near ones among a LIMITed set of candidates,
//   instead of loading every customer);
// - indexes for the scheduled jobs (follow-ups due, contracts by status and end date) and for the
//   customers of some owners.
export class BoundedLookups1764520000000 implements MigrationInterface {
  name = 'BoundedLookups1764520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'customer_name',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'customer_id', type: 'integer' },
          { name: 'name_key', type: 'varchar', length: '200' },
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['customer_id'], referencedTableName: 'customer', referencedColumnNames: ['id'] })],
        indices: [
          new TableIndex({ name: 'IDX_customer_name_key', columnNames: ['name_key'] }),
          new TableIndex({ name: 'IDX_customer_name_customer', columnNames: ['customer_id'] }),
        ],
      }),
    );
    // Backfill in batches: the keys of the customers that exist.
    const q = (name: string) => queryRunner.connection.driver.escape(name);
    for (let after = 0; ; ) {
      const rows: { id: number | string; name: string; aliases: string }[] = await queryRunner.query(
        `SELECT ${q('id')}, ${q('name')}, ${q('aliases')} FROM ${q('customer')} WHERE ${q('id')} > ${after} ORDER BY ${q('id')} LIMIT 1000`,
      );
      if (rows.length === 0) break;
      const keys = rows.flatMap((r) => nameKeys(r.name, JSON.parse(r.aliases) as string[]).map((key) => ({ customerId: Number(r.id), key })));
      if (keys.length) {
        await queryRunner.manager
          .createQueryBuilder()
          .insert()
          .into('customer_name', ['customer_id', 'name_key'])
          .values(keys.map((k) => ({ customer_id: k.customerId, name_key: k.key })))
          .execute();
      }
      after = Number(rows[rows.length - 1]!.id);
    }
    // MySQL already indexes the foreign-key column owner_id (and would then refuse to drop this one).
    if (!isMysql(queryRunner)) await queryRunner.createIndex('customer', new TableIndex({ name: 'IDX_customer_owner', columnNames: ['owner_id'] }));
    await queryRunner.createIndex('customer', new TableIndex({ name: 'IDX_customer_follow_up_due', columnNames: ['next_follow_up_due'] }));
    await queryRunner.createIndex('contract', new TableIndex({ name: 'IDX_contract_status_end', columnNames: ['status', 'end_date'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('contract', 'IDX_contract_status_end');
    await queryRunner.dropIndex('customer', 'IDX_customer_follow_up_due');
    if (!isMysql(queryRunner)) await queryRunner.dropIndex('customer', 'IDX_customer_owner');
    await queryRunner.dropTable('customer_name');
  }
}

const isMysql = (queryRunner: QueryRunner) => queryRunner.connection.options.type === 'mysql';
