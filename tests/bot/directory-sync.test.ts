// Directory sync against the fake WeCom and DingTalk directory APIs on 127.0.0.1: new, changed, moved
// and departed people; a departed approver's open step reported to the admins; nothing deleted; a
// second run changes nothing; a dry run writes nothing; an API failure midway changes nothing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../bot/app';
import { parsePolicy, type Policy } from '../../bot/config';
import { DirectoryWatcher, syncDirectoryFromPlatforms, type DirectorySources } from '../../bot/directory';
import { DingtalkApi } from '../../bot/dingtalk/api';
import { silentLogger } from '../../bot/logger';
import { WecomApi } from '../../bot/wecom/api';
import { describeDiff } from '../../handlers/directory-sync';
import { FakeDingtalk } from '../fakes/dingtalk';
import { FakeWecom } from '../fakes/wecom';
import { EXAMPLE_POLICY, RecordingNotifier, startHarness, textMessage, type Harness } from '../support/harness';
import { SETTINGS } from '../support/wecom-rig';

const SYNC_POLICY = `${EXAMPLE_POLICY}
directory_sync:
  enabled: true
  default_role: sales
  departments: { wecom: [2], dingtalk: [10] }
`;

let wecom: FakeWecom;
let dingtalk: FakeDingtalk;
let h: Harness;
let policy: Policy;
let sources: DirectorySources;

function seedDirectories(): void {
  wecom.directory.departments.push({ id: 2, parentid: 1 }, { id: 3, parentid: 2 }, { id: 9, parentid: 1 });
  wecom.directory.users.push(
    { userid: 'ZhangSan', name: '张三丰', mobile: '13800000001', department: [2], direct_leader: ['LiSi'] },
    { userid: 'LiSi', name: '李四', department: [2] },
    { userid: 'XiaoMing', name: '小明', mobile: '13800000002', department: [3], direct_leader: ['LiSi'] },
    { userid: 'XiaoHong', name: '小红', department: [2], direct_leader: ['XiaoMing'] },
    { userid: 'LaoWang', name: '老王', department: [2], direct_leader: ['LiSi'] },
    { userid: 'Outsider', name: '外人', department: [9] },
  );
  dingtalk.directory.departments.push({ dept_id: 10, parent_id: 1, name: '销售' }, { dept_id: 11, parent_id: 10, name: '北区' });
  dingtalk.directory.users.push(
    { userid: 'xm01', name: '小明', mobile: '+86 138-0000-0002', dept_id_list: [11], manager_userid: 'lisi01' },
    { userid: 'dd007', name: '钉钉七', dept_id_list: [10] },
  );
}

beforeEach(async () => {
  wecom = await new FakeWecom({ ...SETTINGS }).start();
  dingtalk = await new FakeDingtalk({ clientId: 'ding-app', clientSecret: 'ding-secret' }).start();
  seedDirectories();
  policy = parsePolicy(SYNC_POLICY, 'policy.yaml');
  h = await startHarness({ policy });
  sources = {
    wecom: new WecomApi({ ...SETTINGS, apiBase: wecom.baseUrl }, h.clock),
    dingtalk: new DingtalkApi({ clientId: 'ding-app', clientSecret: 'ding-secret', robotCode: 'ding-app', apiBase: dingtalk.baseUrl, oapiBase: dingtalk.baseUrl }, h.clock),
  };
});

afterEach(async () => {
  await h.close();
  await wecom.stop();
  await dingtalk.stop();
});

const noWait = { sleep: async () => undefined };
const sync = (options: { dryRun?: boolean } = {}) => syncDirectoryFromPlatforms({ app: h.app, policy, sources, clock: h.clock, retry: noWait, ...options });

/** Every row of the directory tables: equal before and after = nothing written. */
async function directoryTables(): Promise<string> {
  const q = (sql: string) => h.app.dataSource.query(sql);
  return JSON.stringify({
    people: await q('SELECT id, name, roles, manager_id, active FROM person ORDER BY id'),
    identities: await q('SELECT identity, person_id FROM person_identity ORDER BY identity'),
    members: await q('SELECT platform, user_id, person_id, name, manager_user_id, departments, active, updated_at FROM directory_member ORDER BY platform, user_id'),
  });
}

const person = async (id: string) => (await h.app.dataSource.query('SELECT id, name, roles, manager_id, active FROM person WHERE id = ?', [id]))[0];

describe('directory sync', () => {
  it('adds the platforms’ people, merges one person’s two accounts by mobile, and lets them use the bot', async () => {
    const result = await sync();
    expect(result.diff.added.map((p) => p.id).sort()).toEqual(['dingtalk-dd007', 'wecom-LaoWang', 'wecom-XiaoHong', 'wecom-XiaoMing']);
    expect(result.diff.deactivated).toEqual([]);

    const directory = h.app.deps.directory;
    const xiaoming = directory.findByIdentity('dingtalk:xm01')!;
    expect(xiaoming.id).toBe('wecom-XiaoMing'); // one person with both accounts
    expect(xiaoming.identities.sort()).toEqual(['dingtalk:xm01', 'wecom:XiaoMing']);
    expect(xiaoming.manager).toBe('lisi'); // WeCom leader LiSi → the policy's lisi
    expect(xiaoming.roles).toEqual(['sales']); // the default role
    expect(directory.get('wecom-XiaoHong')!.manager).toBe('wecom-XiaoMing');
    expect(directory.findByIdentity('wecom:Outsider')).toBeUndefined(); // department 9 is not synced

    // The policy wins where both speak: 张三 keeps the policy's name and role.
    expect(directory.get('zhangsan')).toMatchObject({ name: '张三', roles: ['sales'], manager: 'lisi' });
    expect(await person('zhangsan')).toMatchObject({ name: '张三' });
    expect(await person('wecom-XiaoMing')).toMatchObject({ name: '小明', manager_id: 'lisi' });

    // The running bot knows them at once.
    await h.app.dispatcher.handle(textMessage('帮助', 'sync-help-1', 'dingtalk:xm01'));
    await h.app.outbox.deliverDue();
    const reply = h.notifier.delivered.at(-1)!;
    expect(JSON.stringify(reply.views)).not.toContain('不在合同助手的通讯录里');
    expect(reply.to).toMatchObject({ kind: 'conversation', personId: 'wecom-XiaoMing' });
  });

  it('changes, moves and deactivates; reports a departed approver’s open step; deletes nothing; a second run changes nothing', async () => {
    await sync();
    // 老王 (synced) becomes the approver of a pending step: 李四 transfers it to him.
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A');
    const created = await h.say('zhangsan', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:广告投放');
    const no = /HT-\d{4}-\d{4}/.exec(created.reply)![0];
    await h.say('zhangsan', `提交 ${no}`);
    expect((await h.say('lisi', `转交 ${no} 老王`)).reply).toContain('已转交给 老王');
    const peopleBefore = Number((await h.app.dataSource.query('SELECT COUNT(*) AS n FROM person'))[0].n);

    wecom.directory.users.find((u) => u.userid === 'XiaoMing')!.name = '肖明'; // changed
    wecom.directory.users.find((u) => u.userid === 'XiaoHong')!.department = [3]; // moved
    wecom.directory.users.find((u) => u.userid === 'LaoWang')!.status = 5; // left the company
    dingtalk.directory.users.splice(dingtalk.directory.users.findIndex((u) => u.userid === 'dd007'), 1); // gone

    const result = await sync();
    expect(result.diff.added).toEqual([]);
    expect(result.diff.changed.map((c) => [c.person.id, c.fields])).toEqual([['wecom-XiaoMing', ['name']]]);
    expect(result.diff.moved.map((m) => [m.person.id, m.from, m.to])).toEqual([['wecom-XiaoHong', ['wecom:2'], ['wecom:3']]]);
    expect(result.diff.deactivated.map((p) => p.id).sort()).toEqual(['dingtalk-dd007', 'wecom-LaoWang']);
    expect(result.reportedSteps).toBe(1);
    expect(describeDiff(result.diff).at(-1)).toBe('0 added, 1 changed, 1 moved, 2 deactivated');

    // Nothing deleted: the people who left are inactive, their rows and accounts kept.
    expect(Number((await h.app.dataSource.query('SELECT COUNT(*) AS n FROM person'))[0].n)).toBe(peopleBefore);
    expect(await person('wecom-LaoWang')).toMatchObject({ name: '老王', active: 0 });
    expect(await h.app.dataSource.query("SELECT active FROM directory_member WHERE user_id = 'LaoWang'")).toEqual([{ active: 0 }]);
    expect(h.app.deps.directory.get('wecom-LaoWang')).toBeUndefined();
    expect(h.app.deps.directory.get('wecom-XiaoMing')!.name).toBe('肖明');

    // The admins hear about the step still waiting for 老王, through the outbox.
    await h.app.outbox.deliverDue();
    const note = h.inboxOf('admin').find((t) => t.includes('通讯录同步'));
    expect(note).toContain('老王');
    expect(note).toContain(`合同 ${no} 第 1 步（待审批）：老王`);
    expect(note).not.toContain('钉钉七'); // left too, but nothing waits for them
    expect(await h.app.dataSource.query("SELECT urgent FROM outbox WHERE dedupe_key LIKE 'directory-departed:%'")).toHaveLength(1);

    // A second run with the platforms unchanged writes nothing and reports nothing.
    const before = await directoryTables();
    const outboxBefore = Number((await h.app.dataSource.query('SELECT COUNT(*) AS n FROM outbox'))[0].n);
    const again = await sync();
    expect(again.written).toBe(0);
    expect(describeDiff(again.diff)).toEqual(['0 added, 0 changed, 0 moved, 0 deactivated']);
    expect(await directoryTables()).toBe(before);
    expect(Number((await h.app.dataSource.query('SELECT COUNT(*) AS n FROM outbox'))[0].n)).toBe(outboxBefore);

    // Someone who comes back gets their old id (and history) again.
    wecom.directory.users.find((u) => u.userid === 'LaoWang')!.status = 1;
    const back = await sync();
    expect(back.diff.added.map((p) => p.id)).toEqual(['wecom-LaoWang']);
    expect(await person('wecom-LaoWang')).toMatchObject({ active: 1 });
  });

  it('a dry run prints the difference and writes nothing', async () => {
    const before = await directoryTables();
    const dry = await sync({ dryRun: true });
    expect(dry.diff.added).toHaveLength(4);
    expect(dry.written).toBe(0);
    expect(describeDiff(dry.diff).some((l) => l.startsWith('+ added') && l.includes('小明'))).toBe(true);
    expect(await directoryTables()).toBe(before);
    expect(h.app.deps.directory.findByIdentity('wecom:XiaoMing')).toBeUndefined();
  });

  it('an API failure midway changes nothing; a throttled call is retried', async () => {
    await sync();
    const before = await directoryTables();
    wecom.directory.users.find((u) => u.userid === 'XiaoMing')!.name = '肖明';
    // WeCom read completely (one call throttled twice, then answered), then DingTalk fails on a member.
    wecom.failNext('/cgi-bin/user/get', 45009, 45009);
    dingtalk.failNextOapi('/topapi/v2/user/get', 60011);
    await expect(sync()).rejects.toThrow(/60011/);
    expect(await directoryTables()).toBe(before);
    expect(h.app.deps.directory.get('wecom-XiaoMing')!.name).toBe('小明');
    expect(wecom.directoryCalls.filter((c) => c === '/cgi-bin/user/list_id').length).toBeGreaterThan(2); // paged
  });

  it('reads user/list_id page by page (cursor) and the DingTalk department tree', async () => {
    await sync();
    const pages = wecom.directoryCalls.filter((c) => c === '/cgi-bin/user/list_id').length;
    expect(pages).toBe(Math.ceil(wecom.directory.users.length / wecom.directory.pageSize));
    expect(dingtalk.directoryCalls.filter((c) => c === '/topapi/v2/department/listsub')).toHaveLength(2); // 10 and 11
  });
});

it('another instance picks up a sync through the revision it polls', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'directory-watch-'));
  const databaseUrl = `sqlite:${path.join(dir, 'bot.sqlite')}`;
  const wecomFake = await new FakeWecom({ ...SETTINGS }).start();
  wecomFake.directory.departments.push({ id: 2, parentid: 1 });
  wecomFake.directory.users.push({ userid: 'NewHire', name: '新同事', department: [2] });
  const syncPolicy = parsePolicy(`${EXAMPLE_POLICY}\ndirectory_sync: { departments: { wecom: [2] } }\n`, 'policy.yaml');
  const clock = { now: () => new Date() };
  const a = await createApp({ databaseUrl, policy: syncPolicy, notifier: new RecordingNotifier(), clock, log: silentLogger });
  const b = await createApp({ databaseUrl, policy: syncPolicy, notifier: new RecordingNotifier(), clock, log: silentLogger });
  try {
    const watcher = new DirectoryWatcher(b, syncPolicy, silentLogger);
    await watcher.check();
    expect(await watcher.check()).toBe(false); // nothing changed: no reload
    await syncDirectoryFromPlatforms({ app: a, policy: syncPolicy, sources: { wecom: new WecomApi({ ...SETTINGS, apiBase: wecomFake.baseUrl }, clock) }, clock });
    expect(b.deps.directory.findByIdentity('wecom:NewHire')).toBeUndefined();
    expect(await watcher.check()).toBe(true);
    expect(b.deps.directory.findByIdentity('wecom:NewHire')?.name).toBe('新同事');
  } finally {
    await a.close();
    await b.close();
    await wecomFake.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('npm run sync-directory: --dry-run prints the difference and writes nothing; then a run writes it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'directory-cli-'));
  const wecomFake = await new FakeWecom({ ...SETTINGS }).start();
  wecomFake.directory.departments.push({ id: 2, parentid: 1 });
  wecomFake.directory.users.push({ userid: 'NewHire', name: '新同事', department: [2], direct_leader: ['LiSi'] }, { userid: 'LiSi', name: '李四', department: [2] });
  fs.writeFileSync(path.join(dir, 'policy.yaml'), `${EXAMPLE_POLICY}\ndirectory_sync: { departments: { wecom: [2] } }\n`);
  const saved = { ...process.env };
  const { main } = await import('../../bot/directory/cli');
  const members = async () => {
    const app = await createApp({ databaseUrl: `sqlite:${path.join(dir, 'bot.sqlite')}`, policy: parsePolicy(EXAMPLE_POLICY, 'p'), notifier: new RecordingNotifier(), clock: { now: () => new Date() }, log: silentLogger });
    try {
      return await app.dataSource.query('SELECT user_id, person_id FROM directory_member ORDER BY user_id');
    } finally {
      await app.close();
    }
  };
  try {
    Object.assign(process.env, {
      DATABASE_URL: `sqlite:${path.join(dir, 'bot.sqlite')}`,
      POLICY_FILE: path.join(dir, 'policy.yaml'),
      LOG_LEVEL: 'silent',
      WECOM_CORP_ID: SETTINGS.corpId,
      WECOM_AGENT_ID: String(SETTINGS.agentId),
      WECOM_SECRET: SETTINGS.secret,
      WECOM_TOKEN: SETTINGS.token,
      WECOM_ENCODING_AES_KEY: SETTINGS.encodingAesKey,
      WECOM_API_BASE: wecomFake.baseUrl,
    });
    const dry: string[] = [];
    expect(await main(['--dry-run'], (l) => dry.push(l))).toBe(0);
    expect(dry).toEqual(['+ added       新同事 (wecom-NewHire) [wecom:NewHire] roles sales', '1 added, 0 changed, 0 moved, 0 deactivated', 'dry run: nothing written']);
    expect(await members()).toEqual([]);

    const real: string[] = [];
    expect(await main([], (l) => real.push(l))).toBe(0);
    expect(real.at(-1)).toBe('written: 2 account(s); 0 pending step(s) of people who left reported to the admins');
    expect(await members()).toEqual([
      { user_id: 'LiSi', person_id: 'lisi' },
      { user_id: 'NewHire', person_id: 'wecom-NewHire' },
    ]);
    const again: string[] = [];
    await main([], (l) => again.push(l));
    expect(again.at(-1)).toBe('directory already up to date: nothing written');
  } finally {
    process.env = saved;
    await wecomFake.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
