// What every use-case receives: long-lived dependencies, and the context of one request.

import type { WorkingCalendar } from './domain/calendar';
import type { Directory } from './domain/directory';
import { AppError } from './domain/errors';
import type { Person } from './domain/types';
import type { Attachment, AuditEventRecord, ContractRecord, CustomerRecord, Recipient, Repositories, ServicePolicy, Tx, View, WorkflowPolicy } from './ports';

export interface Deps {
  repos: Repositories;
  directory: Directory;
  policy: WorkflowPolicy;
  calendar: WorkingCalendar;
  /** Service-ticket clocks and alerts (policy `service_sla`); DEFAULT_SERVICE_POLICY when absent. */
  service?: ServicePolicy;
}

/** The actor of scheduled work: shows as 系统 in the audit trail, marked automatic. */
export const SYSTEM: Person = { id: 'system', name: '系统', roles: [], identities: [] };

export interface Ctx {
  tx: Tx;
  actor: Person;
  now: Date;
  /** Where the request came from: 'dingtalk' | 'wecom' | 'console' | 'system'. */
  platform: string;
  /**
   * Charts and files to send with the reply (set by the transport that replies; absent where a
   * reply cannot carry them). A use-case pushes onto it; the reply carries them after its views.
   */
  attachments?: Attachment[];
}

/** Queues a message in the outbox, in the current transaction. The key makes it exactly-once. */
export async function notify(
  deps: Deps,
  ctx: Ctx,
  to: Recipient,
  dedupeKey: string,
  views: View[],
  options: { updatesCard?: string; attachments?: Attachment[] } = {},
): Promise<void> {
  await deps.repos.outbox.enqueue(ctx.tx, { dedupeKey, to, views, ...options }, ctx.now);
}

export const toPerson = (personId: string): Recipient => ({ kind: 'person', personId });

export async function audit(
  deps: Deps,
  ctx: Ctx,
  action: string,
  refs: { contractId?: number; customerId?: number; actingFor?: string | null },
  detail: Record<string, unknown> = {},
): Promise<void> {
  await deps.repos.audit.append(ctx.tx, auditEvent(ctx, action, refs, detail));
}

/** The audit event of `action` by the context's actor (for appending many at once). */
export function auditEvent(
  ctx: Ctx,
  action: string,
  refs: { contractId?: number; customerId?: number; actingFor?: string | null },
  detail: Record<string, unknown> = {},
): Omit<AuditEventRecord, 'id'> {
  return {
    at: ctx.now,
    actorId: ctx.actor.id,
    actingFor: refs.actingFor ?? null,
    action,
    contractId: refs.contractId ?? null,
    customerId: refs.customerId ?? null,
    detail,
    platform: ctx.platform,
    automatic: ctx.platform === 'system',
  };
}

/** Customers read in one request, by id: a use-case that shows a contract's customer several times reads it once. */
const customersRead = new WeakMap<Ctx, Map<number, Promise<CustomerRecord | null>>>();

/** The customer, read once per request (a request's transaction does not change customers it shows). */
export function customerOf(deps: Deps, ctx: Ctx, id: number): Promise<CustomerRecord | null> {
  let read = customersRead.get(ctx);
  if (!read) customersRead.set(ctx, (read = new Map()));
  let customer = read.get(id);
  if (!customer) read.set(id, (customer = deps.repos.customers.findById(ctx.tx, id)));
  return customer;
}

export async function loadContract(deps: Deps, ctx: Ctx, contractNo: string): Promise<ContractRecord> {
  const contract = await deps.repos.contracts.findByNumber(ctx.tx, contractNo);
  if (!contract) throw new AppError('not_found', `找不到合同 ${contractNo}，请检查合同号（发送「我的合同」查看你的合同）。`);
  return contract;
}

/** Refuses anyone but the contract's owner (edit, submit, withdraw, urge, cancel). */
export function requireOwner(deps: Deps, ctx: Ctx, contract: ContractRecord, what: string): void {
  if (contract.ownerId !== ctx.actor.id) {
    throw new AppError(
      'forbidden',
      `只有合同负责人 ${deps.directory.nameOf(contract.ownerId)} 可以${what}合同 ${contract.number}。`,
    );
  }
}
