// View models the use-cases reply with. Platform-neutral: cards/ renders them for each platform.

import { RISK_LABEL, ROLE_LABEL, TYPE_LABEL } from './domain/contract-state';
import { formatDateTime } from './domain/dates';
import type { Directory } from './domain/directory';
import { formatFen } from './domain/money';
import type { ChainPlan } from './approval-chain';
import type { Deps } from './context';
import type {
  ApprovalStepRecord,
  CardButton,
  CardView,
  ContractRecord,
  CustomerRecord,
  Markup,
  UserText,
  View,
} from './ports';

/** Plain text: renderers show all of it literally, wherever user text sits in it. */
export const text = (t: string): View => ({ type: 'text', text: t });
export const card = (c: CardView): View => ({ type: 'card', card: c });
export const markdown = (title: string, body: Markup): View => ({ type: 'markdown', title, text: body });

const isMarkup = (value: unknown): value is Markup => typeof value === 'object' && value !== null && Array.isArray((value as Markup).parts);

/**
 * Markdown the bot writes: md`**审批超时**：合同「${contract.title}」`. The literal parts are markup
 * (`**bold**` and line breaks only: what DingTalk and WeCom markdown share); every interpolated value
 * is user text, which each renderer escapes for its target, unless it is itself `md` markup.
 */
export function md(literals: TemplateStringsArray, ...values: (string | number | Markup)[]): Markup {
  const parts: (string | UserText)[] = [];
  literals.forEach((literal, i) => {
    if (literal) parts.push(literal);
    if (i >= values.length) return;
    const value = values[i]!;
    if (isMarkup(value)) parts.push(...value.parts);
    else parts.push({ user: String(value) });
  });
  return { parts } as unknown as Markup;
}

/** Markup lines, one under the other. */
export function mdLines(lines: Markup[]): Markup {
  return { parts: lines.flatMap((line, i) => (i ? ['\n', ...line.parts] : [...line.parts])) } as unknown as Markup;
}

/** Items a listing shows; its heading gives the full count. */
export const LISTING_LINES = 10;

/**
 * A heading, the first LISTING_LINES items, how many more ("……另有 3 份（显示 10 / 共 13 份）", in
 * `unit`), and a closing line if any: what a message about many things says of them.
 */
export function listing<T>(heading: Markup, items: readonly T[], line: (item: T) => Markup, unit: string, closing?: Markup): Markup {
  const shown = items.slice(0, LISTING_LINES).map(line);
  const more = items.length > shown.length ? [md`……另有 ${items.length - shown.length} ${unit}（显示 ${shown.length} / 共 ${items.length} ${unit}）`] : [];
  return mdLines([heading, ...shown, ...more, ...(closing ? [closing] : [])]);
}

/** The words of markup without its markup, for a plain `text` view that says the same. */
export const plainOf = (m: Markup): string => m.parts.map((p) => (typeof p === 'string' ? p.replace(/\*\*/g, '') : p.user)).join('');

const stepLabel = (step: Pick<ApprovalStepRecord, 'role'>) => (step.role === 'person' ? '指定审批人' : ROLE_LABEL[step.role]);

export function personWithProxy(directory: Directory, personId: string, actingFor: string | null): string {
  return actingFor ? `${directory.nameOf(personId)}（代 ${directory.nameOf(actingFor)}）` : directory.nameOf(personId);
}

/** `李四(销售经理) → 王五(法务)`, marking the current step. */
export function chainLine(directory: Directory, steps: ApprovalStepRecord[]): string {
  return steps
    .map((s) => {
      const who = `${directory.nameOf(s.assigneeId)}(${stepLabel(s)})`;
      const mark = s.status === 'approved' ? '✓' : s.status === 'rejected' ? '✗' : s.status === 'pending' ? '▶' : '';
      return mark + who;
    })
    .join(' → ');
}

export function contractFields(deps: Deps, contract: ContractRecord, customer: CustomerRecord | null) {
  const fields = [
    { label: '合同', value: `${contract.number} ${contract.title}` },
    { label: '客户', value: customer ? `${customer.name}（${customer.code}）` : String(contract.customerId) },
    { label: '金额', value: formatFen(contract.amountFen) },
    { label: '类型', value: TYPE_LABEL[contract.type] },
    { label: '风险', value: RISK_LABEL[contract.risk] },
    { label: '负责人', value: deps.directory.nameOf(contract.ownerId) },
  ];
  if (contract.startDate || contract.endDate) {
    fields.push({ label: '期限', value: `${contract.startDate ?? '—'} 至 ${contract.endDate ?? '—'}${contract.autoRenew ? '（自动续约）' : ''}` });
  }
  if (contract.paymentTerms) fields.push({ label: '付款', value: contract.paymentTerms });
  return fields;
}

/** The card an approver decides on (product.md §5). */
export function approvalCard(
  deps: Deps,
  contract: ContractRecord,
  customer: CustomerRecord | null,
  step: ApprovalStepRecord,
  roundSteps: ApprovalStepRecord[],
  status?: string,
): CardView {
  const tz = deps.policy.timezone;
  const action = { contractNo: contract.number, stepId: step.id, version: step.version };
  const buttons: CardButton[] = status
    ? []
    : [
        { label: '同意', style: 'primary', action: { type: 'approve', ...action }, command: `同意 ${contract.number}` },
        { label: '驳回', style: 'danger', action: { type: 'reject', ...action }, command: `驳回 ${contract.number} <原因>` },
        { label: '转交', style: 'default', action: { type: 'transfer', ...action }, command: `转交 ${contract.number} <人>` },
      ];
  // Most important first: platforms with a field limit (WeCom shows 6) move the rest below.
  const base = contractFields(deps, contract, customer);
  const pick = (label: string) => base.filter((f) => f.label === label);
  return {
    kind: 'approval',
    cardKey: `approval:${step.id}`,
    title: `合同审批 ${contract.number}`,
    subtitle: `${contract.title} · v${step.version}`,
    fields: [
      ...pick('客户'),
      ...pick('金额'),
      { label: '类型', value: `${TYPE_LABEL[contract.type]} · 风险${RISK_LABEL[contract.risk]}` },
      ...pick('负责人'),
      { label: '审批链', value: `第 ${step.seq}/${roundSteps.length} 步：${chainLine(deps.directory, roundSteps)}` },
      { label: '截止', value: step.dueAt ? formatDateTime(step.dueAt, tz) : '—' },
      { label: '审批人', value: personWithProxy(deps.directory, step.assigneeId, step.actingFor) },
      ...pick('期限'),
      ...pick('付款'),
    ],
    lines: contract.routeExplanation ? [`路由：${contract.routeExplanation}`] : [],
    buttons,
    status,
  };
}

/** The draft preview after 新建合同: what was understood and the chain it would take. */
export function previewCard(deps: Deps, contract: ContractRecord, customer: CustomerRecord, plan: ChainPlan): CardView {
  const chain = plan.steps
    .map((s) => `${s.assignee.name}(${s.role === 'person' ? '指定审批人' : ROLE_LABEL[s.role]}, ${s.hours}工时)`)
    .join(' → ');
  return {
    kind: 'preview',
    cardKey: `preview:${contract.id}:v${contract.version}`,
    title: `合同草稿 ${contract.number}`,
    subtitle: contract.title,
    fields: [...contractFields(deps, contract, customer), { label: '审批链', value: chain }],
    lines: [`路由：${plan.explanation}`, '确认无误后提交审批；如需修改：修改 <合同号> 字段:值'],
    buttons: [
      { label: '提交审批', style: 'primary', action: { type: 'submit', contractNo: contract.number }, command: `提交 ${contract.number}` },
      { label: '取消', style: 'default', action: { type: 'cancel', contractNo: contract.number }, command: `取消 ${contract.number}` },
    ],
  };
}

export function decisionStamp(deps: Deps, verb: string, step: ApprovalStepRecord, at: Date): string {
  return `${verb} · ${personWithProxy(deps.directory, step.decidedBy ?? step.assigneeId, step.decidedActingFor)} · ${formatDateTime(at, deps.policy.timezone)}`;
}
