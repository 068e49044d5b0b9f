// `npm run doctor`: checks the configuration against the platforms, the database, the holiday table
// and the policy file, one line per check with what to fix. Reads only: it never writes to the
// database (no migrations run) and sends nothing.

import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { LAST_OFFICIAL_YEAR } from '../../handlers/domain/calendar';
import { dataSourceOptions, parseDatabaseUrl, redactUrl, withoutSecretsOf } from '../../storage/data-source';
import { dingtalkSettings, loadEnv, loadPolicy, wecomSettings, type Env, type Policy } from '../config';
import { DingtalkApi, DingtalkOapiError } from '../dingtalk/api';
import { WecomApi, WecomApiError } from '../wecom/api';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  check: string;
  /** What was found. */
  detail: string;
  /** What to do about it (warnings and failures). */
  fix?: string;
}

export interface DoctorOptions {
  /** The environment (process.env, after .env). */
  source: NodeJS.ProcessEnv;
  cwd?: string;
  now?: Date;
  /** The last year the official holiday table covers (tests). */
  lastOfficialYear?: number;
  /** The public URL check's time limit (ms). */
  timeoutMs?: number;
}

const SYMBOL: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

export const formatResult = (r: CheckResult): string => `${SYMBOL[r.status]} ${r.check}: ${r.detail}${r.fix ? ` — fix: ${r.fix}` : ''}`;

const ok = (check: string, detail: string): CheckResult => ({ status: 'ok', check, detail });
const fail = (check: string, detail: string, fix: string): CheckResult => ({ status: 'fail', check, detail, fix });

export async function runDoctor(o: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let env: Env;
  try {
    env = loadEnv(o.source);
  } catch (error) {
    return [fail('environment', (error as Error).message, 'correct the variable named (in .env or the service environment)')];
  }
  let policy: Policy | null = null;
  try {
    const notes: string[] = [];
    policy = loadPolicy(env, (m) => notes.push(m), o.cwd);
    const sync = policy.directorySync;
    const syncing = sync.enabled ? `directory sync daily (${sync.cron})` : 'directory sync off';
    results.push(ok('policy', `${policy.file}: ${policy.people.length} people, ${policy.workflow.routing.length} routing rules, ${syncing}${notes.length ? `; ${notes.join('; ')}` : ''}`));
  } catch (error) {
    results.push(fail('policy', (error as Error).message, 'correct the key named in the policy file (see policy.example.yaml)'));
  }
  results.push(await checkDatabase(env.DATABASE_URL, o.cwd ?? process.cwd()));
  if (policy) results.push(checkHolidays(policy, o.now ?? new Date(), o.lastOfficialYear ?? LAST_OFFICIAL_YEAR));
  results.push(...(await checkWecom(env, policy)));
  results.push(...(await checkDingtalk(env, policy)));
  if (env.PUBLIC_URL) results.push(await checkPublicUrl(env.PUBLIC_URL, o.timeoutMs ?? 10_000));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Database

async function checkDatabase(url: string, cwd: string): Promise<CheckResult> {
  let target;
  try {
    target = parseDatabaseUrl(url);
  } catch (error) {
    return fail('database', (error as Error).message, 'set DATABASE_URL to sqlite:<path>, postgres://… or mysql://…');
  }
  const shown = target.kind === 'sqlite' ? `SQLite ${path.resolve(cwd, target.location)}` : redactUrl(url);
  if (target.kind === 'sqlite' && target.location !== ':memory:' && !fs.existsSync(path.resolve(cwd, target.location))) {
    // Opening would create an empty file; the doctor only looks.
    return fail('database', `${shown} does not exist yet`, 'start the bot once (npm start creates the file and its tables), or correct DATABASE_URL');
  }
  const location = target.kind === 'sqlite' && target.location !== ':memory:' ? path.resolve(cwd, target.location) : target.location;
  const dataSource = new DataSource(dataSourceOptions({ ...target, location }));
  try {
    await dataSource.initialize();
  } catch (error) {
    const reason = withoutSecretsOf(url, String((error as Error)?.message ?? error)).split('\n')[0];
    return fail('database', `cannot connect to ${shown} (${reason})`, 'check DATABASE_URL (host, port, user, password, database name) and that the database server is running');
  }
  try {
    const pending = await pendingMigrations(dataSource);
    if (pending.length) {
      return fail('database', `${shown}: ${pending.length} migration(s) not applied (${pending.join(', ')})`, 'start the bot (npm start runs pending migrations), after a backup');
    }
    return ok('database', `${shown}: connected, migrations up to date (${dataSource.migrations.length})`);
  } finally {
    await dataSource.destroy();
  }
}

/** Names of the migrations the database has not run (read from TypeORM's `migrations` table). */
async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const done = (await runner.hasTable('migrations')) ? new Set((await runner.query(`SELECT ${dataSource.driver.escape('name')} AS name FROM ${dataSource.driver.escape('migrations')}`)).map((r: { name: string }) => r.name)) : new Set<string>();
    return dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !done.has(name));
  } finally {
    await runner.release();
  }
}

// ---------------------------------------------------------------------------------------------
// Holidays

const DAY = 86_400_000;

/**
 * The official table (chinese-days) covers through LAST_OFFICIAL_YEAR; a later year counts as covered
 * when the policy lists its days by hand (calendar.extra_holidays / extra_workdays). Fine when a year
 * from today is covered; a warning before that (the State Council publishes next year's days around
 * November); a failure within 60 days of the end, as the bot's own start-up warning.
 */
export function checkHolidays(policy: Policy, now: Date, lastOfficialYear: number): CheckResult {
  const c = policy.calendar;
  if (!c.officialHolidays) return ok('holidays', 'official holidays off (calendar.official_holidays: false): only weekdays and the policy’s extra days count');
  const handYears = new Set([...c.extraHolidays, ...c.extraWorkdays].map((d) => Number(d.slice(0, 4))));
  let lastYear = lastOfficialYear;
  while (handYears.has(lastYear + 1)) lastYear++;
  const coveredUntil = Date.UTC(lastYear + 1, 0, 1); // exclusive
  const source = lastYear > lastOfficialYear ? `chinese-days through ${lastOfficialYear}, the policy’s extra days through ${lastYear}` : `chinese-days through ${lastOfficialYear}`;
  const fix = `update chinese-days (npm install --save-exact chinese-days@latest) once ${lastYear + 1}'s holidays are published, or list them in calendar.extra_holidays / extra_workdays`;
  const daysLeft = Math.floor((coveredUntil - now.getTime()) / DAY);
  if (daysLeft < 60) return fail('holidays', `holiday table covers ${source}: ${Math.max(daysLeft, 0)} day(s) left`, fix);
  if (now.getTime() + 365 * DAY >= coveredUntil) return { status: 'warn', check: 'holidays', detail: `holiday table covers ${source}, less than a year ahead`, fix };
  return ok('holidays', `holiday table covers ${source}, more than a year ahead`);
}

// ---------------------------------------------------------------------------------------------
// WeCom

/** What to do about a WeCom errcode, by what it means. */
function wecomFix(error: unknown): string {
  if (error instanceof WecomApiError) {
    switch (error.errcode) {
      case 40013:
        return 'WECOM_CORP_ID is wrong: copy the 企业ID from 我的企业 → 企业信息';
      case 40001:
      case 40091:
      case 41004:
        return 'WECOM_SECRET is wrong: copy the app’s Secret from 应用管理 → your app';
      case 60020:
        return 'this server’s IP is not trusted: add its public IP to the app’s 企业可信IP (应用管理 → your app → 开发者接口)';
      case 40056:
        return 'WECOM_AGENT_ID is wrong: copy the AgentId from 应用管理 → your app';
      case 48002:
      case 60011:
        return 'the app may not read the directory: use the 通讯录同步 secret (WECOM_CONTACT_SECRET) or widen the app’s visible range';
    }
  }
  return 'check WECOM_API_BASE and that this server reaches qyapi.weixin.qq.com (firewall, proxy, DNS)';
}

async function checkWecom(env: Env, policy: Policy | null): Promise<CheckResult[]> {
  let settings;
  try {
    settings = wecomSettings(env);
  } catch (error) {
    return [fail('wecom', (error as Error).message, 'set all of the WECOM_ variables, or none')];
  }
  if (!settings) {
    return policy?.directorySync.departments.wecom.length
      ? [fail('wecom', 'directory_sync.departments.wecom is set but WeCom is not configured', 'set the WECOM_ variables, or remove the WeCom departments from directory_sync')]
      : [ok('wecom', 'not configured (no WECOM_ variables): skipped')];
  }
  const clock = { now: () => new Date() };
  const api = new WecomApi(settings, clock);
  const results: CheckResult[] = [];
  try {
    await api.accessToken();
    results.push(ok('wecom token', `gettoken answered for corp ${settings.corpId}`));
  } catch (error) {
    return [fail('wecom token', (error as Error).message, wecomFix(error))];
  }
  try {
    const agent = await api.get('/cgi-bin/agent/get', { agentid: String(settings.agentId) });
    const users = ((agent.allow_userinfos as { user?: unknown[] } | undefined)?.user ?? []).length;
    const parties = ((agent.allow_partys as { partyid?: unknown[] } | undefined)?.partyid ?? []).length;
    if (Number(agent.close) === 1) results.push(fail('wecom agent', `app ${settings.agentId} is disabled`, 'enable the app in 应用管理'));
    else if (users + parties === 0) results.push(fail('wecom agent', `app ${settings.agentId} is visible to nobody`, 'set the app’s 可见范围 to the departments that use the bot'));
    else results.push(ok('wecom agent', `app ${settings.agentId} visible to ${parties} department(s) and ${users} member(s)`));
  } catch (error) {
    results.push(fail('wecom agent', (error as Error).message, wecomFix(error)));
  }
  const departments = policy?.directorySync.departments.wecom ?? [];
  if (departments.length) {
    const contacts = env.WECOM_CONTACT_SECRET ? new WecomApi({ ...settings, secret: env.WECOM_CONTACT_SECRET }, clock) : api;
    try {
      for (const id of departments) await contacts.get('/cgi-bin/department/simplelist', { id: String(id) });
      await contacts.call('/cgi-bin/user/list_id', { limit: 1 });
      results.push(ok('wecom directory', `departments ${departments.join(', ')} readable for the directory sync`));
    } catch (error) {
      results.push(fail('wecom directory', (error as Error).message, wecomFix(error)));
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// DingTalk

async function checkDingtalk(env: Env, policy: Policy | null): Promise<CheckResult[]> {
  let settings;
  try {
    settings = dingtalkSettings(env);
  } catch (error) {
    return [fail('dingtalk', (error as Error).message, 'set both DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET, or neither')];
  }
  if (!settings) {
    return policy?.directorySync.departments.dingtalk.length
      ? [fail('dingtalk', 'directory_sync.departments.dingtalk is set but DingTalk is not configured', 'set DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET, or remove the DingTalk departments from directory_sync')]
      : [ok('dingtalk', 'not configured (no DINGTALK_ variables): skipped')];
  }
  const api = new DingtalkApi(settings, { now: () => new Date() });
  const results: CheckResult[] = [];
  try {
    await api.accessToken();
    results.push(ok('dingtalk token', `accessToken answered for app ${settings.clientId}`));
  } catch (error) {
    return [
      fail('dingtalk token', (error as Error).message, 'copy the app’s Client ID (AppKey) and Client Secret (AppSecret) from 开发者后台 → 凭证与基础信息 into DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET; check DINGTALK_API_BASE'),
    ];
  }
  results.push(
    settings.cardTemplateId
      ? ok('dingtalk card template', `DINGTALK_CARD_TEMPLATE_ID ${settings.cardTemplateId}`)
      : fail('dingtalk card template', 'DINGTALK_CARD_TEMPLATE_ID is not set: approvals arrive as markdown without buttons', 'create the approval card from cards/dingtalk/approval-card.template.json in the card platform and set its template id'),
  );
  const departments = policy?.directorySync.departments.dingtalk ?? [];
  if (departments.length) {
    try {
      for (const id of departments) await api.oapi('/topapi/v2/department/listsub', { dept_id: id, language: 'zh_CN' });
      results.push(ok('dingtalk directory', `departments ${departments.join(', ')} readable for the directory sync`));
    } catch (error) {
      const denied = error instanceof DingtalkOapiError && [60011, 50004, 60020, 60003].includes(error.errcode);
      results.push(
        fail(
          'dingtalk directory',
          (error as Error).message,
          denied
            ? 'grant the app the 通讯录个人信息读权限 / 成员信息读权限 and a visible range that includes the departments; check the dept ids in directory_sync.departments.dingtalk'
            : 'check DINGTALK_OAPI_BASE and that this server reaches oapi.dingtalk.com',
        ),
      );
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Public URL

async function checkPublicUrl(publicUrl: string, timeoutMs: number): Promise<CheckResult> {
  const url = new URL('/healthz', publicUrl);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.arrayBuffer();
    if (response.status === 200) return ok('callback url', `${url} answers 200`);
    return fail('callback url', `${url} answers HTTP ${response.status}`, 'check that the bot runs and that the reverse proxy forwards this path to it (see the deployment guide)');
  } catch (error) {
    return fail('callback url', `${url} is not reachable (${(error as Error).message})`, 'check DNS, the firewall, TLS and the reverse proxy; PUBLIC_URL must be the address WeCom / DingTalk call');
  }
}
