import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, dingtalkSettings, loadEnv, loadPolicy, parsePolicy, wecomSettings } from '../../bot/config';
import { EXAMPLE_POLICY } from '../support/harness';

describe('environment', () => {
  it('applies the defaults', () => {
    expect(loadEnv({})).toEqual({
      PORT: 3000,
      DATABASE_URL: 'sqlite:data/contract-bot.sqlite',
      LOG_LEVEL: 'info',
      WECOM_API_BASE: 'https://qyapi.weixin.qq.com',
      DINGTALK_MODE: 'stream',
      DINGTALK_GATEWAY_URL: 'https://api.dingtalk.com/v1.0/gateway/connections/open',
      DINGTALK_API_BASE: 'https://api.dingtalk.com',
      DINGTALK_OAPI_BASE: 'https://oapi.dingtalk.com',
      DOWNLOAD_LINK_TTL_MINUTES: 1440,
      WECOM_CALLBACK_WINDOW_SECONDS: 300,
      DINGTALK_HTTP_WINDOW_SECONDS: 300,
      METRICS_HOST: '127.0.0.1',
      STOP_DEADLINE_SECONDS: 20,
    });
  });
  it('takes WeCom settings all together or not at all', () => {
    const all = { WECOM_CORP_ID: 'ww1', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 's', WECOM_TOKEN: 't', WECOM_ENCODING_AES_KEY: 'a'.repeat(43) };
    expect(wecomSettings(loadEnv({}))).toBeNull();
    expect(wecomSettings(loadEnv(all))).toEqual({ corpId: 'ww1', agentId: 1000002, secret: 's', token: 't', encodingAesKey: 'a'.repeat(43), apiBase: 'https://qyapi.weixin.qq.com', callbackWindowSeconds: 300 });
    expect(() => wecomSettings(loadEnv({ ...all, WECOM_SECRET: '' }))).toThrow(/set WECOM_SECRET too/);
    expect(() => loadEnv({ WECOM_ENCODING_AES_KEY: 'short' })).toThrow(/WECOM_ENCODING_AES_KEY/);
  });

  it('takes DingTalk credentials together; the robot code defaults to the AppKey', () => {
    expect(dingtalkSettings(loadEnv({}))).toBeNull();
    expect(dingtalkSettings(loadEnv({ DINGTALK_CLIENT_ID: 'key', DINGTALK_CLIENT_SECRET: 's', DINGTALK_MODE: 'http' }))).toMatchObject({
      clientId: 'key',
      robotCode: 'key',
      mode: 'http',
      cardTemplateId: undefined,
    });
    expect(() => dingtalkSettings(loadEnv({ DINGTALK_CLIENT_ID: 'key' }))).toThrow(/DINGTALK_CLIENT_SECRET/);
    expect(() => loadEnv({ DINGTALK_MODE: 'webhook' })).toThrow(/DINGTALK_MODE/);
  });

  it('names the bad variable', () => {
    expect(() => loadEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadEnv({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: expected a token of at least 16 characters/);
    expect(() => loadEnv({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
    expect(() => loadEnv({ STOP_DEADLINE_SECONDS: '0' })).toThrow(/STOP_DEADLINE_SECONDS/);
  });
});

describe('policy file', () => {
  it('parses the shipped example, converting yuan to fen', () => {
    const policy = parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml');
    expect(policy.people.map((p) => p.id)).toContain('zhangsan');
    expect(policy.workflow.routing[0]!.match).toEqual({ belowFen: 5_000_000, risks: ['low'], minFen: undefined, types: undefined });
    expect(policy.workflow.routing[2]!.chain.map((s) => s.role)).toEqual(['sales_manager', 'legal', 'finance', 'gm']);
    expect(policy.workflow.tiers.A.followUpDays).toBe(7);
    expect(policy.calendar.hours).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:30', end: '18:00' },
    ]);
    expect(policy.people.find((p) => p.id === 'wangwu')!.delegate).toEqual({ to: 'sunba', from: '2026-12-21', until: '2026-12-25' });
  });

  const broken: [string, (yaml: string) => string, RegExp][] = [
    ['an unknown key', (y) => y.replace('timezone:', 'timezon:'), /unknown key\(s\) timezon/],
    ['a bad role', (y) => y.replace('roles: [finance]', 'roles: [cfo]'), /people\[5\]\.roles\[0\]/],
    ['a manager nobody knows', (y) => y.replace('manager: lisi', 'manager: nobody'), /people\[0\]\.manager: expected a person id, got "nobody"/],
    ['an amount that is not a number', (y) => y.replace('amount_below: 50000', 'amount_below: fifty'), /routing\[0\]\.match\.amount_below/],
    ['an empty chain', (y) => y.replace('chain: [sales_manager]\n', 'chain: []\n'), /routing\[0\]\.chain: expected at least one approval step/],
    ['bad working hours', (y) => y.replace('"13:30-18:00"', '"18:00-13:30"'), /calendar\.hours\[1\]/],
    ['a duplicate identity', (y) => y.replace('wecom:ZhaoLiu', 'wecom:ZhangSan'), /people\[1\]\.identities\[0\]: "wecom:ZhangSan" already belongs to "zhangsan"/],
    ['a duplicate display name', (y) => y.replace('name: 赵六', 'name: 张三'), /people\[1\]\.name: "张三" is also the name of people\[0\] \("zhangsan"\); display names must be unique: rename "zhangsan" or "zhaoliu"/],
    ['a display name duplicated behind invisible characters', (y) => y.replace('name: 赵六', 'name: "张\u00AD三\u200B"'), /people\[1\]\.name: .* also the name of people\[0\] \("zhangsan"\).*"zhangsan" or "zhaoliu"/],
    ['a display name duplicated in another case', (y) => y.replace('name: 张三', 'name: Tom').replace('name: 赵六', 'name: TOM'), /people\[1\]\.name: "TOM" is also the name of people\[0\] \("zhangsan"\)/],
    ['an empty display name', (y) => y.replace('name: 赵六', 'name: "\u200B"'), /people\[1\]\.name: expected a display name/],
    ['a display name longer than the column', (y) => y.replace('name: 赵六', `name: ${'赵'.repeat(101)}`), /people\[1\]\.name: expected a display name of at most 100 characters/],
    ['an id longer than the column', (y) => y.replace('id: zhaoliu', `id: ${'z'.repeat(65)}`), /people\[1\]\.id: expected an id of at most 64 characters/],
    ['an alert to an unknown channel', (y) => y.replace('digest: approvals', 'digest: nowhere'), /alerts\.digest/],
    ['a bad tier', (y) => y.replace('default_tier: B', 'default_tier: D'), /customers\.default_tier/],
    ['a directory sync cron that is not one', (y) => `${y}\ndirectory_sync: { cron: "every day", departments: { wecom: [1] } }\n`, /directory_sync\.cron: expected a cron expression/],
    ['a directory sync without departments', (y) => `${y}\ndirectory_sync: { enabled: true }\n`, /directory_sync\.departments: name at least one department/],
    ['a directory sync default role that is none', (y) => `${y}\ndirectory_sync: { default_role: boss }\n`, /directory_sync\.default_role/],
  ];
  it.each(broken)('fails on %s, naming the key', (_what, mutate, message) => {
    const yaml = mutate(EXAMPLE_POLICY);
    expect(yaml).not.toBe(EXAMPLE_POLICY);
    expect(() => parsePolicy(yaml, 'policy.yaml')).toThrow(ConfigError);
    expect(() => parsePolicy(yaml, 'policy.yaml')).toThrow(message);
  });

  it('reads directory_sync, off by default', () => {
    expect(parsePolicy(EXAMPLE_POLICY, 'policy.yaml').directorySync).toEqual({ enabled: false, cron: '30 6 * * *', defaultRole: 'sales', departments: { wecom: [], dingtalk: [] } });
    const on = parsePolicy(`${EXAMPLE_POLICY}\ndirectory_sync: { enabled: true, cron: "0 7 * * 1-5", default_role: service, departments: { dingtalk: [1] } }\n`, 'policy.yaml');
    expect(on.directorySync).toEqual({ enabled: true, cron: '0 7 * * 1-5', defaultRole: 'service', departments: { wecom: [], dingtalk: [1] } });
  });

  it('stores display names normalised, as commands compare them', () => {
    const policy = parsePolicy(EXAMPLE_POLICY.replace('name: 赵六', 'name: "赵\u200B六 "'), 'policy.yaml');
    expect(policy.people.find((p) => p.id === 'zhaoliu')!.name).toBe('赵六');
  });

  it('falls back to policy.example.yaml and says so; POLICY_FILE must exist', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    fs.writeFileSync(path.join(dir, 'policy.example.yaml'), EXAMPLE_POLICY);
    const logged: string[] = [];
    expect(loadPolicy(loadEnv({}), (m) => logged.push(m), dir).file).toBe('policy.example.yaml');
    expect(logged.join()).toMatch(/policy\.yaml not found/);
    fs.writeFileSync(path.join(dir, 'policy.yaml'), EXAMPLE_POLICY);
    expect(loadPolicy(loadEnv({}), () => undefined, dir).file).toBe('policy.yaml');
    expect(() => loadPolicy(loadEnv({ POLICY_FILE: 'missing.yaml' }), () => undefined, dir)).toThrow(/POLICY_FILE/);
  });
});

describe('holiday data', () => {
  it('warns within 60 days of the end of the official holiday table, not before', async () => {
    const { warnIfHolidaysRunOut } = await import('../../bot/platforms');
    const { LAST_OFFICIAL_YEAR } = await import('../../handlers/domain/calendar');
    const policy = parsePolicy(EXAMPLE_POLICY, 'policy.yaml');
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (m: string) => void warnings.push(m) };
    expect(warnIfHolidaysRunOut(policy, log, new Date(Date.UTC(LAST_OFFICIAL_YEAR, 9, 1)))).toBe(false);
    expect(warnIfHolidaysRunOut(policy, log, new Date(Date.UTC(LAST_OFFICIAL_YEAR, 11, 1)))).toBe(true);
    expect(warnings).toEqual([`official Chinese holidays are known only through ${LAST_OFFICIAL_YEAR}`]);
  });
});
