// The help text: one line and one example per command, short enough for a phone screen.

import type { CommandName } from './command';

export interface CommandHelp {
  name: CommandName;
  keyword: string;
  alias: string;
  usage: string;
  example: string;
  summary: string;
}

export const HELP_COMMANDS: CommandHelp[] = [
  { name: 'help', keyword: '帮助', alias: 'help', usage: '帮助', example: '帮助', summary: '命令列表' },
  { name: 'new_customer', keyword: '新建客户', alias: 'new customer', usage: '新建客户 名称:… [等级:A/B/C] [别名:…,…] [确认:是]', example: '新建客户 名称:华东日报社 等级:A 别名:华东日报,华东报社', summary: '新建客户档案' },
  { name: 'customer', keyword: '客户', alias: 'customer', usage: '客户 <名称或编码>', example: '客户 华东日报社', summary: '客户资料' },
  { name: 'new_contract', keyword: '新建合同', alias: 'new contract', usage: '新建合同 客户:… 金额:… 类型:销售/服务/采购/其他 标题:… [风险:低/中/高] [开始:…] [结束:…] [付款:…] [续约:是/否]', example: '新建合同 客户:华东日报社 金额:50万 类型:销售 标题:2027年度广告投放', summary: '新建合同草稿' },
  { name: 'edit', keyword: '修改', alias: 'edit', usage: '修改 <合同号> 字段:值 …（客户/金额/类型/标题/风险/开始/结束/付款/续约）', example: '修改 HT-2026-0001 金额:60万', summary: '修改合同（生成新版本）' },
  { name: 'submit', keyword: '提交', alias: 'submit', usage: '提交 <合同号>', example: '提交 HT-2026-0001', summary: '提交审批' },
  { name: 'cancel', keyword: '取消', alias: 'cancel', usage: '取消 <合同号>', example: '取消 HT-2026-0001', summary: '取消草稿' },
  { name: 'approve', keyword: '同意', alias: 'approve', usage: '同意 <合同号> [意见]', example: '同意 HT-2026-0001 价格合理', summary: '同意当前审批步骤' },
  { name: 'reject', keyword: '驳回', alias: 'reject', usage: '驳回 <合同号> <原因>', example: '驳回 HT-2026-0001 付款条件不清楚', summary: '驳回（须写原因）' },
  { name: 'transfer', keyword: '转交', alias: 'transfer', usage: '转交 <合同号> <人>', example: '转交 HT-2026-0001 王五', summary: '转交给他人审批' },
  { name: 'urge', keyword: '催办', alias: 'urge', usage: '催办 <合同号>', example: '催办 HT-2026-0001', summary: '提醒当前审批人' },
  { name: 'withdraw', keyword: '撤回', alias: 'withdraw', usage: '撤回 <合同号>', example: '撤回 HT-2026-0001', summary: '撤回审批' },
  { name: 'todo', keyword: '待办', alias: 'todo', usage: '待办', example: '待办', summary: '我的待审批' },
  { name: 'contract', keyword: '合同', alias: 'contract', usage: '合同 <合同号>', example: '合同 HT-2026-0001', summary: '合同详情、版本、审批进度' },
  { name: 'my_contracts', keyword: '我的合同', alias: 'my contracts', usage: '我的合同', example: '我的合同', summary: '我的合同（按状态）' },
  { name: 'outbox_status', keyword: '发送状态', alias: 'outbox', usage: '发送状态', example: '发送状态', summary: '消息发送状态（管理员）' },
  { name: 'signed', keyword: '签订', alias: 'signed', usage: '签订 <合同号> [日期]', example: '签订 HT-2026-0001 2026-11-20', summary: '登记签订' },
  { name: 'follow_up', keyword: '跟进', alias: 'follow-up', usage: '跟进 <客户> <内容> [方式:电话/拜访/微信/邮件/会议] [下次:<日期>] [合同:<合同号>]', example: '跟进 华东日报社 电话沟通续约 方式:电话 下次:下周一', summary: '记录客户跟进' },
  { name: 'report', keyword: '报表', alias: 'report', usage: '报表 [本月/上月/本季度/上季度/今年/2026Q3/2026-11]', example: '报表 本季度', summary: '统计报表（合同、审批周期、跟进）' },
  { name: 'export', keyword: '导出', alias: 'export', usage: '导出 台账 | 导出 报表 [时间段]', example: '导出 报表 2026Q3', summary: '导出 CSV（台账或报表）' },
  { name: 'service', keyword: '报修', alias: 'service', usage: '报修 <合同号> <紧急/一般/巡检> <描述> [联系人:…] [日期:…（巡检）]', example: '报修 HT-2026-0001 紧急 生产线设备停机 联系人:张三', summary: '报修（开服务工单）' },
  { name: 'ack', keyword: '受理', alias: 'ack', usage: '受理 <工单号> [说明]', example: '受理 FW-2026-0001', summary: '受理工单' },
  { name: 'respond', keyword: '响应', alias: 'respond', usage: '响应 <工单号> [说明]', example: '响应 FW-2026-0001 已远程排查，今天下午上门', summary: '首次响应工单' },
  { name: 'resolve', keyword: '解决', alias: 'resolve', usage: '解决 <工单号> [说明] | 解决 <问题编号> <说明>', example: '解决 FW-2026-0001 更换主板后恢复运行', summary: '解决服务工单（客户将收到评价卡片）或履约问题 WT-…（须写说明）' },
  { name: 'rate', keyword: '评价', alias: 'rate', usage: '评价 <工单号> <速度> <能力> <态度> <专业>（各 1–5 分）', example: '评价 FW-2026-0001 5 4 5 5', summary: '评价已解决的工单' },
  { name: 'objection', keyword: '异议', alias: 'objection', usage: '异议 <工单号> <内容>', example: '异议 FW-2026-0001 设备仍有异响', summary: '对解决结果提出异议' },
  { name: 'callback', keyword: '回访', alias: 'callback', usage: '回访 <工单号> [说明]', example: '回访 FW-2026-0001 客户确认运行正常', summary: '登记回访' },
  { name: 'ticket', keyword: '工单', alias: 'ticket', usage: '工单 <工单号>', example: '工单 FW-2026-0001', summary: '工单详情与时限' },
  { name: 'milestone', keyword: '里程碑', alias: 'milestone', usage: '里程碑 <合同号> <名称> 计划:<日期> [负责人:…]', example: '里程碑 HT-2026-0001 设备安装调试 计划:2027-03-15 负责人:吴九', summary: '添加履约里程碑' },
  { name: 'milestone_done', keyword: '完成', alias: 'done', usage: '完成 <合同号> <里程碑名称或序号> [日期]', example: '完成 HT-2026-0001 原材料采购完成', summary: '里程碑完成' },
  { name: 'milestone_delay', keyword: '延期', alias: 'delay', usage: '延期 <合同号> <里程碑名称或序号> <新日期> <原因>', example: '延期 HT-2026-0001 出厂检验合格 2027-04-30 供应商芯片缺货', summary: '里程碑延期（须写原因）' },
  { name: 'payment_node', keyword: '付款节点', alias: 'payment node', usage: '付款节点 <合同号> <计划日期> <金额> [说明]', example: '付款节点 HT-2026-0001 2027-03-31 15万 到货款', summary: '添加付款节点' },
  { name: 'receipt', keyword: '回款', alias: 'payment', usage: '回款 <合同号> <金额> [日期]', example: '回款 HT-2026-0001 15万 2027-04-02', summary: '登记回款' },
  { name: 'problem', keyword: '问题', alias: 'issue', usage: '问题 <合同号> <描述> [影响:…] [负责人:…]', example: '问题 HT-2026-0001 现场设备无法开机 影响:客户停产', summary: '登记履约问题' },
];

export function helpText(): string {
  return [
    '合同助手命令（英文别名亦可，如 help、new contract）：',
    ...HELP_COMMANDS.filter((c) => c.name !== 'help').map((c) => `· ${c.summary}：${c.example}`),
    '金额可写 50万、1.2亿；日期可写 2026-12-01、12月1日、明天、下周一。发送「帮助」随时查看本列表。',
  ].join('\n');
}

const entry = (name: CommandName): CommandHelp => HELP_COMMANDS.find((h) => h.name === name)!;

/** Usage and example of one command, e.g. after a malformed field. */
export function commandHelp(name: CommandName): string {
  const c = entry(name);
  return `用法：${c.usage}（英文：${c.alias}）\n例：${c.example}`;
}

/** Just the usage line, for replies that already show an example. */
export function commandUsage(name: CommandName): string {
  return `用法：${entry(name).usage}`;
}

export const exampleOf = (name: CommandName): string => entry(name).example;
