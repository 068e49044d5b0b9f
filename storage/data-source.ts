import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { bindNumberParameters } from './sqlite-parameters';

export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

/**
 * DATABASE_URL is wrong or names a place the bot cannot use. The message names the variable, says
 * what to do, and never contains the URL's password (see redactUrl). main.ts prints it as one line.
 */
export class DatabaseConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseConfigError';
  }
}

/**
 * The URL without secrets, for messages and logs: the userinfo (`user:password@`) becomes `***@`
 * (up to the last `@`, so a password with an unescaped `@` or `/` is hidden too) and query values
 * that look like credentials become `***`.
 */
export function redactUrl(url: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:(\/\/)?/.exec(url)?.[0] ?? '';
  let rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = `***${rest.slice(at)}`;
  rest = rest.replace(/([?&][^=&#]*(?:pass|pwd|secret|token|key|auth)[^=&#]*=)[^&#]*/gi, '$1***');
  return scheme + rest;
}

/** `text` with the URL, and its password wherever it appears, redacted. */
export function withoutSecretsOf(url: string, text: string): string {
  let out = text.split(url).join(redactUrl(url));
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    password = '';
  }
  if (password) out = out.split(password).join('***');
  return out;
}

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** File path or `:memory:` for SQLite; the URL otherwise. */
  location: string;
}

/**
 * Reads `DATABASE_URL`: `sqlite:<path>` (relative to the working directory, or absolute),
 * `sqlite::memory:`, `postgres://…` / `postgresql://…`, `mysql://…` / `mariadb://…`.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const location = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!location) throw new DatabaseConfigError(`DATABASE_URL "${url}": expected sqlite:<path> or sqlite::memory:`);
    return { kind: 'sqlite', location };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', location: url };
  if (/^(mysql|mariadb):\/\//.test(url)) return { kind: 'mysql', location: url.replace(/^mariadb:/, 'mysql:') };
  throw new DatabaseConfigError(
    `DATABASE_URL "${redactUrl(url)}": unknown kind of database; expected sqlite:<path>, sqlite::memory:, postgres://… or mysql://…`,
  );
}

export function dataSourceOptions(target: DatabaseTarget): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  switch (target.kind) {
    case 'sqlite':
      return {
        ...common,
        type: 'better-sqlite3',
        database: target.location,
        enableWAL: target.location !== ':memory:',
        // Commits are fsynced only where it matters: see SqliteUnitOfWork (unit-of-work.ts).
        prepareDatabase: (db: { pragma(source: string): unknown }) => void db.pragma('synchronous = NORMAL'),
        timeout: 10_000, // busy timeout: another process may hold the write lock for a moment
        // The bot's distinct statements (with numbers bound: see sqlite-parameters.ts) fit, so each
        // is prepared once; TypeORM's default keeps 100.
        statementCacheSize: 1000,
      };
    case 'postgres':
      return { ...common, type: 'postgres', url: target.location };
    case 'mysql':
      return { ...common, type: 'mysql', url: target.location, charset: 'utf8mb4' };
  }
}

/** Opens the database (creating the SQLite file's folder) and runs pending migrations. */
export async function openDatabase(url: string): Promise<{ dataSource: DataSource; kind: DatabaseKind }> {
  const target = parseDatabaseUrl(url);
  if (target.kind === 'sqlite' && target.location !== ':memory:') prepareSqliteFile(target.location);
  const dataSource = new DataSource(dataSourceOptions(target));
  try {
    await dataSource.initialize();
  } catch (error) {
    // Cannot connect or open: a configuration matter (the driver's message carries no password,
    // but it may quote the URL, so it is redacted as well).
    const where = target.kind === 'sqlite' ? `the SQLite file ${path.resolve(target.location)}` : redactUrl(target.location);
    const reason = withoutSecretsOf(url, String((error as Error)?.message ?? error)).split('\n')[0];
    throw new DatabaseConfigError(`DATABASE_URL: cannot open ${where} (${reason}); check the address, the credentials and that the database is running${target.kind === 'sqlite' ? ', or choose a writable path' : ''}`);
  }
  if (target.kind === 'sqlite') bindNumberParameters(dataSource);
  await dataSource.runMigrations({ transaction: 'each' });
  return { dataSource, kind: target.kind };
}

/** The SQLite file's folder is created; the folder (or the existing file) must be writable. */
function prepareSqliteFile(location: string): void {
  const file = path.resolve(location);
  const folder = path.dirname(file);
  const fail = (what: string, error: unknown): never => {
    const code = (error as NodeJS.ErrnoException)?.code ?? String(error);
    throw new DatabaseConfigError(`DATABASE_URL: ${what} (${code}); choose a writable path, e.g. sqlite:data/contract-bot.sqlite, or fix the permissions`);
  };
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (error) {
    fail(`cannot create the folder ${folder} for the SQLite file`, error);
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file);
  } catch {
    stat = undefined; // not there yet: created on open
  }
  if (stat?.isDirectory()) fail(`${file} is a folder, not a SQLite file`, 'EISDIR');
  try {
    fs.accessSync(stat ? file : folder, fs.constants.R_OK | fs.constants.W_OK);
  } catch (error) {
    fail(`${stat ? file : `the folder ${folder}`} is not writable`, error);
  }
}

/** True when the database answers a trivial query. */
export async function pingDatabase(dataSource: DataSource): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  try {
    await dataSource.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
