// The migration that adds customer_name fills it for the customers that already exist, so a store
// upgraded in place finds its old customers by name and alias (exact and close) like new ones.

import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ENTITIES } from '../../storage/entities';
import { MIGRATIONS } from '../../storage/migrations';
import { BoundedLookups1764520000000 } from '../../storage/migrations/1764520000000-bounded-lookups';
import { createRepositories } from '../../storage/repositories';

it('backfills the normalised names and aliases of existing customers', async () => {
  const before = MIGRATIONS.filter((m) => m !== BoundedLookups1764520000000);
  const ds = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: ENTITIES, migrations: before }).initialize();
  try {
    await ds.runMigrations();
    await ds.query(`INSERT INTO person (id, name, roles, manager_id, active) VALUES ('zhangsan', '张三', '["sales"]', NULL, 1)`);
    for (let i = 1; i <= 1500; i++) {
      const [name, aliases] = i === 1200 ? ['华东日报社股份有限公司', '["华东日报"]'] : [`客户${i}`, '[]'];
      await ds.query('INSERT INTO customer (code, name, aliases, tier, owner_id, next_follow_up_due, created_at) VALUES (?, ?, ?, ?, ?, NULL, 0)', [
        `KH-${String(i).padStart(6, '0')}`,
        name,
        aliases,
        'B',
        'zhangsan',
      ]);
    }
    const runner = ds.createQueryRunner();
    await new BoundedLookups1764520000000().up(runner); // batches of 1,000: the second batch too
    await runner.release();

    expect(Number((await ds.query('SELECT COUNT(*) AS n FROM customer_name'))[0].n)).toBe(1501);
    const repos = createRepositories();
    const tx = ds.manager as never;
    expect((await repos.customers.findByNameKeys(tx, ['华东日报社'], null)).map((c) => c.code)).toEqual(['KH-001200']);
    expect((await repos.customers.findByNameKeys(tx, ['华东日报'], ['zhangsan'])).map((c) => c.code)).toEqual(['KH-001200']);
    expect((await repos.customers.findByNameKeys(tx, ['华东日报'], ['lisi'])).map((c) => c.code)).toEqual([]);
    expect((await repos.customers.findNameCandidates(tx, '华东报社', null, 50)).map((c) => c.code)).toContain('KH-001200');
    expect((await repos.customers.findByNameKeys(tx, ['客户1499'], null)).map((c) => c.code)).toEqual(['KH-001499']);
  } finally {
    await ds.destroy();
  }
});
