// What the fulfilment use-cases (milestones, payments, problems) share: the policy slice, the states
// in which a contract's fulfilment is tracked, and naming a person in a command.

import { STATUS_LABEL } from './domain/contract-state';
import { AppError } from './domain/errors';
import { DEFAULT_FULFILMENT_POLICY, type FulfilmentPolicy } from './domain/fulfilment';
import type { ContractStatus, Person } from './domain/types';
import type { Deps } from './context';
import type { ContractRecord } from './ports';

export const fulfilmentPolicy = (deps: Deps): FulfilmentPolicy => deps.policy.fulfilment ?? DEFAULT_FULFILMENT_POLICY;

/** Milestones are planned and reported while a contract is signed or performing. */
export const PERFORMING_STATES: readonly ContractStatus[] = ['signed', 'performing'];
/** Receipts and problems also after the work is done (warranty, the last payment). */
export const AFTER_SIGNING_STATES: readonly ContractStatus[] = ['signed', 'performing', 'completed'];

export function requireState(contract: ContractRecord, states: readonly ContractStatus[], what: string): void {
  if (!states.includes(contract.status)) {
    throw new AppError(
      'invalid_state',
      `合同 ${contract.number} 当前${STATUS_LABEL[contract.status]}，${what}只适用于${states.map((s) => STATUS_LABEL[s]).join('、')}的合同。`,
    );
  }
}

/** The person a 负责人:… names, unambiguously; `example` is a full command that shows how to write it. */
export function namedPerson(deps: Deps, reference: string, example: string): Person {
  const found = deps.directory.resolve(reference);
  if (found.person) return found.person;
  if (found.candidates.length === 0) throw new AppError('not_found', `通讯录里没有「${reference}」。例：${example}`);
  const list = found.candidates.map((p) => `${p.name}（账号 ${p.id}）`).join('、');
  throw new AppError('invalid_input', `通讯录里有 ${found.candidates.length} 位「${found.candidates[0]!.name}」：${list}。请用账号指明负责人。`);
}
