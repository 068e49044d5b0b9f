// The contract lifecycle (product.md §2) as one transition table, so every use-case asks the same
// question the same way, and the Chinese labels of its words.

import { AppError } from './errors';
import type { ContractStatus, ContractType, Risk, Role } from './types';

export type ContractAction =
  | 'submit'
  | 'restart'
  | 'approve_final'
  | 'reject'
  | 'withdraw'
  | 'cancel'
  | 'sign'
  | 'start'
  | 'complete'
  | 'archive'
  | 'terminate'
  | 'expire';

const TRANSITIONS: Record<ContractAction, { from: ContractStatus[]; to: ContractStatus }> = {
  submit: { from: ['draft', 'rejected', 'withdrawn'], to: 'in_approval' },
  restart: { from: ['in_approval'], to: 'in_approval' },
  approve_final: { from: ['in_approval'], to: 'approved' },
  reject: { from: ['in_approval'], to: 'rejected' },
  withdraw: { from: ['in_approval'], to: 'withdrawn' },
  cancel: { from: ['draft'], to: 'withdrawn' },
  sign: { from: ['approved'], to: 'signed' },
  start: { from: ['signed'], to: 'performing' },
  complete: { from: ['performing'], to: 'completed' },
  archive: { from: ['completed', 'terminated', 'expired'], to: 'archived' },
  terminate: { from: ['approved', 'signed', 'performing'], to: 'terminated' },
  expire: { from: ['signed', 'performing'], to: 'expired' },
};

export const EDITABLE_STATES: ContractStatus[] = ['draft', 'rejected', 'withdrawn', 'in_approval'];

export const STATUS_LABEL: Record<ContractStatus, string> = {
  draft: '草稿',
  in_approval: '审批中',
  approved: '已通过',
  signed: '已签订',
  performing: '履行中',
  completed: '已完成',
  archived: '已归档',
  rejected: '已驳回',
  withdrawn: '已撤回',
  terminated: '已终止',
  expired: '已到期',
};

const ACTION_LABEL: Record<ContractAction, string> = {
  submit: '提交审批',
  restart: '重新审批',
  approve_final: '审批通过',
  reject: '驳回',
  withdraw: '撤回',
  cancel: '取消',
  sign: '登记签订',
  start: '开始履行',
  complete: '完成',
  archive: '归档',
  terminate: '终止',
  expire: '到期',
};

export const TYPE_LABEL: Record<ContractType, string> = { sales: '销售', service: '服务', purchase: '采购', other: '其他' };
export const RISK_LABEL: Record<Risk, string> = { low: '低', medium: '中', high: '高' };
export const ROLE_LABEL: Record<Role, string> = {
  sales: '销售',
  sales_manager: '销售经理',
  legal: '法务',
  finance: '财务',
  gm: '总经理',
  service: '客服',
  admin: '管理员',
};

export const canApply = (from: ContractStatus, action: ContractAction): boolean => TRANSITIONS[action].from.includes(from);

/** The actions a contract in `from` allows (which buttons a card may offer). */
export const allowedActions = (from: ContractStatus): ContractAction[] =>
  (Object.keys(TRANSITIONS) as ContractAction[]).filter((a) => canApply(from, a));

/** The state `action` leads to from `from`; refuses with `invalid_state` naming what is allowed. */
export function nextStatus(from: ContractStatus, action: ContractAction): ContractStatus {
  const t = TRANSITIONS[action];
  if (!t.from.includes(from)) {
    throw new AppError(
      'invalid_state',
      `合同当前状态为「${STATUS_LABEL[from]}」，不能${ACTION_LABEL[action]}（仅限${t.from.map((s) => STATUS_LABEL[s]).join('、')}状态）。`,
    );
  }
  return t.to;
}
