// The satisfaction card (product.md §5) on both platforms, with hostile text in every string a user or
// the directory fills: the structure is the bot's, and the 评价 line to copy survives intact.

import { robotMarkdown as dingtalkRobotMarkdown } from '../../cards/dingtalk/card';
import type { View } from '../../cards/model';
import { renderText } from '../../cards/text';
import { wecomMessages } from '../../cards/wecom/message';
import type { Deps } from '../../handlers/context';
import { WorkingCalendar } from '../../handlers/domain/calendar';
import { Directory } from '../../handlers/domain/directory';
import type { ContractRecord, ServiceTicketRecord } from '../../handlers/ports';
import { satisfactionCard } from '../../handlers/service';
import { parsePolicy } from '../../bot/config';
import { EXAMPLE_POLICY } from '../support/harness';
import { HOSTILE_STRINGS, LIVE_TAG, LINKISH, MARKDOWN_ASCII } from '../support/hostile';

const policy = parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml');

function views(evil: string): View[] {
  const deps = {
    directory: new Directory([{ id: 'wujiu', name: `吴九${evil}`.slice(0, 100), roles: ['service'], identities: [] }]),
    policy: policy.workflow,
    calendar: new WorkingCalendar(policy.calendar),
  } as unknown as Deps;
  const contract = { number: 'HT-2026-0001', title: `设备维保${evil}` } as ContractRecord;
  const ticket = { id: 7, number: 'FW-2026-0007', handlerId: 'wujiu', description: evil, resolution: evil } as ServiceTicketRecord;
  return [{ type: 'card', card: satisfactionCard(deps, ticket, contract) }];
}

const COPY_LINE = '评价 FW-2026-0007 5 5 5 5';
const cases = HOSTILE_STRINGS.filter((s) => s.length < 1000).map((s) => [s.slice(0, 30), s]);

describe('the satisfaction card', () => {
  it('names the four dimensions and carries the 评价 and 异议 lines', () => {
    const text = renderText(views('打印机卡纸'));
    expect(text).toContain('速度、能力、态度、专业，各 1–5 分');
    expect(text).toContain(COPY_LINE);
    expect(text).toContain('异议 FW-2026-0007 <内容>（48 小时内处理）');
  });

  it('renders on DingTalk and WeCom (snapshot)', () => {
    expect(dingtalkRobotMarkdown(views('打印机卡纸'))).toMatchSnapshot('dingtalk markdown');
    expect(wecomMessages(views('打印机卡纸'), () => 'unused')).toMatchSnapshot('wecom messages');
  });

  it.each(cases)('DingTalk, hostile %j: one field per line, nothing live, the 评价 line intact', (_, evil) => {
    const { text } = dingtalkRobotMarkdown(views(evil));
    const lines = text.split('\n');
    const fields = lines.filter((l) => l.startsWith('- **'));
    expect(fields).toHaveLength(4);
    for (const line of fields) expect(line).toMatch(/^- \*\*[^*\n]*\*\*：[^*\n]*$/);
    // Only the bot's own markup: the heading, bold labels, quoted lines.
    for (const line of lines.slice(1)) {
      const user = line.replace(/^- \*\*([^*]*)\*\*：/, '$1').replace(/^> /, '');
      expect(user).not.toMatch(MARKDOWN_ASCII);
      expect(user).not.toMatch(LIVE_TAG);
      expect(user).not.toMatch(LINKISH);
    }
    expect(lines).toContain(`> 请复制并修改分数后回复：${COPY_LINE}`);
  });

  it.each(cases)('WeCom, hostile %j: markdown with one quoted line per field, nothing live, the 评价 line intact', (_, evil) => {
    const messages = wecomMessages(views(evil), () => 'unused');
    // No buttons: a markdown message (a template card cannot carry four 1–5 ratings).
    expect(messages.map((m) => m.msgtype)).toEqual(['markdown']);
    const content = (messages[0] as { markdown: { content: string } }).markdown.content;
    const lines = content.split('\n');
    const fields = lines.filter((l) => l.startsWith('> '));
    expect(fields).toHaveLength(4);
    for (const line of fields) expect(line).toMatch(/^> [^\n<>]*：<font color="comment">[^\n<>]*<\/font>$/);
    for (const line of lines) {
      const user = line.replace(/<font color="comment">|<\/font>/g, '').replace(/^\*\*|\*\*(?= )/g, '');
      expect(user).not.toMatch(LIVE_TAG);
      expect(user).not.toMatch(LINKISH);
    }
    expect(lines).toContain(`请复制并修改分数后回复：${COPY_LINE}`);
  });
});
