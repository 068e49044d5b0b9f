// npm run doctor against the fake WeCom and DingTalk on 127.0.0.1, a real SQLite file and the bot's
// real Koa server as the public URL: a healthy configuration, then each failure with its fix.

import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { parsePolicy } from '../../bot/config';
import { checkHolidays, formatResult, runDoctor, type CheckResult } from '../../bot/doctor/checks';
import { main as doctorMain } from '../../bot/doctor/cli';
import { silentLogger } from '../../bot/logger';
import { createServer } from '../../bot/server';
import { dataSourceOptions, openDatabase } from '../../storage/data-source';
import { FakeDingtalk } from '../fakes/dingtalk';
import { FakeWecom } from '../fakes/wecom';
import { EXAMPLE_POLICY } from '../support/harness';
import { ownDatabase } from '../support/own-database';
import { SETTINGS } from '../support/wecom-rig';
import { MIGRATIONS } from '../../storage/migrations';

let dir: string;
let wecom: FakeWecom;
let dingtalk: FakeDingtalk;
let server: Server;
let dataSource: DataSource;
let healthy: NodeJS.ProcessEnv;

const POLICY = `${EXAMPLE_POLICY}\ndirectory_sync: { departments: { wecom: [1], dingtalk: [1] } }\n`;
/** A day more than a year before the end of a table that covers 2027. */
const OPTIONS = { now: new Date('2026-01-10T02:00:00Z'), lastOfficialYear: 2027 };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-'));
  fs.writeFileSync(path.join(dir, 'policy.yaml'), POLICY);
  ({ dataSource } = await openDatabase(`sqlite:${path.join(dir, 'bot.sqlite')}`));
  server = createServer({ dataSource, log: silentLogger }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  wecom = await new FakeWecom({ ...SETTINGS }).start();
  dingtalk = await new FakeDingtalk({ clientId: 'ding-app', clientSecret: 'ding-secret' }).start();
  healthy = {
    DATABASE_URL: `sqlite:${path.join(dir, 'bot.sqlite')}`,
    POLICY_FILE: path.join(dir, 'policy.yaml'),
    WECOM_CORP_ID: SETTINGS.corpId,
    WECOM_AGENT_ID: String(SETTINGS.agentId),
    WECOM_SECRET: SETTINGS.secret,
    WECOM_TOKEN: SETTINGS.token,
    WECOM_ENCODING_AES_KEY: SETTINGS.encodingAesKey,
    WECOM_API_BASE: wecom.baseUrl,
    DINGTALK_CLIENT_ID: 'ding-app',
    DINGTALK_CLIENT_SECRET: 'ding-secret',
    DINGTALK_CARD_TEMPLATE_ID: 'tpl-approval.schema',
    DINGTALK_API_BASE: dingtalk.baseUrl,
    DINGTALK_OAPI_BASE: dingtalk.baseUrl,
    PUBLIC_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await dataSource.destroy();
  await wecom.stop();
  await dingtalk.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const doctor = (env: NodeJS.ProcessEnv, options = OPTIONS) => runDoctor({ source: env, cwd: dir, ...options, timeoutMs: 2000 });
const line = (results: CheckResult[], check: string) => {
  const found = results.find((r) => r.check === check);
  if (!found) throw new Error(`no ${check} line in:\n${results.map(formatResult).join('\n')}`);
  return found;
};
const failures = (results: CheckResult[]) => results.filter((r) => r.status === 'fail').map((r) => r.check);

it('passes a healthy configuration, one ✓ line per check', async () => {
  const results = await doctor(healthy);
  expect(results.map((r) => r.check)).toEqual([
    'policy',
    'database',
    'holidays',
    'wecom token',
    'wecom agent',
    'wecom directory',
    'dingtalk token',
    'dingtalk card template',
    'dingtalk directory',
    'callback url',
  ]);
  expect(failures(results)).toEqual([]);
  expect(results.every((r) => r.status === 'ok')).toBe(true);
  expect(formatResult(line(results, 'database'))).toMatch(/^✓ database: SQLite .*bot\.sqlite: connected, migrations up to date/);
  expect(line(results, 'wecom agent').detail).toContain('visible to 1 department(s)');
});

it('names the wrong secret of each platform', async () => {
  const results = await doctor({ ...healthy, WECOM_SECRET: 'wrong', DINGTALK_CLIENT_SECRET: 'wrong' });
  expect(failures(results)).toEqual(['wecom token', 'dingtalk token']);
  expect(line(results, 'wecom token').fix).toContain('WECOM_SECRET is wrong');
  expect(line(results, 'dingtalk token').fix).toContain('DINGTALK_CLIENT_SECRET');
  expect(formatResult(line(results, 'wecom token'))).toMatch(/^✗ wecom token: WeCom \/cgi-bin\/gettoken: 40001 .* — fix: WECOM_SECRET is wrong/);
});

it('fails without a DingTalk card template id', async () => {
  const results = await doctor({ ...healthy, DINGTALK_CARD_TEMPLATE_ID: '' });
  expect(failures(results)).toEqual(['dingtalk card template']);
  expect(line(results, 'dingtalk card template').fix).toContain('template id');
});

it('fails on a database it cannot reach, and on migrations not applied', async () => {
  const unreachable = await doctor({ ...healthy, DATABASE_URL: 'postgres://bot:s3cret@127.0.0.1:1/contracts' });
  expect(failures(unreachable)).toEqual(['database']);
  expect(line(unreachable, 'database').detail).toContain('cannot connect to postgres://***@127.0.0.1:1/contracts');
  expect(formatResult(line(unreachable, 'database'))).not.toContain('s3cret');

  const missing = await doctor({ ...healthy, DATABASE_URL: `sqlite:${path.join(dir, 'nothing.sqlite')}` });
  expect(line(missing, 'database')).toMatchObject({ status: 'fail', fix: expect.stringContaining('npm start') });
  expect(fs.existsSync(path.join(dir, 'nothing.sqlite'))).toBe(false); // the doctor only looks

  const old = path.join(dir, 'old.sqlite');
  const ds = await new DataSource(dataSourceOptions({ kind: 'sqlite', location: old })).initialize();
  await ds.runMigrations();
  await ds.undoLastMigration();
  await ds.destroy();
  const behind = await doctor({ ...healthy, DATABASE_URL: `sqlite:${old}` });
  expect(line(behind, 'database').detail).toContain(`1 migration(s) not applied (${MIGRATIONS[MIGRATIONS.length - 1]!.name})`);
});

const SERVERS: [string, 'postgres' | 'mysql', boolean][] = [
  ['PostgreSQL', 'postgres', process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['MySQL', 'mysql', process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const servers = (reachable: boolean) => SERVERS.filter((s) => s[2] === reachable).map(([name, kind]) => [name, kind] as const);
if (servers(false).length) describe.skip.each(servers(false))('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(servers(true))('the database check on %s', (_name, kind) => {
  it('reads the applied migrations without changing anything', async () => {
    const url = await ownDatabase(kind, kind === 'postgres' ? process.env.TEST_POSTGRES_URL! : process.env.TEST_MYSQL_URL!, 'doctor');
    const empty = await doctor({ ...healthy, DATABASE_URL: url });
    expect(line(empty, 'database').detail).toContain(`${MIGRATIONS.length} migration(s) not applied`);
    const { dataSource: ds } = await openDatabase(url);
    await ds.destroy();
    const current = await doctor({ ...healthy, DATABASE_URL: url });
    expect(line(current, 'database')).toMatchObject({ status: 'ok', detail: expect.stringContaining(`migrations up to date (${MIGRATIONS.length})`) });
  });
});

it('fails when the holiday table is too short, counting the policy’s own extra days', async () => {
  const short = await doctor(healthy, { now: new Date('2026-11-23T02:00:00Z'), lastOfficialYear: 2026 });
  expect(failures(short)).toEqual(['holidays']);
  expect(line(short, 'holidays').detail).toContain('chinese-days through 2026: 38 day(s) left');
  expect(line(short, 'holidays').fix).toContain('chinese-days');

  const policy = parsePolicy(POLICY.replace('extra_holidays: []', 'extra_holidays: [2027-02-10]'), 'policy.yaml');
  expect(policy.calendar.extraHolidays).toEqual(['2027-02-10']);
  // 2027 listed by hand: a year ahead is covered today; in March 2027 less than a year is (a warning,
  // not a failure: next year's days are published around November).
  expect(checkHolidays(policy, new Date('2026-11-23T02:00:00Z'), 2026)).toMatchObject({ status: 'ok', detail: expect.stringContaining('the policy’s extra days through 2027') });
  expect(checkHolidays(policy, new Date('2027-03-01T02:00:00Z'), 2026)).toMatchObject({ status: 'warn', fix: expect.stringContaining('2028') });
  expect(checkHolidays(policy, new Date('2027-11-20T02:00:00Z'), 2026).status).toBe('fail');
  const off = parsePolicy(POLICY.replace('official_holidays: true', 'official_holidays: false'), 'policy.yaml');
  expect(checkHolidays(off, new Date('2030-01-01T00:00:00Z'), 2026).status).toBe('ok');
});

it('hints at the trusted IP list on 60020, and at the visible range when nobody sees the app', async () => {
  wecom.failNext('/cgi-bin/agent/get', 60020);
  const untrusted = await doctor(healthy);
  expect(line(untrusted, 'wecom agent')).toMatchObject({ status: 'fail', fix: expect.stringContaining('企业可信IP') });

  wecom.agentVisibility.parties = [];
  try {
    const hidden = await doctor(healthy);
    expect(line(hidden, 'wecom agent')).toMatchObject({ status: 'fail', detail: expect.stringContaining('visible to nobody') });
  } finally {
    wecom.agentVisibility.parties = [1];
  }
});

it('fails on a policy file that does not parse, and on a public URL nobody answers', async () => {
  fs.writeFileSync(path.join(dir, 'bad.yaml'), POLICY.replace('default_risk: low', 'default_risk: extreme'));
  const results = await doctor({ ...healthy, POLICY_FILE: path.join(dir, 'bad.yaml'), PUBLIC_URL: 'http://127.0.0.1:1' });
  expect(failures(results)).toEqual(['policy', 'callback url']);
  expect(line(results, 'policy').detail).toContain('approval.default_risk');
  expect(results.map((r) => r.check)).not.toContain('holidays'); // needs the policy
});

it('fails when the policy syncs departments of a platform that is not configured', async () => {
  const results = await doctor({ ...healthy, DINGTALK_CLIENT_ID: '', DINGTALK_CLIENT_SECRET: '' });
  expect(failures(results)).toEqual(['dingtalk']);
  expect(line(results, 'dingtalk').detail).toContain('directory_sync.departments.dingtalk');
});

it('exits non-zero when a check fails (the CLI)', async () => {
  const saved = { ...process.env };
  const lines: string[] = [];
  try {
    Object.assign(process.env, healthy, { DINGTALK_CARD_TEMPLATE_ID: '' });
    expect(await doctorMain((l) => lines.push(l))).toBe(1);
    expect(lines).toContain('✗ dingtalk card template: DINGTALK_CARD_TEMPLATE_ID is not set: approvals arrive as markdown without buttons — fix: create the approval card from cards/dingtalk/approval-card.template.json in the card platform and set its template id');
    expect(lines.at(-1)).toMatch(/check\(s\) failed$/);
  } finally {
    process.env = saved;
  }
});
