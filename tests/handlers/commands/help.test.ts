import { commandHelp, commandUsage, HELP_COMMANDS, helpText } from '../../../handlers/commands/help';
import { parseCommand } from '../../../handlers/commands/parse';

const env = { now: new Date('2026-11-23T02:00:00Z'), timezone: 'Asia/Shanghai' };
const parse = (text: string) => parseCommand(text, env);

describe('HELP_COMMANDS', () => {
  it('lists the commands in product.md §4 order (取消 beside 提交, the admin\'s 发送状态 after 我的合同, 导出 after 报表), each once', () => {
    expect(HELP_COMMANDS.map((h) => h.keyword)).toEqual([
      '帮助', '新建客户', '客户', '新建合同', '修改', '提交', '取消', '同意', '驳回', '转交', '催办', '撤回', '待办', '合同', '我的合同', '发送状态', '签订', '跟进', '报表', '导出',
      '报修', '受理', '响应', '解决', '评价', '异议', '回访', '工单',
      '里程碑', '完成', '延期', '付款节点', '回款', '问题',
    ]);
  });

  it.each(HELP_COMMANDS.map((h) => [h.keyword, h] as const))('%s: the example parses to the command, also with the English alias', (_kw, h) => {
    const zh = parse(h.example);
    expect(zh).toMatchObject({ ok: true, command: { name: h.name } });
    expect(h.example.startsWith(h.keyword)).toBe(true);
    const en = parse(h.alias + h.example.slice(h.keyword.length));
    expect(en).toEqual(zh);
    expect(h.usage.startsWith(h.keyword)).toBe(true);
    expect(h.summary.length).toBeGreaterThan(0);
  });
});

describe('helpText', () => {
  const text = helpText();
  const lines = text.split('\n');

  it('has one line per command with its example, and is short', () => {
    for (const h of HELP_COMMANDS.filter((c) => c.name !== 'help')) {
      expect(lines.filter((l) => l.includes(h.example))).toHaveLength(1);
    }
    expect(lines.length).toBeLessThanOrEqual(HELP_COMMANDS.length + 2);
    expect(text).toContain('新建合同 客户:华东日报社 金额:50万 类型:销售 标题:2027年度广告投放');
  });

  it('says that English aliases work and how to get the list again', () => {
    expect(text).toMatch(/英文/);
    expect(text).toContain('help');
    expect(text).toContain('帮助');
  });
});

describe('commandHelp', () => {
  it.each(HELP_COMMANDS.map((h) => [h.name, h] as const))('%s: usage and example', (name, h) => {
    const help = commandHelp(name);
    expect(help).toContain(h.usage);
    expect(help).toContain(h.example);
    expect(help).toContain(h.alias);
    expect(commandUsage(name)).toContain(h.usage);
    expect(commandUsage(name)).not.toContain('例');
  });
});
