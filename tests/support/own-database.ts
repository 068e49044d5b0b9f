// A PostgreSQL or MySQL database of a test file's own, next to the test database: the test files run in
// parallel and tests/storage/databases.test.ts drops its database, so a file that needs PostgreSQL or
// MySQL for more than a moment gets a fresh database named `<test database>_<suffix>`.

import { DataSource } from 'typeorm';

export async function ownDatabase(kind: 'postgres' | 'mysql', url: string, suffix: string): Promise<string> {
  const own = new URL(url);
  const name = `${own.pathname.slice(1).replace(/\W/g, '') || 'test'}_${suffix}`;
  const admin = await new DataSource({ type: kind, url } as never).initialize();
  try {
    if (kind === 'postgres') {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
    } else {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    }
  } finally {
    await admin.destroy();
  }
  own.pathname = `/${name}`;
  return own.toString();
}
