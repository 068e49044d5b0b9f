// Tiered approval (分层授权): the first routing rule that matches the contract picks the chain, and the
// explanation says which rule and why, so the card can show it.

import { RISK_LABEL, TYPE_LABEL } from './contract-state';
import { AppError } from './errors';
import { formatFen } from './money';
import type { ContractType, Risk, RoutingRule } from './types';

export interface RouteMatch {
  rule: RoutingRule;
  /** 0-based position in the rule list (the explanation counts from 1, as people do). */
  index: number;
  /** Why this rule, e.g. `规则 2「中额合同」：金额 < ¥500,000.00，风险 低/中`. */
  explanation: string;
}

export interface RoutedContract {
  type: ContractType;
  amountFen: number;
  risk: Risk;
}

/** The first rule whose every condition holds; throws `no_route` when none does. */
export function matchRoute(rules: RoutingRule[], contract: RoutedContract): RouteMatch {
  const index = rules.findIndex((r) => matches(r, contract));
  if (index < 0) {
    throw new AppError(
      'no_route',
      `没有适用于这份合同（类型 ${TYPE_LABEL[contract.type]}，金额 ${formatFen(contract.amountFen)}，风险 ${RISK_LABEL[contract.risk]}）的审批规则，请联系管理员在策略文件的 routing 中补充规则（通常最后一条不设条件，兜底所有合同）。`,
    );
  }
  const rule = rules[index]!;
  return { rule, index, explanation: `规则 ${index + 1}「${rule.name}」：${describe(rule)}` };
}

// An absent or empty list means "any": nobody writes `risks: []` to mean "never".
const allows = <T>(list: readonly T[] | undefined, value: T) => !list || list.length === 0 || list.includes(value);

function matches({ match }: RoutingRule, c: RoutedContract): boolean {
  return (
    allows(match.types, c.type) &&
    (match.minFen === undefined || c.amountFen >= match.minFen) &&
    (match.belowFen === undefined || c.amountFen < match.belowFen) &&
    allows(match.risks, c.risk)
  );
}

function describe({ match }: RoutingRule): string {
  const parts: string[] = [];
  if (match.types?.length) parts.push(`类型 ${match.types.map((t) => TYPE_LABEL[t]).join('/')}`);
  if (match.minFen !== undefined) parts.push(`金额 ≥ ${formatFen(match.minFen)}`);
  if (match.belowFen !== undefined) parts.push(`金额 < ${formatFen(match.belowFen)}`);
  if (match.risks?.length) parts.push(`风险 ${match.risks.map((r) => RISK_LABEL[r]).join('/')}`);
  return parts.length ? parts.join('，') : '其他所有合同';
}
