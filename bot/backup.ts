// npm run backup -- <file>
// A consistent copy of the SQLite database while the bot runs: SQLite's online backup API
// (better-sqlite3 `backup()`) copies the pages in steps and restarts a step that a concurrent write
// touched, so the copy is one committed state, never a half-written one. The bot keeps running.
// PostgreSQL and MySQL have their own tools (pg_dump, mysqldump): the command says so and stops.

import 'reflect-metadata';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { parseDatabaseUrl } from '../storage/data-source';
import { ConfigError, loadDotEnv, loadEnv } from './config';

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
}

/** Copies the SQLite database at `databaseUrl` to `target` (which must not exist yet). */
export async function backupSqlite(databaseUrl: string, target: string): Promise<BackupResult> {
  const { kind, location } = parseDatabaseUrl(databaseUrl);
  if (kind !== 'sqlite') {
    const tool = kind === 'postgres' ? 'pg_dump (restore with pg_restore or psql)' : 'mysqldump (restore with mysql)';
    throw new ConfigError(`DATABASE_URL is ${kind}: npm run backup copies SQLite databases only; back ${kind === 'postgres' ? 'PostgreSQL' : 'MySQL'} up with ${tool} — see the README, "Backups"`);
  }
  if (location === ':memory:') throw new ConfigError('DATABASE_URL is sqlite::memory:, which has nothing to back up');
  const source = path.resolve(location);
  if (!fs.existsSync(source)) throw new ConfigError(`DATABASE_URL: no database at ${source}; nothing to back up`);
  const file = path.resolve(target);
  if (fs.existsSync(file)) throw new ConfigError(`${file} exists already; choose a new file name (a backup never overwrites)`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Not read-only: a reader of a WAL database may need to create the shared-memory file.
  const db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    const { totalPages } = await db.backup(file);
    return { file, bytes: fs.statSync(file).size, pages: totalPages };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new ConfigError('usage: npm run backup -- <file>, e.g. npm run backup -- backups/contract-bot-$(date +%F).sqlite');
  loadDotEnv();
  const result = await backupSqlite(loadEnv().DATABASE_URL, target);
  process.stdout.write(`backup written: ${result.file} (${result.pages} pages, ${result.bytes} bytes)\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof ConfigError ? `Backup refused: ${error.message}` : String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}
