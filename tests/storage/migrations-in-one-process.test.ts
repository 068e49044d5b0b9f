// The migrations run more than once in one process (the benches, the console and a test file open
// several databases): a run on MySQL must leave nothing behind that breaks a later run on PostgreSQL.
// TypeORM's createTable records the constraints it creates on the Table object it is given, so a
// migration that reused its Table objects created a unique constraint twice on the second database.

import { openDatabase } from '../../storage/data-source';
import { ownDatabase } from '../support/own-database';

const both = process.env.TEST_POSTGRES_URL_REACHABLE === '1' && process.env.TEST_MYSQL_URL_REACHABLE === '1';

(both ? test : test.skip)('migrations run on MySQL, then on PostgreSQL, then on MySQL again, in one process', async () => {
  const order: ['postgres' | 'mysql', string][] = [
    ['mysql', process.env.TEST_MYSQL_URL!],
    ['postgres', process.env.TEST_POSTGRES_URL!],
    ['mysql', process.env.TEST_MYSQL_URL!],
  ];
  for (const [kind, url] of order) {
    const { dataSource } = await openDatabase(await ownDatabase(kind, url, 'twice'));
    try {
      const pending = await dataSource.showMigrations();
      expect(pending).toBe(false);
      expect(Number((await dataSource.query('SELECT COUNT(*) AS n FROM outbox'))[0].n)).toBe(0);
    } finally {
      await dataSource.destroy();
    }
  }
}, 120_000);
