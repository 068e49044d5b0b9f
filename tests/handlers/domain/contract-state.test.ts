import {
  allowedActions,
  canApply,
  EDITABLE_STATES,
  nextStatus,
  RISK_LABEL,
  ROLE_LABEL,
  STATUS_LABEL,
  TYPE_LABEL,
  type ContractAction,
} from '../../../handlers/domain/contract-state';
import { AppError } from '../../../handlers/domain/errors';
import { CONTRACT_STATUSES, type ContractStatus } from '../../../handlers/domain/types';

const ALLOWED: [ContractStatus, ContractAction, ContractStatus][] = [
  ['draft', 'submit', 'in_approval'],
  ['rejected', 'submit', 'in_approval'],
  ['withdrawn', 'submit', 'in_approval'],
  ['in_approval', 'restart', 'in_approval'],
  ['in_approval', 'approve_final', 'approved'],
  ['in_approval', 'reject', 'rejected'],
  ['in_approval', 'withdraw', 'withdrawn'],
  ['draft', 'cancel', 'withdrawn'],
  ['approved', 'sign', 'signed'],
  ['signed', 'start', 'performing'],
  ['performing', 'complete', 'completed'],
  ['completed', 'archive', 'archived'],
  ['terminated', 'archive', 'archived'],
  ['expired', 'archive', 'archived'],
  ['approved', 'terminate', 'terminated'],
  ['signed', 'terminate', 'terminated'],
  ['performing', 'terminate', 'terminated'],
  ['signed', 'expire', 'expired'],
  ['performing', 'expire', 'expired'],
];
const ACTIONS = [...new Set(ALLOWED.map(([, a]) => a))];
const invalidState = expect.objectContaining({ code: 'invalid_state' }) as unknown as AppError;

it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
  expect(canApply(from, action)).toBe(true);
  expect(nextStatus(from, action)).toBe(to);
});

it.each([
  ['archived', 'submit'],
  ['approved', 'submit'],
  ['in_approval', 'submit'],
  ['draft', 'approve_final'],
  ['rejected', 'approve_final'],
  ['draft', 'sign'],
  ['in_approval', 'sign'],
  ['signed', 'complete'],
  ['draft', 'terminate'],
  ['completed', 'terminate'],
  ['approved', 'expire'],
  ['performing', 'archive'],
  ['archived', 'archive'],
  ['approved', 'withdraw'],
  ['in_approval', 'cancel'],
  ['draft', 'restart'],
] as [ContractStatus, ContractAction][])('refuses %s --%s-- with invalid_state', (from, action) => {
  expect(canApply(from, action)).toBe(false);
  expect(() => nextStatus(from, action)).toThrow(invalidState);
});

it('refuses every transition not in the table', () => {
  let refused = 0;
  for (const from of CONTRACT_STATUSES) {
    for (const action of ACTIONS) {
      if (ALLOWED.some(([f, a]) => f === from && a === action)) continue;
      expect(canApply(from, action)).toBe(false);
      expect(() => nextStatus(from, action)).toThrow(invalidState);
      refused++;
    }
  }
  expect(refused).toBe(CONTRACT_STATUSES.length * ACTIONS.length - ALLOWED.length);
});

it('names the current state and the states that would allow the action, in Chinese', () => {
  expect(() => nextStatus('archived', 'submit')).toThrow('合同当前状态为「已归档」，不能提交审批（仅限草稿、已驳回、已撤回状态）');
  expect(() => nextStatus('draft', 'sign')).toThrow('仅限已通过状态');
});

it('lists the allowed actions of a state', () => {
  expect(allowedActions('in_approval').sort()).toEqual(['approve_final', 'reject', 'restart', 'withdraw']);
  expect(allowedActions('draft').sort()).toEqual(['cancel', 'submit']);
  expect(allowedActions('archived')).toEqual([]);
});

it('editable states', () => {
  expect([...EDITABLE_STATES].sort()).toEqual(['draft', 'in_approval', 'rejected', 'withdrawn']);
});

it('has a Chinese label for every status, type, risk and role', () => {
  // Every state named, and no two alike (the user tells states apart by these words).
  const labels = CONTRACT_STATUSES.map((st) => STATUS_LABEL[st]);
  expect(labels.every((l) => /^[\u4e00-\u9fff]{2,3}$/.test(l))).toBe(true);
  expect(new Set(labels).size).toBe(CONTRACT_STATUSES.length);
  expect(STATUS_LABEL.in_approval).toBe('审批中');
  expect(TYPE_LABEL).toEqual({ sales: '销售', service: '服务', purchase: '采购', other: '其他' });
  expect(RISK_LABEL).toEqual({ low: '低', medium: '中', high: '高' });
  expect(ROLE_LABEL).toEqual({ sales: '销售', sales_manager: '销售经理', legal: '法务', finance: '财务', gm: '总经理', service: '客服', admin: '管理员' });
});
