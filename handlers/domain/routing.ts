// Tiered approval (分层授权): the first routing rule that matches the contract picks the chain.

import { AppError } from './errors';
import { formatFen } from './money';
import type { ContractType, Risk, RoutingRule } from './types';
import { RISK_LABEL, TYPE_LABEL } from './contract-state';

export interface RouteMatch {
  rule: RoutingRule;
  index: number;
  /** Why this rule: shown on the card and in `合同 <号>`. */
  explanation: string;
}

export function matchRoute(rules: RoutingRule[], contract: { type: ContractType; amountFen: number; risk: Risk }): RouteMatch {
  const index = rules.findIndex((r) => matches(r, contract));
  if (index < 0) {
    throw new AppError('no_route', '没有适用于这份合同的审批规则，请联系管理员在策略文件的 routing 中补充规则。');
  }
  const rule = rules[index]!;
  return { rule, index, explanation: `规则 ${index + 1}「${rule.name}」：${describe(rule)}` };
}

function matches({ match }: RoutingRule, c: { type: ContractType; amountFen: number; risk: Risk }): boolean {
  return (
    (!match.types || match.types.includes(c.type)) &&
    (match.minFen === undefined || c.amountFen >= match.minFen) &&
    (match.belowFen === undefined || c.amountFen < match.belowFen) &&
    (!match.risks || match.risks.includes(c.risk))
  );
}

function describe({ match }: RoutingRule): string {
  const parts: string[] = [];
  if (match.types) parts.push(`类型 ${match.types.map((t) => TYPE_LABEL[t]).join('/')}`);
  if (match.minFen !== undefined) parts.push(`金额 ≥ ${formatFen(match.minFen)}`);
  if (match.belowFen !== undefined) parts.push(`金额 < ${formatFen(match.belowFen)}`);
  if (match.risks) parts.push(`风险 ${match.risks.map((r) => RISK_LABEL[r]).join('/')}`);
  return parts.length ? parts.join('，') : '其他所有合同';
}
