// Who may do what (product.md §1). Pure: the use-cases call these and refuse with a coded error.

import type { Directory } from './directory';
import type { Person, Role } from './types';

/** Roles that sell: they create customers and contracts. */
export const CREATOR_ROLES: Role[] = ['sales', 'sales_manager', 'gm', 'admin'];
/** Roles that may read every contract and customer. */
export const READ_ALL_ROLES: Role[] = ['legal', 'finance', 'gm', 'admin'];
/** Roles that, besides the owner, may record a signature. */
export const SIGN_ROLES: Role[] = ['legal', 'admin'];

const holds = (person: Person, roles: Role[]) => person.roles.some((r) => roles.includes(r));

export const canCreate = (person: Person): boolean => holds(person, CREATOR_ROLES);

/** The owner, anyone above the owner, and the read-all roles. */
export function isOwnerOrAbove(directory: Directory, person: Person, ownerId: string): boolean {
  return person.id === ownerId || directory.managersOf(ownerId).some((m) => m.id === person.id);
}

/** Contract details: owner, their managers, legal/finance/gm/admin, and whoever is or was asked to approve it. */
export function canReadContract(
  directory: Directory,
  person: Person,
  ownerId: string,
  approverIds: readonly string[],
): boolean {
  return isOwnerOrAbove(directory, person, ownerId) || holds(person, READ_ALL_ROLES) || approverIds.includes(person.id);
}

/** Roles that may log a follow-up with any customer. */
export const FOLLOW_UP_ALL_ROLES: Role[] = ['gm', 'admin'];

/**
 * The owners whose customers a person may see, or null for everyone's. Reading a customer's profile:
 * the owner, anyone above the owner, and the read-all roles. Logging a follow-up: the owner, anyone
 * above, gm and admin. Put as "whose customers" rather than "may see this one", so that a look-up can
 * be limited to them before any work, and a customer outside them is simply not found.
 */
export function customerOwnersVisibleTo(directory: Directory, person: Person, purpose: 'read' | 'follow_up'): string[] | null {
  if (holds(person, purpose === 'read' ? READ_ALL_ROLES : FOLLOW_UP_ALL_ROLES)) return null;
  return [person.id, ...directory.reportsOf(person.id).map((p) => p.id)];
}

export const canSign = (person: Person, ownerId: string): boolean => person.id === ownerId || holds(person, SIGN_ROLES);

/** Plan fulfilment (add milestones, payment nodes): the owner, anyone above the owner, admin. */
export const canPlanFulfilment = (directory: Directory, person: Person, ownerId: string): boolean =>
  isOwnerOrAbove(directory, person, ownerId) || holds(person, ['admin']);

/** Complete or delay a milestone, resolve a problem: those who plan, and the person responsible for it. */
export const canUpdateFulfilment = (directory: Directory, person: Person, ownerId: string, responsibleId: string): boolean =>
  person.id === responsibleId || canPlanFulfilment(directory, person, ownerId);

/** Record a receipt (回款): those who plan, and finance. */
export const canRecordReceipt = (directory: Directory, person: Person, ownerId: string): boolean =>
  canPlanFulfilment(directory, person, ownerId) || holds(person, ['finance']);

/** Raise a fulfilment problem: whoever may read the contract, and after-sales service. */
export const canRaiseProblem = (directory: Directory, person: Person, ownerId: string): boolean =>
  isOwnerOrAbove(directory, person, ownerId) || holds(person, [...READ_ALL_ROLES, 'service']);
