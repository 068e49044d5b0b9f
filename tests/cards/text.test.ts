import { renderText } from '../../cards/text';
import type { CardView } from '../../cards/model';
import { markdown, md } from '../../handlers/views';

const approval: CardView = {
  kind: 'approval',
  cardKey: 'approval:7',
  title: '合同审批 HT-2026-0001',
  subtitle: '2027年度广告投放',
  fields: [
    { label: '客户', value: '华东日报社（KH-000001）' },
    { label: '金额', value: '¥300,000.00' },
  ],
  lines: ['路由：规则 2「中额合同」'],
  buttons: [
    { label: '同意', style: 'primary', action: { type: 'approve', contractNo: 'HT-2026-0001', stepId: 7, version: 1 }, command: '同意 HT-2026-0001' },
    { label: '驳回', style: 'danger', action: { type: 'reject', contractNo: 'HT-2026-0001', stepId: 7, version: 1 }, command: '驳回 HT-2026-0001 <原因>' },
  ],
};

describe('plain-text renderer', () => {
  it('renders a card with its fields, lines and buttons as commands', () => {
    expect(renderText([{ type: 'text', text: '等待你审批。' }, { type: 'card', card: approval }])).toMatchSnapshot();
  });

  it('shows the final status instead of the buttons once a card is decided', () => {
    const out = renderText([{ type: 'card', card: { ...approval, status: '已同意 · 李四 · 11-23 10:05' } }]);
    expect(out).toContain('【已同意 · 李四 · 11-23 10:05】');
    expect(out).not.toContain('[同意]');
  });

  it('renders markdown as title and body', () => {
    expect(renderText([markdown('超时提醒', md`**${3}** 个审批超时`)])).toBe('超时提醒\n**3** 个审批超时');
  });
});
