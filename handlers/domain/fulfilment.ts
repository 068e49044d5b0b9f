// Fulfilment after signing (product.md §2, §4): the milestone plan from a contract type's template,
// and what a milestone's dates say (progress, days late, delayed). Pure.

import { addDays, diffDays } from './dates';
import type { ContractType, IsoDate } from './types';

/** Characters in a milestone name (milestone.name varchar(50)). */
export const MILESTONE_NAME_LIMIT = 50;
/** Milestones in one contract's plan at most. */
export const MAX_MILESTONES = 30;

/** One milestone of a template: due `days` after signing, or at a fraction `term` of the contract term. */
export type MilestoneTemplateItem = { name: string; days: number } | { name: string; term: number };

/** Escalation of something overdue: the n-th reminder, a copy upwards after N, the channel after M. */
export interface Escalation {
  /** Reminder n+1 is due this long after reminder n (days for dates, hours for problems). */
  interval: number;
  /** From reminder N+1 on, a copy goes one level up (milestones: the owner; problems: the owner's manager). */
  copyAfter: number;
  /** From reminder M+1 on, the group channel is alerted too (when one is configured). */
  channelAfter: number;
}

export interface FulfilmentPolicy {
  milestones: {
    templates: Partial<Record<ContractType, MilestoneTemplateItem[]>>;
    /** The term a `term` fraction applies to when the contract has no end date. */
    defaultTermDays: number;
    /** The responsible person is told this many days before a milestone's planned date. */
    dueSoonDays: number;
    overdue: Escalation;
  };
  payments: {
    /** Owner and finance are reminded every this many days while a node stays overdue. */
    overdueIntervalDays: number;
    /** From reminder M+1 on, the `payment_overdue` channel is alerted too. */
    channelAfter: number;
  };
  problems: {
    /** Hours from raising a problem to its deadline (product.md §8: 24). */
    resolveHours: number;
    /** Whether those hours are working hours (policy calendar) or natural hours. */
    workingHours: boolean;
    overdue: Escalation;
  };
  /** Group channels by alert kind (policy `alerts.milestone_overdue` …). */
  channels: { milestone?: string; payment?: string; problem?: string };
}

export const DEFAULT_MILESTONE_TEMPLATES: Record<ContractType, MilestoneTemplateItem[]> = {
  sales: [
    { name: '原材料采购完成', term: 0.25 },
    { name: '生产进度50%', term: 0.5 },
    { name: '出厂检验合格', term: 0.8 },
    { name: '客户现场验收', term: 1 },
  ],
  service: [
    { name: '项目启动', days: 7 },
    { name: '中期检查', term: 0.5 },
    { name: '服务验收', term: 1 },
  ],
  purchase: [
    { name: '供应商发货', term: 0.5 },
    { name: '到货验收', term: 0.8 },
    { name: '入库结算', term: 1 },
  ],
  other: [{ name: '履约完成', term: 1 }],
};

export const DEFAULT_FULFILMENT_POLICY: FulfilmentPolicy = {
  milestones: {
    templates: DEFAULT_MILESTONE_TEMPLATES,
    defaultTermDays: 90,
    dueSoonDays: 3,
    overdue: { interval: 1, copyAfter: 2, channelAfter: 4 },
  },
  payments: { overdueIntervalDays: 7, channelAfter: 2 },
  problems: { resolveHours: 24, workingHours: false, overdue: { interval: 4, copyAfter: 1, channelAfter: 2 } },
  channels: {},
};

/** The planned dates of a template for a contract signed on `signedDate`. */
export function planMilestones(
  template: readonly MilestoneTemplateItem[],
  contract: { startDate: IsoDate | null; endDate: IsoDate | null },
  signedDate: IsoDate,
  defaultTermDays: number,
): { name: string; plannedDate: IsoDate }[] {
  // The term runs from the later of signing and start to the end date (or the default length).
  const from = contract.startDate && contract.startDate > signedDate ? contract.startDate : signedDate;
  const termDays = contract.endDate && contract.endDate > from ? diffDays(from, contract.endDate) : defaultTermDays;
  return template.map((item) => ({
    name: item.name,
    plannedDate: 'days' in item ? addDays(signedDate, item.days) : addDays(from, Math.round(item.term * termDays)),
  }));
}

export interface MilestoneDates {
  status: 'open' | 'done';
  plannedDate: IsoDate;
  originalDate: IsoDate;
  doneDate: IsoDate | null;
  delayCount: number;
}

/** Days behind plan: an open milestone against today, a done one against its completion. */
export function daysLate(m: MilestoneDates, today: IsoDate): number {
  return Math.max(0, diffDays(m.plannedDate, m.doneDate ?? today));
}

/** Delayed against the original plan: moved by 延期, done after it, or still open past it. */
export function wasDelayed(m: MilestoneDates, today: IsoDate): boolean {
  return m.delayCount > 0 || m.plannedDate > m.originalDate || (m.doneDate ?? today) > m.originalDate;
}

/** Which reminder is owed for something `late` units past due, reminding every `interval` (1, 2, …; 0 = not yet). */
export function reminderNumber(late: number, interval: number): number {
  return late <= 0 ? 0 : 1 + Math.floor((late - 1e-9) / interval);
}
