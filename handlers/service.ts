// Service tickets (product.md §4, §8): 报修 opens a ticket on a signed contract and assigns a service
// person; 受理 / 响应 / 解决 stop its confirm, first-response and resolution clocks; on resolution the
// customer contact (or the contract owner) gets a satisfaction card, the handler a call-back task due
// in 24 h, and an objection (异议) reopens it with its own 48-hour clock. Every step writes an audit
// event; every message goes through the outbox.

import { STATUS_LABEL } from './domain/contract-state';
import { formatDateTime, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { canReadContract, isOwnerOrAbove } from './domain/permissions';
import {
  CLOCK_LABEL,
  PRIORITY_LABEL,
  addClockHours,
  addWorkingDays,
  initialDeadlines,
  metDeadline,
  nextCheck,
  runningClocks,
  workingDaysBetween,
} from './domain/service-sla';
import type { IsoDate, Person } from './domain/types';
import { audit, loadContract, toPerson, type Ctx, type Deps } from './context';
import {
  DEFAULT_SERVICE_POLICY,
  type CardView,
  type ContractRecord,
  type Recipient,
  type ServicePolicy,
  type ServiceTicketRecord,
  type TicketPriority,
  type TicketRatings,
  type TicketStatus,
  type View,
} from './ports';
import { card, text } from './views';

export const servicePolicyOf = (deps: Deps): ServicePolicy => deps.service ?? DEFAULT_SERVICE_POLICY;

/** Contracts a ticket may be opened on: signed and not yet ended. */
const SERVICEABLE: readonly ContractRecord['status'][] = ['signed', 'performing', 'completed'];

export const TICKET_STATUS_LABEL: Record<TicketStatus, string> = {
  open: '待受理',
  acknowledged: '已受理',
  responded: '处理中',
  resolved: '已解决',
  objection: '异议处理中',
};

export const RATING_LABEL: Record<keyof TicketRatings, string> = { speed: '速度', ability: '能力', attitude: '态度', professional: '专业' };
export const RATING_KEYS: readonly (keyof TicketRatings)[] = ['speed', 'ability', 'attitude', 'professional'];

const holds = (p: Person, role: Person['roles'][number]) => p.roles.includes(role);

// ---------------------------------------------------------------------------------------------
// Permissions (product.md §1: enforced here, not in the transports)

/** 报修: whoever may read the contract (owner, their managers, legal/finance/gm/admin) and service staff. */
function mayOpen(deps: Deps, actor: Person, contract: ContractRecord): boolean {
  return holds(actor, 'service') || canReadContract(deps.directory, actor, contract.ownerId, []);
}

/** 受理/响应/解决/回访: the handler, any service person (the team covers), the handler's managers, admins. */
function mayHandle(deps: Deps, actor: Person, t: ServiceTicketRecord): boolean {
  return actor.id === t.handlerId || holds(actor, 'service') || holds(actor, 'admin') || deps.directory.managersOf(t.handlerId).some((m) => m.id === actor.id);
}

/** 评价/异议: the customer contact named at 报修, the contract owner and the owner's managers. */
function speaksForCustomer(deps: Deps, actor: Person, t: ServiceTicketRecord, contract: ContractRecord): boolean {
  return actor.id === t.contactId || isOwnerOrAbove(deps.directory, actor, contract.ownerId);
}

/** 工单: anyone involved, plus those who may read the contract. */
function mayRead(deps: Deps, actor: Person, t: ServiceTicketRecord, contract: ContractRecord): boolean {
  return mayHandle(deps, actor, t) || speaksForCustomer(deps, actor, t, contract) || actor.id === t.openedBy || canReadContract(deps.directory, actor, contract.ownerId, []);
}

// ---------------------------------------------------------------------------------------------
// Helpers

async function loadTicket(deps: Deps, ctx: Ctx, ticketNo: string): Promise<{ ticket: ServiceTicketRecord; contract: ContractRecord }> {
  const ticket = await deps.repos.serviceTickets.findByNumber(ctx.tx, ticketNo);
  if (!ticket) throw new AppError('not_found', `找不到工单 ${ticketNo}，请检查工单号（形如 FW-2026-0001）。`);
  const contract = (await deps.repos.contracts.findById(ctx.tx, ticket.contractId))!;
  return { ticket, contract };
}

/** Round-robin among the people with role `service` (a persisted counter), or their delegate today. */
async function pickHandler(deps: Deps, ctx: Ctx): Promise<{ handler: Person; actingFor: string | null }> {
  const team = deps.directory.holdersOf('service');
  if (team.length === 0) throw new AppError('no_route', '策略中没有客服人员（角色 service），无法派单；请管理员在 policy.yaml 的 people 中添加。');
  const n = await deps.repos.sequences.next(ctx.tx, 'service-handler');
  const chosen = team[(n - 1) % team.length]!;
  const delegate = deps.directory.activeDelegate(chosen.id, todayIn(ctx.now, deps.policy.timezone));
  return delegate ? { handler: delegate, actingFor: chosen.id } : { handler: chosen, actingFor: null };
}

/** The ticket's next SLA check after a change (null when no clock is left running). */
function nextCheckOf(deps: Deps, t: Parameters<typeof runningClocks>[3], now: Date): Date | null {
  return nextCheck(runningClocks(deps.calendar, servicePolicyOf(deps), deps.policy.timezone, t), now);
}

/** Applies a change conditionally on the ticket's version; a concurrent change is refused, not overwritten. */
async function save(deps: Deps, ctx: Ctx, t: ServiceTicketRecord, patch: Partial<ServiceTicketRecord>): Promise<ServiceTicketRecord> {
  const merged = { ...t, ...patch };
  // A check already due (the job has not run since) stays due: a stage it owes is not skipped. One for
  // a clock this change stopped finds nothing to send and moves on.
  const computed = nextCheckOf(deps, merged, ctx.now);
  const nextCheckAt = t.nextCheckAt && (!computed || t.nextCheckAt < computed) ? t.nextCheckAt : computed;
  const full = { ...patch, nextCheckAt };
  if (!(await deps.repos.serviceTickets.update(ctx.tx, t.id, t.version, full))) {
    throw new AppError('already_decided', `工单 ${t.number} 刚被他人更新，请发送「工单 ${t.number}」查看后重试。`);
  }
  return { ...merged, ...full, version: t.version + 1 };
}

async function enqueue(deps: Deps, ctx: Ctx, to: Recipient, dedupeKey: string, views: View[], urgent = false): Promise<boolean> {
  return deps.repos.outbox.enqueue(ctx.tx, { dedupeKey, to, views, ...(urgent ? { urgent: true } : {}) }, ctx.now);
}

const due = (deps: Deps, at: Date | null) => (at ? formatDateTime(at, deps.policy.timezone) : '—');

/** `紧急 · 受理 11-23 11:00 ✓` lines: each clock's deadline and whether it was met. */
function clockLines(deps: Deps, t: ServiceTicketRecord, now: Date): string[] {
  const line = (label: string, deadline: Date | null, done: Date | null) => {
    if (!deadline) return null;
    const met = metDeadline(deadline, done, now);
    const state = done ? `已完成 ${due(deps, done)}${met ? ' ✓' : ' ✗ 超时'}` : met === false ? '已超时' : '进行中';
    return `${label}：截止 ${due(deps, deadline)}（${state}）`;
  };
  return [
    line(CLOCK_LABEL.confirm, t.confirmDue, t.acknowledgedAt),
    line(CLOCK_LABEL.respond, t.respondDue, t.respondedAt),
    line(CLOCK_LABEL.resolve, t.resolveDue, t.resolvedAt),
    line(CLOCK_LABEL.callback, t.callbackDue, t.callbackAt),
    line(CLOCK_LABEL.objection, t.objectionDue, t.objectionClosedAt),
  ].filter((l): l is string => l !== null);
}

export function ticketCard(deps: Deps, t: ServiceTicketRecord, contract: ContractRecord, now: Date, title = `服务工单 ${t.number}`): CardView {
  const clockKind = t.priority === 'periodic' ? `约定日期 ${t.scheduledDate}` : t.clock === 'natural' ? '自然小时计时' : '工作小时计时';
  return {
    kind: 'ticket',
    cardKey: `ticket:${t.id}`,
    title,
    subtitle: `${PRIORITY_LABEL[t.priority]} · ${TICKET_STATUS_LABEL[t.status]}`,
    fields: [
      { label: '合同', value: `${contract.number} ${contract.title}` },
      { label: '问题', value: t.description },
      { label: '处理人', value: deps.directory.nameOf(t.handlerId) },
      { label: '报修人', value: deps.directory.nameOf(t.openedBy) },
      ...(t.contactId ? [{ label: '客户联系人', value: deps.directory.nameOf(t.contactId) }] : []),
      { label: '时限', value: clockKind },
      ...(t.resolution ? [{ label: '解决说明', value: t.resolution }] : []),
      ...(t.objection ? [{ label: '异议', value: t.objection }] : []),
      ...(t.ratings ? [{ label: '评价', value: RATING_KEYS.map((k) => `${RATING_LABEL[k]}${t.ratings![k]}`).join(' ') }] : []),
    ],
    lines: clockLines(deps, t, now),
    buttons: [],
  };
}

/**
 * The satisfaction card (product.md §5). Neither platform's card can carry four 1–5 ratings with the
 * bot's cards (a WeCom template card has one `button_selection`, `multiple_interaction` at most three
 * selects; DingTalk would need its own card template), so the card shows the four dimensions and the
 * `评价` line to copy, with the objection path under it. It renders as markdown on both platforms.
 */
export function satisfactionCard(deps: Deps, t: ServiceTicketRecord, contract: ContractRecord): CardView {
  return {
    kind: 'satisfaction',
    cardKey: `satisfaction:${t.id}`,
    title: `服务评价 ${t.number}`,
    subtitle: `${contract.number} ${contract.title}`,
    fields: [
      { label: '问题', value: t.description },
      { label: '处理人', value: deps.directory.nameOf(t.handlerId) },
      { label: '解决说明', value: t.resolution ?? '—' },
      { label: '评分项', value: '速度、能力、态度、专业，各 1–5 分（5 分最好）' },
    ],
    lines: [
      `请复制并修改分数后回复：评价 ${t.number} 5 5 5 5`,
      `（四个分数依次为 速度 能力 态度 专业）`,
      `如对处理结果有异议：异议 ${t.number} <内容>（${servicePolicyOf(deps).objectionHours} 小时内处理）`,
    ],
    buttons: [],
  };
}

// ---------------------------------------------------------------------------------------------
// 报修

export interface OpenTicketInput {
  contractNo: string;
  priority: TicketPriority;
  description: string;
  /** The customer's contact person (a name or id in the directory). */
  contact?: string;
  /** Periodic: the agreed visit date. */
  date?: IsoDate;
}

export async function openTicket(deps: Deps, ctx: Ctx, input: OpenTicketInput): Promise<View[]> {
  const contract = await loadContract(deps, ctx, input.contractNo);
  if (!mayOpen(deps, ctx.actor, contract)) {
    throw new AppError('forbidden', `只有合同负责人及其上级、客服和法务/财务/总经理/管理员可以为合同 ${contract.number} 报修。`);
  }
  if (!SERVICEABLE.includes(contract.status)) {
    throw new AppError('invalid_state', `合同 ${contract.number} 当前状态为「${STATUS_LABEL[contract.status]}」，签订后才能报修。`);
  }
  let contactId: string | null = null;
  if (input.contact) {
    const found = deps.directory.resolve(input.contact);
    if (!found.person) {
      const many = found.candidates.length > 1 ? `有 ${found.candidates.length} 人同名，请写账号` : '通讯录中没有此人';
      throw new AppError('invalid_input', `「联系人」${input.contact}：${many}。例：报修 ${contract.number} 一般 打印机卡纸 联系人:张三`);
    }
    contactId = found.person.id;
  }
  const policy = servicePolicyOf(deps);
  const tz = deps.policy.timezone;
  const today = todayIn(ctx.now, tz);
  let scheduledDate: IsoDate | null = null;
  if (input.priority === 'periodic') {
    const ahead = policy.periodic.agreeDaysAhead;
    scheduledDate = input.date ?? addWorkingDays(deps.calendar, today, ahead);
    if (!deps.calendar.isWorkingDay(scheduledDate)) {
      throw new AppError('invalid_input', `「日期」${scheduledDate} 不是工作日，请另选一天。例：报修 ${contract.number} 巡检 季度巡检 日期:${addWorkingDays(deps.calendar, today, ahead)}`);
    }
    if (workingDaysBetween(deps.calendar, today, scheduledDate) < ahead) {
      throw new AppError(
        'invalid_input',
        `「日期」巡检须至少提前 ${ahead} 个工作日约定，最早 ${addWorkingDays(deps.calendar, today, ahead)}。例：报修 ${contract.number} 巡检 季度巡检 日期:${addWorkingDays(deps.calendar, today, ahead)}`,
      );
    }
  } else if (input.date) {
    throw new AppError('invalid_input', `「日期」只用于巡检工单（约定上门日期）。例：报修 ${contract.number} 巡检 季度巡检 日期:${addWorkingDays(deps.calendar, today, policy.periodic.agreeDaysAhead)}`);
  }
  const { handler, actingFor } = await pickHandler(deps, ctx);
  const year = today.slice(0, 4);
  const seq = await deps.repos.sequences.next(ctx.tx, `FW-${year}`);
  const number = `FW-${year}-${String(seq).padStart(4, '0')}`;
  const deadlines = initialDeadlines(deps.calendar, policy, tz, input.priority, ctx.now, scheduledDate);
  const draft = {
    contractId: contract.id,
    priority: input.priority,
    description: input.description,
    status: 'open' as const,
    openedBy: ctx.actor.id,
    handlerId: handler.id,
    contactId,
    clock: deadlines.clock,
    openedAt: ctx.now,
    confirmDue: deadlines.confirmDue,
    respondDue: deadlines.respondDue,
    resolveDue: deadlines.resolveDue,
    scheduledDate,
    acknowledgedAt: null,
    respondedAt: null,
    resolvedAt: null,
    resolution: null,
    callbackDue: null,
    callbackAt: null,
    callbackNote: null,
    objection: null,
    objectionAt: null,
    objectionDue: null,
    objectionClosedAt: null,
    ratings: null,
    ratedAt: null,
    ratedBy: null,
  };
  const ticket = await deps.repos.serviceTickets.insert(ctx.tx, number, { ...draft, nextCheckAt: nextCheckOf(deps, draft, ctx.now) });
  await audit(deps, ctx, 'ticket.opened', { contractId: contract.id, actingFor }, { ticket: number, priority: input.priority, handler: handler.id });
  const proxy = actingFor ? `（代 ${deps.directory.nameOf(actingFor)}）` : '';
  const next = input.priority === 'periodic' ? `请按约定日期 ${scheduledDate} 上门巡检，完成后：解决 ${number} <说明>` : `请受理：受理 ${number}`;
  // An urgent ticket reaches its handler at night too (it passes quiet hours).
  await enqueue(deps, ctx, toPerson(handler.id), `ticket:${ticket.id}:assigned`, [
    text(`🛠 新工单派给你${proxy}：${number}（${PRIORITY_LABEL[input.priority]}），${next}`),
    card(ticketCard(deps, ticket, contract, ctx.now)),
  ], input.priority === 'urgent');
  if (contract.ownerId !== ctx.actor.id) {
    await enqueue(deps, ctx, toPerson(contract.ownerId), `ticket:${ticket.id}:owner-opened`, [
      text(`🛠 合同 ${contract.number} 有新工单 ${number}（${PRIORITY_LABEL[input.priority]}），报修人 ${ctx.actor.name}，处理人 ${handler.name}：${input.description}`),
    ]);
  }
  return [card(ticketCard(deps, ticket, contract, ctx.now, `已报修 ${number}`))];
}

// ---------------------------------------------------------------------------------------------
// 受理 / 响应 / 解决

export type TicketStep = 'ack' | 'respond' | 'resolve';
const STEP_VERB: Record<TicketStep, string> = { ack: '受理', respond: '响应', resolve: '解决' };

export async function advanceTicket(deps: Deps, ctx: Ctx, input: { ticketNo: string; step: TicketStep; note?: string }): Promise<View[]> {
  const { ticket: t, contract } = await loadTicket(deps, ctx, input.ticketNo);
  const verb = STEP_VERB[input.step];
  if (!mayHandle(deps, ctx.actor, t)) {
    throw new AppError('forbidden', `只有处理人 ${deps.directory.nameOf(t.handlerId)}、客服和其上级可以${verb}工单 ${t.number}。`);
  }
  if (input.step === 'resolve' && t.status === 'objection') return closeObjection(deps, ctx, t, contract, input.note);
  if (t.resolvedAt) throw new AppError('already_decided', `工单 ${t.number} 已于 ${due(deps, t.resolvedAt)} 解决，无需再${verb}。`);
  const now = ctx.now;
  let patch: Partial<ServiceTicketRecord>;
  if (input.step === 'ack') {
    if (t.acknowledgedAt) throw new AppError('already_decided', `工单 ${t.number} 已于 ${due(deps, t.acknowledgedAt)} 受理。下一步：响应 ${t.number} <说明>`);
    patch = { acknowledgedAt: now, status: 'acknowledged' };
  } else if (input.step === 'respond') {
    if (t.respondedAt) throw new AppError('already_decided', `工单 ${t.number} 已于 ${due(deps, t.respondedAt)} 响应。解决后：解决 ${t.number} <说明>`);
    // A response confirms the ticket too.
    patch = { acknowledgedAt: t.acknowledgedAt ?? now, respondedAt: now, status: 'responded' };
  } else {
    patch = {
      acknowledgedAt: t.acknowledgedAt ?? now,
      respondedAt: t.respondedAt ?? now,
      resolvedAt: now,
      resolution: input.note ?? null,
      status: 'resolved',
      callbackDue: addClockHours(deps.calendar, 'natural', now, servicePolicyOf(deps).callbackHours),
    };
  }
  const saved = await save(deps, ctx, t, patch);
  const met = {
    ack: metDeadline(t.confirmDue, saved.acknowledgedAt, now),
    respond: metDeadline(t.respondDue, saved.respondedAt, now),
    resolve: metDeadline(t.resolveDue, saved.resolvedAt, now),
  }[input.step];
  const action = { ack: 'ticket.acknowledged', respond: 'ticket.responded', resolve: 'ticket.resolved' }[input.step];
  await audit(deps, ctx, action, { contractId: contract.id }, { ticket: t.number, note: input.note ?? null, met });
  if (input.step === 'resolve') await afterResolution(deps, ctx, saved, contract);
  const next = { ack: `下一步：响应 ${t.number} <说明>`, respond: `解决后：解决 ${t.number} <说明>`, resolve: `回访后：回访 ${t.number} <说明>` }[input.step];
  return [text(`已${verb}工单 ${t.number}${met === false ? '（已超过时限）' : ''}。${next}`), card(ticketCard(deps, saved, contract, now))];
}

/** On resolution: the satisfaction card, the owner told, the handler's call-back task. */
async function afterResolution(deps: Deps, ctx: Ctx, t: ServiceTicketRecord, contract: ContractRecord): Promise<void> {
  const rater = t.contactId ?? contract.ownerId;
  await enqueue(deps, ctx, toPerson(rater), `ticket:${t.id}:satisfaction`, [card(satisfactionCard(deps, t, contract))]);
  if (rater !== contract.ownerId) {
    await enqueue(deps, ctx, toPerson(contract.ownerId), `ticket:${t.id}:owner-resolved`, [
      text(`✅ 合同 ${contract.number} 的工单 ${t.number} 已解决（${deps.directory.nameOf(t.handlerId)}）：${t.resolution ?? '—'}`),
    ]);
  }
  await enqueue(deps, ctx, toPerson(t.handlerId), `ticket:${t.id}:callback-task`, [
    text(`📞 回访任务：工单 ${t.number} 已解决，请在 ${due(deps, t.callbackDue)} 前回访客户，完成后：回访 ${t.number} <说明>`),
  ]);
}

async function closeObjection(deps: Deps, ctx: Ctx, t: ServiceTicketRecord, contract: ContractRecord, note?: string): Promise<View[]> {
  const saved = await save(deps, ctx, t, { status: 'resolved', objectionClosedAt: ctx.now, resolution: note ?? t.resolution });
  const met = metDeadline(t.objectionDue, ctx.now, ctx.now);
  await audit(deps, ctx, 'ticket.objection_closed', { contractId: contract.id }, { ticket: t.number, note: note ?? null, met });
  const rater = t.contactId ?? contract.ownerId;
  await enqueue(deps, ctx, toPerson(rater), `ticket:${t.id}:objection-closed:${t.objectionAt!.getTime()}`, [
    text(`✅ 你对工单 ${t.number} 的异议已处理（${deps.directory.nameOf(ctx.actor.id)}）：${note ?? '—'}`),
  ]);
  return [text(`已处理工单 ${t.number} 的异议${met === false ? '（已超过时限）' : ''}。`), card(ticketCard(deps, saved, contract, ctx.now))];
}

// ---------------------------------------------------------------------------------------------
// 评价 / 异议 / 回访 / 工单

export async function rateTicket(deps: Deps, ctx: Ctx, input: { ticketNo: string; ratings: TicketRatings }): Promise<View[]> {
  const { ticket: t, contract } = await loadTicket(deps, ctx, input.ticketNo);
  if (!speaksForCustomer(deps, ctx.actor, t, contract)) {
    throw new AppError('forbidden', `只有客户联系人、合同负责人 ${deps.directory.nameOf(contract.ownerId)} 及其上级可以评价工单 ${t.number}。`);
  }
  if (!t.resolvedAt) throw new AppError('invalid_state', `工单 ${t.number} 尚未解决，解决后才能评价。`);
  if (t.ratedAt) throw new AppError('duplicate', `工单 ${t.number} 已于 ${due(deps, t.ratedAt)} 评价过（${deps.directory.nameOf(t.ratedBy)}），每个工单只能评价一次。`);
  const saved = await save(deps, ctx, t, { ratings: input.ratings, ratedAt: ctx.now, ratedBy: ctx.actor.id });
  await audit(deps, ctx, 'ticket.rated', { contractId: contract.id }, { ticket: t.number, ...input.ratings });
  const summary = RATING_KEYS.map((k) => `${RATING_LABEL[k]} ${input.ratings[k]}`).join('，');
  await enqueue(deps, ctx, toPerson(t.handlerId), `ticket:${t.id}:rated`, [text(`⭐ 工单 ${t.number} 收到评价：${summary}。`)]);
  return [text(`感谢评价！工单 ${t.number}：${summary}。`), card(ticketCard(deps, saved, contract, ctx.now))];
}

export async function objectTicket(deps: Deps, ctx: Ctx, input: { ticketNo: string; content: string }): Promise<View[]> {
  const { ticket: t, contract } = await loadTicket(deps, ctx, input.ticketNo);
  if (!speaksForCustomer(deps, ctx.actor, t, contract) && ctx.actor.id !== t.openedBy) {
    throw new AppError('forbidden', `只有客户联系人、报修人、合同负责人及其上级可以对工单 ${t.number} 提出异议。`);
  }
  if (!t.resolvedAt) throw new AppError('invalid_state', `工单 ${t.number} 尚未解决，有问题请直接联系处理人 ${deps.directory.nameOf(t.handlerId)}。`);
  if (t.objectionAt) {
    throw new AppError('duplicate', `工单 ${t.number} 已于 ${due(deps, t.objectionAt)} 提出过异议${t.status === 'objection' ? '，正在处理中' : '并已处理'}。如仍有问题，请重新报修。`);
  }
  const policy = servicePolicyOf(deps);
  const saved = await save(deps, ctx, t, {
    status: 'objection',
    objection: input.content,
    objectionAt: ctx.now,
    objectionDue: addClockHours(deps.calendar, 'natural', ctx.now, policy.objectionHours),
  });
  await audit(deps, ctx, 'ticket.objection', { contractId: contract.id }, { ticket: t.number, content: input.content });
  const message = [text(`⚠️ 工单 ${t.number} 收到异议（${ctx.actor.name}）：${input.content}\n须在 ${due(deps, saved.objectionDue)} 前处理，处理后：解决 ${t.number} <说明>`)];
  await enqueue(deps, ctx, toPerson(t.handlerId), `ticket:${t.id}:objection`, message);
  const manager = deps.directory.managersOf(t.handlerId)[0];
  if (manager) await enqueue(deps, ctx, toPerson(manager.id), `ticket:${t.id}:objection:manager`, message);
  return [text(`已登记异议，工单 ${t.number} 须在 ${due(deps, saved.objectionDue)} 前处理。`), card(ticketCard(deps, saved, contract, ctx.now))];
}

export async function callbackTicket(deps: Deps, ctx: Ctx, input: { ticketNo: string; note?: string }): Promise<View[]> {
  const { ticket: t, contract } = await loadTicket(deps, ctx, input.ticketNo);
  if (!mayHandle(deps, ctx.actor, t)) throw new AppError('forbidden', `只有处理人 ${deps.directory.nameOf(t.handlerId)}、客服和其上级可以登记工单 ${t.number} 的回访。`);
  if (!t.resolvedAt) throw new AppError('invalid_state', `工单 ${t.number} 尚未解决，解决后再回访。`);
  if (t.callbackAt) throw new AppError('already_decided', `工单 ${t.number} 已于 ${due(deps, t.callbackAt)} 回访。`);
  const saved = await save(deps, ctx, t, { callbackAt: ctx.now, callbackNote: input.note ?? null });
  const met = metDeadline(t.callbackDue, ctx.now, ctx.now);
  await audit(deps, ctx, 'ticket.callback', { contractId: contract.id }, { ticket: t.number, note: input.note ?? null, met });
  return [text(`已登记工单 ${t.number} 的回访${met === false ? '（已超过时限）' : ''}。`), card(ticketCard(deps, saved, contract, ctx.now))];
}

export async function ticketDetails(deps: Deps, ctx: Ctx, input: { ticketNo: string }): Promise<View[]> {
  const { ticket: t, contract } = await loadTicket(deps, ctx, input.ticketNo);
  if (!mayRead(deps, ctx.actor, t, contract)) throw new AppError('forbidden', `你无权查看工单 ${t.number}。`);
  return [card(ticketCard(deps, t, contract, ctx.now))];
}
