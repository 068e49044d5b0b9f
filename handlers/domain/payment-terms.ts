// Payment terms (付款) typed in a contract: free text, or a plan of payment nodes in one of two forms:
//   relative: `30%签约后10日,70%验收后30日`  (share of the amount, an event, days after it)
//   dated:    `2026-12-01 10万;2027-03-01 40万`  (a date and an amount or a share)
// Text whose every part starts like a node (a share or a date) must read as a plan, else it is an
// error (the user meant a plan); anything else stays free text. Pure: the dates of relative nodes are resolved at signing.

import { addDays, parseDateInput } from './dates';
import { parseAmountToFen } from './money';
import type { IsoDate } from './types';

/** The events a relative node counts from. */
export type PaymentAnchor = 'signed' | 'start' | 'acceptance' | 'end';

export const ANCHOR_LABEL: Record<PaymentAnchor, string> = { signed: '签约', start: '开始', acceptance: '验收', end: '到期' };

const ANCHOR_WORDS = new Map<string, PaymentAnchor>([
  ['签约', 'signed'], ['签订', 'signed'], ['合同签订', 'signed'], ['预付', 'signed'], ['首付', 'signed'],
  ['开始', 'start'], ['开工', 'start'],
  ['验收', 'acceptance'], ['到货', 'acceptance'], ['交付', 'acceptance'],
  ['到期', 'end'], ['结束', 'end'], ['质保期满', 'end'],
]);

/** A share of the contract amount in basis points (30% = 3000), or an amount in fen. */
export type PaymentShare = { bp: number } | { fen: number };

export type PaymentTermItem =
  | { kind: 'relative'; share: PaymentShare; anchor: PaymentAnchor; days: number }
  | { kind: 'dated'; share: PaymentShare; date: IsoDate };

export type PaymentTermsParse =
  | { kind: 'free' }
  | { kind: 'plan'; items: PaymentTermItem[] }
  | { kind: 'invalid'; reason: string };

/** At most this many nodes in one contract's plan. */
export const MAX_PAYMENT_NODES = 24;

export const PAYMENT_TERMS_EXAMPLES = '付款:30%签约后10日,70%验收后30日 或 付款:2026-12-01 10万;2027-03-01 40万';

const PERCENT = /^(\d{1,3}(?:\.\d{1,2})?)\s*%/;
const LEADING_DATE = /^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]?)(?=\s|$)/;

function percentToBp(text: string): number | null {
  const [whole, fraction = ''] = text.split('.');
  const bp = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return bp > 0 && bp <= 10_000 ? bp : null;
}

/** `30%` or an amount (`10万`). */
function share(text: string): PaymentShare | string {
  const pct = PERCENT.exec(text);
  if (pct && pct[0].length === text.length) {
    const bp = percentToBp(pct[1]!);
    return bp === null ? `「${text}」不是 0% 到 100% 之间的比例` : { bp };
  }
  const amount = parseAmountToFen(text);
  return amount.ok ? { fen: amount.value } : amount.reason;
}

/** `30%签约后10日`, `70% 验收后30天内`, `10%质保期满`. */
function relativeItem(part: string): PaymentTermItem | string {
  const m = /^(\d{1,3}(?:\.\d{1,2})?)\s*%\s*(?:于|在)?\s*([\u4e00-\u9fff]+?)\s*(?:后\s*(\d{1,4})\s*(?:日|天|个自然日)\s*(?:内)?|后|时|前)?\s*(?:支付|付款|付清)?$/.exec(part);
  if (!m) return `「${part}」看不懂，每一笔请写成 比例+事件+天数，如 30%签约后10日`;
  const bp = percentToBp(m[1]!);
  if (bp === null) return `「${m[1]}%」不是 0% 到 100% 之间的比例`;
  const anchor = ANCHOR_WORDS.get(m[2]!);
  if (!anchor) return `「${m[2]}」不是可识别的付款节点事件，可写：签约、开始、验收、到货、交付、到期`;
  return { kind: 'relative', share: { bp }, anchor, days: m[3] ? Number(m[3]) : 0 };
}

/** `2026-12-01 10万`, `2027/3/1 40%`. */
function datedItem(part: string, now: Date, timezone: string): PaymentTermItem | string {
  const m = LEADING_DATE.exec(part)!;
  const date = parseDateInput(m[1]!, now, timezone);
  if (!date.ok) return date.reason;
  const rest = part.slice(m[0].length).trim();
  if (!rest) return `「${part}」缺少金额，如 2026-12-01 10万`;
  const s = share(rest);
  return typeof s === 'string' ? s : { kind: 'dated', share: s, date: date.value };
}

/**
 * Splits on `;` `；` `、` `，` and on `,` unless it groups thousands (500,000), then reads each part.
 * A plan needs every part to read; shares in % may add up to at most 100%.
 */
export function parsePaymentTerms(text: string, now: Date, timezone: string): PaymentTermsParse {
  const t = text.normalize('NFKC').trim();
  if (!PERCENT.test(t) && !LEADING_DATE.test(t)) return { kind: 'free' };
  const parts = t.split(/[;；、，]|,(?!\d{3}(?:\D|$))/).map((p) => p.trim()).filter(Boolean);
  if (parts.length > MAX_PAYMENT_NODES) return { kind: 'invalid', reason: `付款节点最多 ${MAX_PAYMENT_NODES} 笔，现在有 ${parts.length} 笔` };
  const items: PaymentTermItem[] = [];
  // A part with neither a share nor a date (`余款验收后付清`) makes the whole free text.
  if (parts.some((part) => !LEADING_DATE.test(part) && !PERCENT.test(part))) return { kind: 'free' };
  for (const part of parts) {
    const item = LEADING_DATE.test(part) ? datedItem(part, now, timezone) : relativeItem(part);
    if (typeof item === 'string') return { kind: 'invalid', reason: `${item}。例：${PAYMENT_TERMS_EXAMPLES}` };
    items.push(item);
  }
  const bp = items.reduce((sum, i) => sum + ('bp' in i.share ? i.share.bp : 0), 0);
  if (bp > 10_000) return { kind: 'invalid', reason: `各笔比例合计 ${bp / 100}%，超过 100%` };
  return { kind: 'plan', items };
}

export interface PlannedPayment {
  plannedDate: IsoDate;
  amountFen: number;
  label: string;
}

/**
 * The nodes of a plan for a contract: shares become fen (the last share takes the remainder when the
 * shares make 100%, so the nodes add up to the amount exactly); relative dates count from the events.
 * Null with a reason when the nodes would add up to more than the contract amount.
 */
export function resolvePaymentPlan(
  items: readonly PaymentTermItem[],
  contract: { amountFen: number; startDate: IsoDate | null; endDate: IsoDate | null },
  anchors: { signed: IsoDate; acceptance: IsoDate | null },
): { nodes: PlannedPayment[] } | { reason: string } {
  const totalBp = items.reduce((sum, i) => sum + ('bp' in i.share ? i.share.bp : 0), 0);
  const lastShare = items.map((i) => 'bp' in i.share).lastIndexOf(true);
  let sharedFen = 0;
  const nodes = items.map((item, index) => {
    let amountFen: number;
    if ('fen' in item.share) amountFen = item.share.fen;
    else if (index === lastShare && totalBp === 10_000) amountFen = contract.amountFen - sharedFen;
    else {
      amountFen = Math.floor((contract.amountFen * item.share.bp) / 10_000);
      sharedFen += amountFen;
    }
    if (item.kind === 'dated') return { plannedDate: item.date, amountFen, label: `${item.date} 付款` };
    const base: IsoDate =
      item.anchor === 'signed' ? anchors.signed
      : item.anchor === 'start' ? (contract.startDate ?? anchors.signed)
      : item.anchor === 'acceptance' ? (anchors.acceptance ?? contract.endDate ?? anchors.signed)
      : (contract.endDate ?? anchors.acceptance ?? anchors.signed);
    const pct = 'bp' in item.share ? `${item.share.bp / 100}%` : '';
    return { plannedDate: addDays(base, item.days), amountFen, label: `${pct}${ANCHOR_LABEL[item.anchor]}后${item.days}日` };
  });
  const total = nodes.reduce((sum, n) => sum + n.amountFen, 0);
  if (total > contract.amountFen) return { reason: `付款节点合计超过合同金额` };
  return { nodes };
}
