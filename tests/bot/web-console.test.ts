// The web console's rules and endpoints, on the bot as `npm start` wires it (startBot): when it is
// served, who it answers, the clock only in console mode, chat and clicks through the dispatcher, the
// simulated clock running the jobs, hostile text escaped in what the page receives, the demo seed.

import type { Context } from 'koa';
import { consoleSettings, loadEnv } from '../../bot/config';
import { consoleRefusal, isLoopbackAddress } from '../../bot/console/web';
import type { FeedEntry } from '../../bot/console/web-notifier';
import { consoleUrl } from '../../bot/main';
import { startConsoleRig, type ConsoleRig } from '../support/console-rig';
import { HOSTILE_STRINGS } from '../support/hostile';

const WECOM = {
  WECOM_CORP_ID: 'ww0123456789',
  WECOM_AGENT_ID: '1000002',
  WECOM_SECRET: 'secret',
  WECOM_TOKEN: 'token',
  WECOM_ENCODING_AES_KEY: 'a'.repeat(43),
  WECOM_API_BASE: 'http://127.0.0.1:9',
};

describe('when the console is served, and where the server listens', () => {
  it.each([
    ['no platform', {}, { enabled: true, consoleMode: true, host: '127.0.0.1', allowRemote: false }],
    ['no platform, HOST given', { HOST: '0.0.0.0' }, { enabled: true, consoleMode: true, host: '0.0.0.0', allowRemote: false }],
    ['no platform, CONSOLE_ENABLED=false', { CONSOLE_ENABLED: 'false' }, { enabled: false, consoleMode: true, host: '127.0.0.1', allowRemote: false }],
    ['WeCom configured', WECOM, { enabled: false, consoleMode: false, host: undefined, allowRemote: false }],
    ['WeCom and CONSOLE_ENABLED=true', { ...WECOM, CONSOLE_ENABLED: 'true' }, { enabled: true, consoleMode: false, host: undefined, allowRemote: false }],
    ['DingTalk and CONSOLE_ALLOW_REMOTE=true', { DINGTALK_CLIENT_ID: 'id', DINGTALK_CLIENT_SECRET: 's', CONSOLE_ENABLED: 'true', CONSOLE_ALLOW_REMOTE: 'true' }, { enabled: true, consoleMode: false, host: undefined, allowRemote: true }],
  ])('%s', (_, env, expected) => {
    expect(consoleSettings(loadEnv(env))).toEqual(expected);
  });

  it('refuses a CONSOLE_ENABLED that is not true or false', () => {
    expect(() => loadEnv({ CONSOLE_ENABLED: 'yes' })).toThrow(/CONSOLE_ENABLED/);
  });

  it('prints a URL a browser on this machine can open', () => {
    expect(consoleUrl('127.0.0.1', 3000)).toBe('http://localhost:3000/console');
    expect(consoleUrl(undefined, 3000)).toBe('http://localhost:3000/console');
    expect(consoleUrl('0.0.0.0', 8080)).toBe('http://localhost:8080/console');
    expect(consoleUrl('192.168.1.20', 3000)).toBe('http://192.168.1.20:3000/console');
    expect(consoleUrl('fd00::5', 3000)).toBe('http://[fd00::5]:3000/console');
  });
});

describe('who the console answers', () => {
  const settings = { enabled: true, consoleMode: false, host: undefined, allowRemote: false };
  const ctx = (headers: Record<string, string>, method = 'GET') =>
    ({ method, protocol: 'http', get: (h: string) => headers[h.toLowerCase()] ?? '', is: (t: string) => (headers['content-type']?.startsWith(t) ? t : false) }) as unknown as Context;

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.5', '::ffff:10.0.0.5', '0.0.0.0', 'fe80::1', '', undefined]) expect(isLoopbackAddress(a)).toBe(false);
  });

  it('refuses other machines, proxies and foreign host names unless remote use is allowed', () => {
    expect(consoleRefusal(ctx({ host: 'localhost:3000' }), settings, '127.0.0.1')).toBeNull();
    expect(consoleRefusal(ctx({ host: '[::1]:3000' }), settings, '::1')).toBeNull();
    expect(consoleRefusal(ctx({ host: 'localhost:3000' }), settings, '10.0.0.5')?.status).toBe(403);
    expect(consoleRefusal(ctx({ host: 'localhost:3000', 'x-forwarded-for': '10.0.0.5' }), settings, '127.0.0.1')?.status).toBe(403);
    expect(consoleRefusal(ctx({ host: 'localhost:3000', forwarded: 'for=10.0.0.5' }), settings, '127.0.0.1')?.status).toBe(403);
    // a web page on a name that resolves to 127.0.0.1 (DNS rebinding)
    expect(consoleRefusal(ctx({ host: 'evil.example:3000' }), settings, '127.0.0.1')?.status).toBe(403);
    expect(consoleRefusal(ctx({ host: 'bot.lan:3000' }), { ...settings, allowRemote: true }, '10.0.0.5')).toBeNull();
  });

  it('takes posts only as JSON from its own origin', () => {
    const json = { host: 'localhost:3000', 'content-type': 'application/json' };
    expect(consoleRefusal(ctx(json, 'POST'), settings, '127.0.0.1')).toBeNull();
    expect(consoleRefusal(ctx({ ...json, origin: 'http://localhost:3000' }, 'POST'), settings, '127.0.0.1')).toBeNull();
    expect(consoleRefusal(ctx({ ...json, origin: 'http://evil.example' }, 'POST'), settings, '127.0.0.1')?.status).toBe(403);
    expect(consoleRefusal(ctx({ host: 'localhost:3000', 'content-type': 'text/plain' }, 'POST'), settings, '127.0.0.1')?.status).toBe(415);
  });
});

describe('the console on the running bot', () => {
  let rig: ConsoleRig;
  afterEach(() => rig?.close());

  const feed = async (after = 0) => ((await (await fetch(`${rig.base}/console/api/feed?after=${after}`)).json()) as { now: string; entries: FeedEntry[] }).entries;
  const textOf = (entries: FeedEntry[], name: string) =>
    entries.filter((e) => e.feed === name && e.from === 'bot').map((e) => JSON.stringify(e.wecom)).join('\n');

  it('with no platform: serves the page with a strict CSP, and runs chat and card clicks through the dispatcher', async () => {
    rig = await startConsoleRig();
    const page = await fetch(`${rig.base}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/console/console.js');
    expect((await fetch(`${rig.base}/console/console.js`)).headers.get('content-type')).toContain('javascript');
    const state = (await (await fetch(`${rig.base}/console/api/state`)).json()) as { people: { id: string }[]; channels: string[]; clock: boolean };
    expect(state.people.map((p) => p.id)).toContain('lisi');
    expect(state.channels).toEqual(['approvals', 'sales', 'management', 'service']); // policy.example.yaml's
    expect(state.clock).toBe(true);

    expect((await rig.post('/console/api/say', { as: 'zhangsan', text: '新建客户 名称:华东日报社 等级:A' })).status).toBe(200);
    await rig.post('/console/api/say', { as: 'zhangsan', text: '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:年度投放' });
    let entries = await feed();
    const preview = entries.flatMap((e) => e.dingtalk ?? []).find((b) => b.kind === 'dingtalk-card');
    expect(preview).toBeDefined();
    const submitKey = (preview as { params: Record<string, string> }).params.submitKey!;
    expect(submitKey).toBe('submit|HT-2026-0001');
    // the preview card's button, clicked
    await rig.post('/console/api/click', { as: 'zhangsan', key: submitKey });
    entries = await feed();
    expect(textOf(entries, 'person:zhangsan')).toContain('已提交审批 HT-2026-0001');
    const approve = entries
      .filter((e) => e.feed === 'person:lisi')
      .flatMap((e) => e.wecom ?? [])
      .flatMap((b) => (b.kind === 'wecom-card' ? (b.card.button_list as { key: string }[]) : []))
      .find((b) => b.key.startsWith('approve|'))!;
    await rig.post('/console/api/click', { as: 'lisi', key: approve.key });
    const status = await rig.bot.app.dataSource.query("SELECT status FROM contract WHERE number = 'HT-2026-0001'");
    expect(status[0].status).toBe('in_approval');
    const steps = await rig.bot.app.dataSource.query("SELECT seq, status FROM approval_step ORDER BY seq");
    expect(steps.map((s: { status: string }) => s.status)).toEqual(['approved', 'pending']);
    // lisi's card was updated in place
    expect((await feed()).some((e) => e.feed === 'person:lisi' && e.updatesCard === `approval:${approve.key.split('|')[2]}`)).toBe(true);

    // a bad request names the field
    const bad = await rig.post('/console/api/say', { as: 'nobody', text: '帮助' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('as');
    expect((await rig.post('/console/api/click', { as: 'lisi', key: 'approve|x' })).status).toBe(400);
    expect((await rig.post('/console/api/say', { as: 'lisi', text: '帮助' }, { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('moves simulated time in console mode: reminders, then the channel alert', async () => {
    rig = await startConsoleRig();
    await rig.post('/console/api/say', { as: 'zhangsan', text: '新建客户 名称:华东日报社 等级:A' });
    await rig.post('/console/api/say', { as: 'zhangsan', text: '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:年度投放' });
    await rig.post('/console/api/say', { as: 'zhangsan', text: '提交 HT-2026-0001' });
    expect(textOf(await feed(), 'channel:approvals')).toBe('');
    const moved = await rig.post('/console/api/clock', { minutes: 3 * 24 * 60 });
    expect(moved.status).toBe(200);
    // Monday 10:00 + 3 days = Thursday 10:00 Shanghai
    expect(((await moved.json()) as { now: string }).now.slice(0, 16)).toBe('2026-11-26T02:00');
    const entries = await feed();
    expect(textOf(entries, 'person:lisi')).toContain('第 1 次提醒');
    expect(textOf(entries, 'person:qianqi')).toContain('抄送'); // lisi's manager
    expect(textOf(entries, 'channel:approvals')).toContain('审批超时');
    expect((await rig.post('/console/api/clock', { minutes: 0 })).status).toBe(400);
    expect((await rig.post('/console/api/clock', { minutes: 15 * 24 * 60 })).status).toBe(400);
  });

  it('with a platform configured: no console unless CONSOLE_ENABLED=true, and then no clock', async () => {
    rig = await startConsoleRig(WECOM);
    expect((await fetch(`${rig.base}/console`)).status).toBe(404);
    expect((await rig.post('/console/api/say', { as: 'zhangsan', text: '帮助' })).status).toBe(404);
    await rig.close();

    rig = await startConsoleRig({ ...WECOM, CONSOLE_ENABLED: 'true' });
    expect((await fetch(`${rig.base}/console`)).status).toBe(200);
    const before = Date.now();
    const refused = await rig.post('/console/api/clock', { minutes: 60 });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toContain('console mode');
    expect(((await (await fetch(`${rig.base}/console/api/state`)).json()) as { clock: boolean }).clock).toBe(false);
    expect(Math.abs(new Date(((await (await fetch(`${rig.base}/console/api/feed`)).json()) as { now: string }).now).getTime() - before)).toBeLessThan(60_000);
    // a cross-site page cannot post to it
    expect((await rig.post('/console/api/say', { as: 'zhangsan', text: '帮助' }, { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('with CONSOLE_ENABLED=false and no platform: no console', async () => {
    rig = await startConsoleRig({ CONSOLE_ENABLED: 'false' });
    expect((await fetch(`${rig.base}/console`)).status).toBe(404);
    expect((await fetch(`${rig.base}/healthz`)).status).toBe(200);
  });

  it('sends the page hostile text only as the platforms escape it', async () => {
    rig = await startConsoleRig();
    const hostile = HOSTILE_STRINGS.slice(0, 12).join(' ').replace(/\n/g, ' ');
    await rig.post('/console/api/say', { as: 'zhangsan', text: `新建客户 名称:红星报社 等级:A` });
    await rig.post('/console/api/say', { as: 'zhangsan', text: `新建合同 客户:红星报社 金额:30万 类型:销售 标题:${hostile.slice(0, 190)}` });
    await rig.post('/console/api/say', { as: 'zhangsan', text: '提交 HT-2026-0001' });
    const bodies = JSON.stringify((await feed()).filter((e) => e.from === 'bot'));
    expect(bodies).toContain('HT-2026-0001');
    for (const raw of ['<img', '<a href', '<font color=\\"warning', '<script', 'http://evil', 'evil.example', '@all', '](http']) expect(bodies).not.toContain(raw);
  });
});

describe('the demo seed', () => {
  type Row = Record<string, unknown>;
  const countBy = (rows: Row[], ...keys: string[]) => {
    const out: Record<string, number> = {};
    for (const r of rows) {
      const key = keys.map((k) => String(r[k])).join('/');
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  };
  const TABLES = ['customer', 'contract', 'approval_step', 'follow_up', 'milestone', 'payment_node', 'payment_receipt', 'fulfilment_problem', 'service_ticket', 'audit_event', 'outbox'];
  const snapshot = async (rig: ConsoleRig) => {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t] = Number((await rig.bot.app.dataSource.query(`SELECT COUNT(*) AS n FROM ${t}`))[0].n);
    return out;
  };

  /** What the seed must have written, seeded at `start` (an ISO instant). */
  async function seedAndCheck(start: string): Promise<void> {
    const rig = await startConsoleRig({}, { start });
    try {
      // the page's 载入演示数据: the seed on the bot's own simulated clock
      const seeded = await rig.post('/console/api/demo', {});
      expect(seeded.status).toBe(200);
      expect(((await seeded.json()) as { summary: string }).summary).toContain('已写入演示数据');
      const now = Date.parse(((await (await fetch(`${rig.base}/console/api/feed`)).json()) as { now: string }).now);
      expect(now - Date.parse(start)).toBeLessThan(5 * 60_000); // unpinned at the end
      const q = (sql: string): Promise<Row[]> => rig.bot.app.dataSource.query(sql);
      const states = (await q('SELECT status FROM contract')).map((r) => r.status as string);
      expect(countBy(await q('SELECT status FROM contract'), 'status')).toEqual({
        draft: 1, withdrawn: 2, signed: 1, approved: 1, rejected: 1, in_approval: 4, performing: 2,
      });
      expect(states).toHaveLength(12);
      expect((await q('SELECT tier FROM customer')).map((r) => r.tier).sort()).toEqual(['A', 'A', 'B', 'B', 'C', 'C']);
      expect(Number((await q('SELECT COUNT(*) AS n FROM follow_up'))[0]!.n)).toBe(4);
      const overdue = await q(`SELECT COUNT(*) AS n FROM approval_step WHERE status = 'pending' AND due_at < '${new Date(now).toISOString().slice(0, 10)}'`);
      expect(Number(overdue[0]!.n)).toBeGreaterThanOrEqual(2);
      expect(Number((await q(`SELECT COUNT(*) AS n FROM inbox WHERE status <> 'done'`))[0]!.n)).toBe(0);

      // Milestones: the plans made at signing (three signed contracts), one done per performing
      // contract, one delayed with its reason, one overdue.
      const today = new Date(now + 8 * 3_600_000).toISOString().slice(0, 10); // Shanghai
      const milestones = await q('SELECT m.status, m.planned_date, m.original_date, m.delays, c.status AS contract FROM milestone m JOIN contract c ON c.id = m.contract_id');
      expect(countBy(milestones, 'contract', 'status')).toEqual({ 'performing/done': 2, 'performing/open': 5, 'signed/open': 4 });
      const delayed = milestones.filter((m) => JSON.parse(m.delays as string).length > 0);
      expect(delayed).toHaveLength(1);
      expect(JSON.parse(delayed[0]!.delays as string)[0].reason).toContain('重新打样');
      expect(String(delayed[0]!.planned_date) > String(delayed[0]!.original_date)).toBe(true);
      expect(milestones.filter((m) => m.status === 'open' && String(m.planned_date) < today)).toHaveLength(1);

      // Payment nodes from the plan in 付款: the first received, the second overdue and partly paid.
      const nodes = await q('SELECT planned_date, amount_fen, received_fen FROM payment_node ORDER BY seq');
      expect(nodes.map((n) => [Number(n.amount_fen), Number(n.received_fen)])).toEqual([[13_500_000, 13_500_000], [18_000_000, 5_000_000], [13_500_000, 0]]);
      expect(String(nodes[1]!.planned_date) < today).toBe(true);
      expect(String(nodes[2]!.planned_date) > today).toBe(true);
      expect((await q('SELECT amount_fen FROM payment_receipt')).map((r) => Number(r.amount_fen)).sort()).toEqual([13_500_000, 5_000_000].sort());

      // Problems: one resolved, one open past its deadline.
      const problems = await q('SELECT status, deadline_at FROM fulfilment_problem');
      expect(countBy(problems, 'status')).toEqual({ open: 1, resolved: 1 });
      const openProblem = problems.find((p) => p.status === 'open')!;
      expect(new Date(openProblem.deadline_at as string | number).getTime()).toBeLessThan(now);

      // Service tickets: urgent resolved, rated and called back; general in progress past its 80 %
      // warning but before its deadline; a 巡检 agreed for a coming working day.
      const tickets = await q('SELECT priority, status, opened_at, resolve_due, rated_at, callback_at, scheduled_date FROM service_ticket');
      expect(countBy(tickets, 'priority', 'status')).toEqual({ 'urgent/resolved': 1, 'general/responded': 1, 'periodic/open': 1 });
      const byPriority = (p: string) => tickets.find((t) => t.priority === p)!;
      const at = (v: unknown) => new Date(v as string | number);
      expect(byPriority('urgent').rated_at).not.toBeNull();
      expect(byPriority('urgent').callback_at).not.toBeNull();
      const general = byPriority('general');
      expect(at(general.resolve_due).getTime()).toBeGreaterThan(now);
      const elapsed = rig.bot.app.deps.calendar.workingHoursBetween(at(general.opened_at), new Date(now));
      expect(elapsed / 24).toBeGreaterThanOrEqual(0.8);
      expect(String(byPriority('periodic').scheduled_date) > today).toBe(true);
      expect(rig.bot.app.deps.calendar.isWorkingDay(String(byPriority('periodic').scheduled_date))).toBe(true);

      // Seeding again writes nothing.
      const before = await snapshot(rig);
      const again = await rig.post('/console/api/demo', {});
      expect(((await again.json()) as { summary: string }).summary).toContain('演示数据已存在');
      expect(await snapshot(rig)).toEqual(before);
    } finally {
      await rig.close();
    }
  }

  it('writes a company in every state reachable by chat, with fulfilment and service tickets, once', () => seedAndCheck('2026-11-23T02:00:00Z'));

  it('seeds the same company on a Saturday night at the turn of the year', () => seedAndCheck('2027-01-09T15:30:00Z'));
});
