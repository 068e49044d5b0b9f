// Start-up configuration mistakes: a message that names the variable and what to do, one line, and
// never the database password.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadEnv, loadPolicy } from '../../bot/config';
import { startupFailure } from '../../bot/main';
import { DatabaseConfigError, openDatabase, parseDatabaseUrl, redactUrl } from '../../storage/data-source';
import { EXAMPLE_POLICY } from '../support/harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-errors-'));
const SECRET = 's3cr3t';

describe('DATABASE_URL', () => {
  it.each([
    ['a misspelt scheme', `postgress://bob:${SECRET}@db.internal:5432/contracts`],
    ['an unsupported database', `mongodb://bob:${SECRET}@db.internal/contracts`],
    ['a password with an unescaped @ and /', `redis://bob:${SECRET}@x/y@db.internal:6379`],
    ['no // after the scheme', `pg:bob:${SECRET}@db.internal/contracts`],
    ['only a password', `redis://:${SECRET}@db.internal`],
    ['a password in the query', `odbc://db.internal/contracts?user=bob&password=${SECRET}`],
  ])('%s: refused, naming the variable, without the password', async (_what, url) => {
    const error: unknown = await Promise.resolve(url).then(parseDatabaseUrl).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as Error).message).toMatch(/^DATABASE_URL ".*": unknown kind of database; expected sqlite:<path>/);
    expect((error as Error).message).not.toContain(SECRET);
    expect(startupFailure(error, url)).toMatch(/^Configuration error: DATABASE_URL "/);
    expect(startupFailure(error, url)).not.toContain(SECRET);
    expect(startupFailure(error, url).split('\n')).toHaveLength(1);
  });

  it('redacts userinfo but keeps what helps find the mistake', () => {
    expect(redactUrl(`postgress://bob:${SECRET}@db.internal:5432/contracts`)).toBe('postgress://***@db.internal:5432/contracts');
    expect(redactUrl('sqlite:data/x.sqlite')).toBe('sqlite:data/x.sqlite');
  });

  it('a SQLite path under a file (the folder cannot be created) → DATABASE_URL error, not a stack trace', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const failure = openDatabase(`sqlite:${path.join(file, 'db', 'bot.sqlite')}`);
    await expect(failure).rejects.toBeInstanceOf(DatabaseConfigError);
    await expect(failure).rejects.toThrow(/^DATABASE_URL: cannot create the folder .*a-file\/db for the SQLite file \(ENOTDIR\); choose a writable path/);
  });

  it('a SQLite path that is a folder → DATABASE_URL error', async () => {
    const folder = path.join(dir, 'folder.sqlite');
    fs.mkdirSync(folder);
    await expect(openDatabase(`sqlite:${folder}`)).rejects.toThrow(/^DATABASE_URL: .*folder\.sqlite is a folder, not a SQLite file/);
  });

  it('a database that cannot be reached → DATABASE_URL error without the password', async () => {
    const url = `postgres://bob:${SECRET}@127.0.0.1:1/contracts`;
    const failure = openDatabase(url);
    await expect(failure).rejects.toBeInstanceOf(DatabaseConfigError);
    await expect(failure).rejects.toThrow(/^DATABASE_URL: cannot open postgres:\/\/\*\*\*@127\.0\.0\.1:1\/contracts \(.*ECONNREFUSED.*\); check the address/);
    await expect(failure).rejects.not.toThrow(new RegExp(SECRET));
  });
});

describe('POLICY_FILE', () => {
  it('a folder → one ConfigError naming POLICY_FILE', () => {
    fs.mkdirSync(path.join(dir, 'policies'));
    const load = () => loadPolicy(loadEnv({ POLICY_FILE: 'policies' }), () => undefined, dir);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^POLICY_FILE: .*policies is a folder; set POLICY_FILE to a YAML file/);
  });

  it('policy.yaml that is a folder → a ConfigError too', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-folder-'));
    fs.mkdirSync(path.join(cwd, 'policy.yaml'));
    expect(() => loadPolicy(loadEnv({}), () => undefined, cwd)).toThrow(/^the policy file: .*policy\.yaml is a folder/);
  });

  it('a missing file → ConfigError naming POLICY_FILE; a readable one loads', () => {
    expect(() => loadPolicy(loadEnv({ POLICY_FILE: 'nope.yaml' }), () => undefined, dir)).toThrow(/^POLICY_FILE: no such file/);
    fs.writeFileSync(path.join(dir, 'ok.yaml'), EXAMPLE_POLICY);
    expect(loadPolicy(loadEnv({ POLICY_FILE: 'ok.yaml' }), () => undefined, dir).file).toBe('ok.yaml');
  });
});

describe('what start-up prints', () => {
  it('a configuration error: one line, prefixed; anything else: the stack', () => {
    expect(startupFailure(new ConfigError('PORT: bad\nvalue'))).toBe('Configuration error: PORT: bad value');
    const bug = new TypeError('boom');
    expect(startupFailure(bug)).toContain('TypeError: boom\n    at ');
  });

  it('never prints the database password, even in the stack of an unexpected error', () => {
    const url = `postgres://bob:${SECRET}@db.internal/contracts`;
    expect(startupFailure(new Error(`driver said: could not use ${url}`), url)).not.toContain(SECRET);
  });
});
