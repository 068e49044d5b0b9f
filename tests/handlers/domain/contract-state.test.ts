import { canApply, nextStatus, type ContractAction } from '../../../handlers/domain/contract-state';
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

it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
  expect(nextStatus(from, action)).toBe(to);
});

it('refuses every other transition with invalid_state', () => {
  const actions = [...new Set(ALLOWED.map(([, a]) => a))];
  let refused = 0;
  for (const from of CONTRACT_STATUSES) {
    for (const action of actions) {
      if (ALLOWED.some(([f, a]) => f === from && a === action)) continue;
      expect(canApply(from, action)).toBe(false);
      expect(() => nextStatus(from, action)).toThrow(expect.objectContaining({ code: 'invalid_state' }) as unknown as AppError);
      refused++;
    }
  }
  expect(refused).toBe(CONTRACT_STATUSES.length * actions.length - ALLOWED.length);
});

it('names the current state in Chinese when refusing', () => {
  expect(() => nextStatus('archived', 'submit')).toThrow('合同当前状态为「已归档」');
});
