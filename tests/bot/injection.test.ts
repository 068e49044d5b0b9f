// Issue 8, attack 5 replayed end to end through dispatch: a contract whose title fakes an amount line,
// an approval stamp and a link, and whose payment terms carry mentions. On every platform the approver
// sees that text as text (one line, no markup, no link, no mention), and the real amount where it
// belongs: DingTalk card variables and markdown fallback, WeCom template card and markdown, both
// platforms' group robots, and the console's plain text.

import { botJobs } from '../../schedules/jobs';
import type { App } from '../../bot/app';
import type { Policy } from '../../bot/config';
import { parsePolicy } from '../../bot/config';
import { startDingtalkRig, type DingtalkRig } from '../support/dingtalk-rig';
import { EXAMPLE_POLICY, startHarness, type Harness } from '../support/harness';
import { ATTACK_MENTIONS, ATTACK_TITLE } from '../support/hostile';
import { startRig as startWecomRig, stopRig as stopWecomRig, type Rig as WecomRig } from '../support/wecom-rig';

const NEW_CUSTOMER = '新建客户 名称:华东日报社 等级:A';
/** 30万 = ¥300,000.00 is the real amount; the title claims ¥1,000.00. */
const NEW_CONTRACT = `新建合同 客户:华东日报社 金额:30万 类型:销售 付款:${ATTACK_MENTIONS} 标题:${ATTACK_TITLE}`;
const REAL_AMOUNT = '¥300,000.00';
/** Friday of the same week, 10:00 in Shanghai: the first approval step is long overdue. */
const FRIDAY_10AM = '2026-11-27T02:00:00Z';

/** Neither the fake stamp, nor a link, nor a mention, whatever the format. */
function expectNeutralised(rendered: string): void {
  expect(rendered).not.toContain('<font color="info">已同意 · 李四</font>');
  expect(rendered).not.toContain('](http');
  expect(rendered).not.toContain('://');
  expect(rendered).not.toContain('evil.example');
  expect(rendered).not.toMatch(/@all|@所有人|<@/);
  expect(rendered).not.toContain('\u2028');
}

/** Lines that present an amount (`prefix` is how the format starts a field line): only the real one. */
function amountLines(rendered: string, prefix: RegExp): string[] {
  const lines = rendered.split('\n');
  // the fake amount must not start a line in any of the formats' field shapes
  expect(lines.filter((l) => /^(- )?\*\*金额\*\*|^│ 金额|^> 金额/.test(l) && !l.includes(REAL_AMOUNT))).toEqual([]);
  return lines.filter((l) => prefix.test(l));
}

async function runScheduledWork(app: App, policy: Policy, now: Date): Promise<void> {
  for (const job of botJobs({ uow: app.uow, workflow: app.deps, deliver: () => app.outbox.deliverDue() }, policy)) await job.run(now);
}

/** The group alerts of the approvals channel: the overdue alert and the daily digest, both with the title. */
function expectGroupAlerts(posts: string[], heading: string): void {
  const alert = posts.find((p) => p.includes('审批超时'))!;
  const digest = posts.find((p) => p.includes('每日提醒'))!;
  expect(alert).toBeDefined();
  expect(digest).toBeDefined();
  for (const post of [alert, digest]) expectNeutralised(post);
  // exactly the lines the bot writes: heading + one alert line; heading + section + one contract line
  expect(alert.split('\n')).toEqual([`${heading}审批超时${heading.startsWith('**') ? '**' : ''}`, expect.stringMatching(/^\*\*审批超时\*\*：合同 HT-2026-0001「X - ＊＊金额＊＊：¥1,000\.00 ＜font/)]);
  expect(digest.split('\n')).toEqual([expect.stringContaining('每日提醒 2026-11-27'), '**超时审批 1**', expect.stringMatching(/^· HT-2026-0001 X - ＊＊金额＊＊/)]);
}

describe('DingTalk', () => {
  let rig: DingtalkRig;
  afterEach(() => rig.stop());

  it('interactive card: every variable shows the title as one line of text, the real amount once; group alerts too', async () => {
    rig = await startDingtalkRig({ template: true });
    await rig.say('zhangsan01', NEW_CUSTOMER);
    await rig.say('zhangsan01', NEW_CONTRACT);
    expectNeutralised(Object.values(rig.cardParams('zhangsan01')).join('\n')); // the draft preview
    await rig.say('zhangsan01', '提交 HT-2026-0001');

    const card = rig.cardParams('lisi01');
    expect(card.title).toBe('合同审批 HT-2026-0001');
    // a text component: one line, the attack readable as text
    expect(card.subtitle).toBe('X - **金额**：¥1,000.00 ＜font color="info">已同意 · 李四＜/font> [详情］(http:∕∕evil․example/x) · v1');
    expectNeutralised(Object.values(card).join('\n'));
    // a markdown component: one line per field, the real amount in its own field only
    expect(amountLines(card.fields!, /^\*\*金额\*\*/)).toEqual([`**金额**：${REAL_AMOUNT}`]);
    expect(card.fields!.split('\n').filter((l) => l.startsWith('**付款**'))).toEqual(['**付款**：＠all ＠所有人 ＜＠LiSi＞ ＠13800000000 见 www․evil․example']);
    expect(card.status).toBe('');
    expect(card.approveKey).toMatch(/^approve\|HT-2026-0001\|\d+\|1$/);

    rig.clock.set(FRIDAY_10AM);
    await runScheduledWork(rig.app, rig.policy, rig.clock.now());
    expectGroupAlerts(rig.robotMarkdown(), '#### ');
  });

  it('markdown fallback without a card template: the bot lines only, the real amount once', async () => {
    rig = await startDingtalkRig({ template: false });
    await rig.say('zhangsan01', NEW_CUSTOMER);
    await rig.say('zhangsan01', NEW_CONTRACT);
    await rig.say('zhangsan01', '提交 HT-2026-0001');
    const [message] = rig.otoMarkdown('lisi01');
    expectNeutralised(message!);
    expect(amountLines(message!, /^- \*\*金额\*\*/)).toEqual([`- **金额**：${REAL_AMOUNT}`]);
    const lines = message!.split('\n');
    const heading = lines.indexOf('#### 合同审批 HT-2026-0001');
    expect(lines[heading + 1]).toBe('X - ＊＊金额＊＊：¥1,000.00 ＜font color="info"＞已同意 · 李四＜/font＞ ［详情］（http:∕∕evil․example/x） · v1');
    expect(lines).toContain('回复命令操作：「同意 HT-2026-0001」 「驳回 HT-2026-0001 ＜原因＞」 「转交 HT-2026-0001 ＜人＞」');
  });
});

describe('WeCom', () => {
  let rig: WecomRig;
  beforeEach(async () => {
    rig = await startWecomRig();
  });
  afterEach(() => stopWecomRig(rig));

  async function say(user: string, text: string): Promise<void> {
    expect(await rig.fake.sendText(user, text)).toBe(200);
    await rig.settle();
  }
  const leaves = (value: unknown): string[] =>
    typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [];

  it('template card and markdown show the title as text; group alerts too', async () => {
    await say('ZhangSan', NEW_CUSTOMER);
    await say('ZhangSan', NEW_CONTRACT);
    await say('ZhangSan', '提交 HT-2026-0001');

    const card = rig.fake.latestCard('LiSi') as {
      main_title: { title: string; desc: string };
      sub_title_text: string;
      horizontal_content_list: { keyname: string; value: string }[];
    };
    expect(card.main_title).toEqual({ title: '合同审批 HT-2026-0001', desc: 'X - **金额**：¥1,000.00 ＜font color="info">已同意…' }); // 44 characters at most
    expectNeutralised(leaves(card).join('\n'));
    expect(leaves(card).filter((s) => s !== card.sub_title_text && s.includes('\n'))).toEqual([]);
    expect(card.horizontal_content_list.filter((f) => f.keyname === '金额')).toEqual([{ keyname: '金额', value: REAL_AMOUNT }]);
    // the fields beyond six and the routing line: one line each
    expect(card.sub_title_text.split('\n')).toEqual([
      '审批人：李四',
      '付款：＠all ＠所有人 ＜＠LiSi> ＠13800000000 见 www․evil․example',
      expect.stringMatching(/^路由：/),
    ]);

    // LiSi approves: the decided card comes back to LiSi as markdown
    expect(await rig.fake.clickButton('LiSi', '同意')).toBe(200);
    await rig.settle();
    const decided = rig.fake.sent.filter((m) => m.touser === 'LiSi' && m.msgtype === 'markdown').map((m) => (m.body.markdown as { content: string }).content);
    expect(decided).toHaveLength(1);
    expectNeutralised(decided[0]!);
    expect(amountLines(decided[0]!, /^> 金额/)).toEqual([`> 金额：<font color="comment">${REAL_AMOUNT}</font>`]);
    // the only stamp is the bot's, on its own line
    expect(decided[0]!.split('\n').filter((l) => l.includes('<font color="info">'))).toEqual([expect.stringMatching(/^<font color="info">已同意 · 李四 · 11-23 10:00<\/font>$/)]);
    expect(decided[0]!.split('\n')[0]).toBe('**合同审批 HT-2026-0001** X - ＊＊金额＊＊：¥1,000.00 ＜font color="info"＞已同意 · 李四＜/font＞ ［详情］（http:∕∕evil․example/x） · v1');

    rig.clock.set(FRIDAY_10AM);
    await runScheduledWork(rig.app, parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml'), rig.clock.now());
    const posts = rig.fake.webhookPosts.filter((p) => p.key === 'robot-approvals' && p.accepted).map((p) => (p.body.markdown as { content: string }).content);
    expectGroupAlerts(posts, '**');
  });
});

describe('console (plain text)', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('draws each card string on its own frame line: no fake amount line, tag, link or mention', async () => {
    h = await startHarness();
    await h.say('zhangsan', NEW_CUSTOMER);
    const { reply } = await h.say('zhangsan', NEW_CONTRACT);
    await h.say('zhangsan', '提交 HT-2026-0001');
    const approval = h.inboxOf('lisi').at(-1)!;
    for (const rendered of [reply, approval]) {
      expectNeutralised(rendered);
      expect(amountLines(rendered, /^│ 金额/)).toEqual([`│ 金额：${REAL_AMOUNT}`]);
      expect(rendered).not.toMatch(/^- \*\*金额\*\*/m);
      expect(rendered).not.toMatch(/^<font/m);
      // every card line is a frame line
      const card = rendered.slice(rendered.indexOf('┌'));
      expect(card.split('\n').slice(1, -1).every((l) => l.startsWith('│ '))).toBe(true);
    }
    expect(approval).toContain('┌ 合同审批 HT-2026-0001 · X - **金额**：¥1,000.00 ＜font color="info">已同意 · 李四＜/font> [详情］(http:∕∕evil․example/x) · v1\n');
    expect(approval).toContain('│ 付款：＠all ＠所有人 ＜＠LiSi> ＠13800000000 见 www․evil․example\n');
  });
});
