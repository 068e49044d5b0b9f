import { cardActionKey, parseCardActionKey } from '../../cards/action-key';
import { taskIdFor, templateCard, wecomMessages } from '../../cards/wecom/message';
import type { CardView } from '../../cards/model';
import { HELP_COMMANDS, helpText } from '../../handlers/commands/help';

const approval: CardView = {
  kind: 'approval',
  cardKey: 'approval:12',
  title: '合同审批 HT-2026-0001',
  subtitle: '2027年度广告投放',
  fields: [
    { label: '客户', value: '华东日报社（KH-000001）' },
    { label: '金额', value: '¥300,000.00' },
    { label: '类型', value: '销售' },
    { label: '风险', value: '低' },
    { label: '负责人', value: '张三' },
    { label: '版本', value: 'v1' },
    { label: '审批链', value: '第 1/2 步：▶李四(销售经理) → 王五(法务)' },
  ],
  lines: ['路由：规则 2「中额合同」：金额 < ¥500,000.00，风险 低/中'],
  buttons: [
    { label: '同意', style: 'primary', action: { type: 'approve', contractNo: 'HT-2026-0001', stepId: 12, version: 1 }, command: '同意 HT-2026-0001' },
    { label: '驳回', style: 'danger', action: { type: 'reject', contractNo: 'HT-2026-0001', stepId: 12, version: 1 }, command: '驳回 HT-2026-0001 <原因>' },
    { label: '转交', style: 'default', action: { type: 'transfer', contractNo: 'HT-2026-0001', stepId: 12, version: 1 }, command: '转交 HT-2026-0001 <人>' },
  ],
};

describe('WeCom renderers', () => {
  it('renders the approval card as a button_interaction template card', () => {
    const card = templateCard(approval, taskIdFor('approval:12', '7-1'));
    expect(card).toMatchSnapshot();
    expect(card.horizontal_content_list).toHaveLength(6); // WeCom allows at most 6
    expect(card.sub_title_text).toBe('审批链：第 1/2 步：▶李四(销售经理) → 王五(法务)\n路由：规则 2「中额合同」：金额 < ¥500,000.00，风险 低/中');
    expect(card.task_id).toMatch(/^[A-Za-z0-9_\-@]{1,128}$/);
  });

  it('renders a decided card, the result message and a follow-up confirmation as markdown/text', () => {
    const decided = { ...approval, buttons: [], status: '已同意 · 李四 · 11-23 10:05' };
    const followUp: CardView = {
      kind: 'follow_up',
      title: '已记录跟进 · 华东日报社',
      fields: [
        { label: '方式', value: '电话' },
        { label: '下次跟进', value: '2026-11-30（A 级每 7 天）' },
      ],
      buttons: [],
    };
    const bodies = wecomMessages(
      [{ type: 'text', text: '合同 HT-2026-0001 审批通过。' }, { type: 'card', card: decided }, { type: 'card', card: followUp }],
      () => 'unused',
    );
    expect(bodies).toMatchSnapshot();
    expect(bodies.map((b) => b.msgtype)).toEqual(['text', 'markdown', 'markdown']);
  });

  it('round-trips every button key, and refuses forged or malformed ones', () => {
    for (const b of approval.buttons) expect(parseCardActionKey(cardActionKey(b.action))).toEqual(b.action);
    expect(parseCardActionKey('submit|HT-2026-0001')).toEqual({ type: 'submit', contractNo: 'HT-2026-0001' });
    for (const bad of ['', 'approve', 'approve|HT-2026-0001', 'approve|HT-2026-0001|x|1', 'delete|HT-2026-0001', 'approve|DROP|1|1']) {
      expect(parseCardActionKey(bad)).toBeNull();
    }
  });

  it('keeps long text within WeCom limits', () => {
    // 6,000 bytes: more than a text message (2,048) and a markdown one (4,096) carry.
    const [body] = wecomMessages([{ type: 'text', text: '很'.repeat(2000) }], () => 'x');
    expect(Buffer.byteLength((body as { markdown: { content: string } }).markdown.content)).toBeLessThanOrEqual(4096);
  });
});

describe('long texts on WeCom', () => {
  it('sends a text over 2,048 bytes (the whole 帮助 list) as markdown, whole, not cut', () => {
    const help = helpText();
    expect(Buffer.byteLength(help)).toBeGreaterThan(2048); // else this test proves nothing
    const [message, ...rest] = wecomMessages([{ type: 'text', text: help }], () => 'x');
    expect(rest).toHaveLength(0);
    expect(message!.msgtype).toBe('markdown');
    const content = (message as { markdown: { content: string } }).markdown.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);
    for (const h of HELP_COMMANDS.filter((c) => c.name !== 'help')) expect(content).toContain(h.keyword);
    expect(content).not.toMatch(/…$/);
  });

  it('keeps a short text a text message', () => {
    expect(wecomMessages([{ type: 'text', text: '已创建合同 HT-2026-0001' }], () => 'x')).toEqual([{ msgtype: 'text', text: { content: '已创建合同 HT-2026-0001' } }]);
  });
});
