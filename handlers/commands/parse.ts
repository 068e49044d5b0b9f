// Chat text → a typed command. Chinese keywords are canonical, English aliases work; `key:value`
// fields accept `:` and `：`; a value runs until the next known key, so it may contain spaces.
// Nothing here throws at the caller: every input ends as a command, `invalid` (which field, why,
// and a complete example that itself parses) or `unknown`.
// This is the edge where chat text enters the use-cases, so text is normalised here (NFKC, invisible
// and bidi characters removed, single-line fields on one line) and every field's length is checked
// against FIELD_LIMITS, which fit the columns on every database.

import { addYears, parseDateInput, todayIn } from '../domain/dates';
import { parseAmountToFen } from '../domain/money';
import { parsePeriod, PERIOD_EXAMPLES, type Period } from '../domain/period';
import { parsePaymentTerms } from '../domain/payment-terms';
import { charLength, cleanLine, cleanMultiline, cleanParagraphs } from '../domain/text';
import {
  CONTRACT_TYPES,
  FOLLOW_UP_METHODS,
  RISKS,
  TIERS,
  type ContractType,
  type FollowUpMethod,
  type IsoDate,
  type Risk,
  type Tier,
} from '../domain/types';
import type { TicketPriority, TicketRatings } from '../ports';
import type { Command, CommandName, ContractFields, ParseOutcome, ResolveTarget } from './command';
import { exampleOf } from './help';
import { DATE_RANGE, FIELD_LIMITS, MAX_ALIASES, MESSAGE_LIMIT, SHORT_FIELD_LIMIT, type LimitedField } from './limits';

export interface ParseEnv {
  now: Date;
  timezone: string;
}

// ---------------------------------------------------------------------------------------------
// Keywords

interface Keyword {
  word: string;
  name: CommandName;
  english: boolean;
  pattern: RegExp;
}

const KEYWORD_LIST: [string, CommandName][] = [
  ['帮助', 'help'], ['help', 'help'], ['?', 'help'], ['？', 'help'],
  ['新建客户', 'new_customer'], ['new customer', 'new_customer'],
  ['客户', 'customer'], ['customer', 'customer'],
  ['新建合同', 'new_contract'], ['new contract', 'new_contract'],
  ['修改', 'edit'], ['edit', 'edit'],
  ['提交', 'submit'], ['submit', 'submit'],
  ['取消', 'cancel'], ['cancel', 'cancel'],
  ['同意', 'approve'], ['approve', 'approve'],
  ['驳回', 'reject'], ['reject', 'reject'],
  ['转交', 'transfer'], ['transfer', 'transfer'],
  ['催办', 'urge'], ['urge', 'urge'],
  ['撤回', 'withdraw'], ['withdraw', 'withdraw'],
  ['待办', 'todo'], ['todo', 'todo'],
  ['我的合同', 'my_contracts'], ['my contracts', 'my_contracts'],
  ['发送状态', 'outbox_status'], ['outbox', 'outbox_status'],
  ['合同', 'contract'], ['contract', 'contract'],
  ['签订', 'signed'], ['signed', 'signed'], ['sign', 'signed'],
  ['跟进', 'follow_up'], ['follow-up', 'follow_up'], ['followup', 'follow_up'], ['follow up', 'follow_up'],
  ['报表', 'report'], ['report', 'report'],
  ['导出', 'export'], ['export', 'export'],
  ['报修', 'service'], ['service', 'service'],
  ['受理', 'ack'], ['ack', 'ack'],
  ['响应', 'respond'], ['respond', 'respond'],
  ['解决', 'resolve'], ['resolve', 'resolve'],
  ['评价', 'rate'], ['rate', 'rate'],
  ['异议', 'objection'], ['objection', 'objection'],
  ['回访', 'callback'], ['callback', 'callback'], ['call-back', 'callback'],
  ['工单', 'ticket'], ['ticket', 'ticket'],
  ['里程碑', 'milestone'], ['milestone', 'milestone'],
  ['完成', 'milestone_done'], ['done', 'milestone_done'],
  ['延期', 'milestone_delay'], ['delay', 'milestone_delay'],
  ['付款节点', 'payment_node'], ['payment node', 'payment_node'],
  ['回款', 'receipt'], ['payment', 'receipt'], ['receipt', 'receipt'],
  ['问题', 'problem'], ['issue', 'problem'],
];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Longest first, so `我的合同` / `新建合同` / `signed` win over `合同` / `sign`. */
const KEYWORDS: Keyword[] = KEYWORD_LIST.map(([word, name]) => ({
  word,
  name,
  english: /^[a-z -]+$/.test(word),
  // "new   contract" and "new\ncontract" are the same keyword.
  pattern: new RegExp(`^${word.split(' ').map(escapeRegExp).join('\\s+')}`, 'i'),
})).sort((a, b) => b.word.length - a.word.length);

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/**
 * Commands whose first argument is usually Chinese text (a customer name, or a Chinese field key),
 * so `客户华东日报社` and `新建合同客户:华东日报社 …` work. The other Chinese keywords may run straight
 * into a contract number (`同意HT-2026-0001`) but not into more Chinese, so `合同助手在吗` stays unknown.
 */
const TAKES_CHINESE_DIRECTLY: ReadonlySet<CommandName> = new Set(['new_customer', 'customer', 'new_contract', 'follow_up', 'report', 'export']);

function findKeyword(t: string): { keyword: Keyword; length: number } | undefined {
  for (const keyword of KEYWORDS) {
    const m = keyword.pattern.exec(t);
    if (!m) continue;
    const next = t.charAt(m[0].length);
    if (next === '' || /[\s:：]/.test(next)) return { keyword, length: m[0].length };
    if (keyword.english) continue; // `helpful`, `todolist`, `signature` are not commands
    if (CJK.test(next) && !TAKES_CHINESE_DIRECTLY.has(keyword.name)) continue;
    return { keyword, length: m[0].length };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Fields

type FieldKey =
  | 'customer' | 'amount' | 'type' | 'title' | 'risk' | 'start' | 'end' | 'payment' | 'autoRenew'
  | 'name' | 'tier' | 'aliases' | 'confirm' | 'method' | 'next' | 'contract'
  | 'plan' | 'responsible' | 'impact';

const FIELD_ALIASES = new Map<string, FieldKey>(Object.entries({
  客户: 'customer', customer: 'customer',
  金额: 'amount', amount: 'amount',
  类型: 'type', type: 'type',
  标题: 'title', title: 'title',
  风险: 'risk', risk: 'risk',
  开始: 'start', start: 'start',
  结束: 'end', end: 'end',
  付款: 'payment', payment: 'payment',
  续约: 'autoRenew', 自动续约: 'autoRenew', auto_renew: 'autoRenew', autorenew: 'autoRenew',
  名称: 'name', name: 'name',
  等级: 'tier', tier: 'tier',
  别名: 'aliases', aliases: 'aliases', alias: 'aliases',
  确认: 'confirm', confirm: 'confirm',
  方式: 'method', method: 'method',
  下次: 'next', next: 'next',
  合同: 'contract', contract: 'contract',
  计划: 'plan', plan: 'plan', planned: 'plan',
  负责人: 'responsible', owner: 'responsible', responsible: 'responsible',
  影响: 'impact', impact: 'impact',
}) as [string, FieldKey][]);

const FIELD_LABEL: Record<FieldKey, string> = {
  customer: '客户', amount: '金额', type: '类型', title: '标题', risk: '风险', start: '开始', end: '结束',
  payment: '付款', autoRenew: '续约', name: '名称', tier: '等级', aliases: '别名', confirm: '确认',
  method: '方式', next: '下次', contract: '合同', plan: '计划', responsible: '负责人', impact: '影响',
};

/** A correct `key:value` for each field, used to build examples that fit the mistake. */
const FIELD_EXAMPLE: Record<FieldKey, string> = {
  customer: '客户:华东日报社', amount: '金额:50万', type: '类型:销售', title: '标题:2027年度广告投放',
  risk: '风险:中', start: '开始:2027-01-01', end: '结束:2027-12-31', payment: '付款:签约后30日内付清',
  autoRenew: '续约:是', name: '名称:华东日报社', tier: '等级:A', aliases: '别名:华东日报,华东报社',
  confirm: '确认:是', method: '方式:电话', next: '下次:下周一', contract: '合同:HT-2026-0001',
  plan: '计划:2027-03-15', responsible: '负责人:吴九', impact: '影响:客户停产',
};

const CONTRACT_FIELDS: FieldKey[] = ['customer', 'amount', 'type', 'title', 'risk', 'start', 'end', 'payment', 'autoRenew'];
const REQUIRED_CONTRACT_FIELDS: FieldKey[] = ['customer', 'amount', 'type', 'title'];
const CUSTOMER_FIELDS: FieldKey[] = ['name', 'tier', 'aliases', 'confirm'];
const FOLLOW_UP_FIELDS: FieldKey[] = ['method', 'next', 'contract'];
const MILESTONE_FIELDS: FieldKey[] = ['plan', 'responsible'];
const PROBLEM_FIELDS: FieldKey[] = ['impact', 'responsible'];

/** A known key preceded by the start or whitespace and followed by `:` or `：`. */
const FIELD_PATTERN = new RegExp(
  `(?:^|\\s)(${[...FIELD_ALIASES.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|')})\\s*[:：]`,
  'gi',
);

const TYPE_WORDS: Record<string, ContractType> = { 销售: 'sales', 服务: 'service', 采购: 'purchase', 其他: 'other', 其它: 'other' };
const RISK_WORDS: Record<string, Risk> = { 低: 'low', 中: 'medium', 高: 'high' };
const TIER_WORDS: Record<string, Tier> = { A: 'A', B: 'B', C: 'C' };
const METHOD_WORDS: Record<string, FollowUpMethod> = {
  phone: '电话', call: '电话', visit: '拜访', wechat: '微信', weixin: '微信', email: '邮件', mail: '邮件', meeting: '会议',
};
const YES = ['是', '要', '对', '需要', '自动', 'yes', 'y', 'true', '1'];
const NO = ['否', '不', '不要', '不需要', 'no', 'n', 'false', '0'];

type Fields = Partial<Record<FieldKey, string>>;

class Invalid extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** The field whose example should be shown (added to the command's example if missing). */
    readonly exampleField?: FieldKey,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point

export function parseCommand(text: string, env: ParseEnv): ParseOutcome {
  const t = normalizeText(text);
  const found = findKeyword(t);
  if (!found) return { ok: false, kind: 'unknown' };
  const { keyword, length } = found;
  // `合同:HT-2026-0001`, `客户：华东日报社`: a colon right after the keyword is tolerated.
  const rest = t.slice(length).replace(/^\s*[:：]/, '').trim();
  try {
    const size = charLength(t);
    if (size > MESSAGE_LIMIT) {
      throw new Invalid('整条消息', `整条消息最长 ${MESSAGE_LIMIT} 个字，这条有 ${size} 个字，请精简后再发`);
    }
    return { ok: true, command: build(keyword.name, rest, env) };
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    return {
      ok: false,
      kind: 'invalid',
      command: keyword.name,
      field: error.field,
      // Reasons from the amount/date parsers do not say which field they were about.
      message: error.message.includes(error.field) ? error.message : `${error.field}：${error.message}`,
      example: exampleFor(keyword.name, rest, error.exampleField),
    };
  }
}

function normalizeText(text: string): string {
  // NFKC makes full-width letters, digits, spaces and ：，（） their ASCII forms; invisible and bidi
  // characters go. Newlines stay: they separate fields, and some fields may span lines.
  return cleanMultiline(text)
    .trim()
    .replace(/^(?:@\S+\s+)+/, '') // an @-mention of the bot left in by the platform
    .replace(/^[/／]\s*/, '') // `/help`
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** User text echoed in a reply: at most 30 characters, so a huge value does not come back whole. */
function quote(text: string): string {
  const chars = [...text.trim()];
  return chars.length > 30 ? `${chars.slice(0, 30).join('')}…` : chars.join('');
}

function tooLong(field: string, limit: number, size: number, exampleField?: FieldKey): Invalid {
  return new Invalid(field, `「${field}」最长 ${limit} 个字，现在有 ${size} 个字，请精简`, exampleField);
}

/** A single-line free-text value (title, name…): cleaned and within its limit. */
function line(field: LimitedField, value: string, exampleField?: FieldKey): string {
  const v = cleanLine(value);
  const size = charLength(v);
  if (size > FIELD_LIMITS[field]) throw tooLong(field, FIELD_LIMITS[field], size, exampleField);
  return v;
}

/** Free text that may span lines (comment, reason, follow-up content): cleaned and within its limit. */
function paragraphs(field: LimitedField, value: string): string {
  const v = cleanParagraphs(value);
  const size = charLength(v);
  if (size > FIELD_LIMITS[field]) throw tooLong(field, FIELD_LIMITS[field], size);
  return v;
}

/** Fields of a fixed form or a closed list (金额, 日期, 类型…) are short; anything longer is a mistake. */
const FREE_TEXT_KEYS: ReadonlySet<FieldKey> = new Set(['customer', 'title', 'payment', 'name', 'aliases', 'impact']);
function checkShort(key: FieldKey, value: string): void {
  const size = charLength(value);
  if (size > SHORT_FIELD_LIMIT) throw tooLong(FIELD_LABEL[key], SHORT_FIELD_LIMIT, size, key);
}

/** Splits `positional key:value key:value`, checking each key belongs to the command and appears once. */
function splitFields(rest: string, allowed: FieldKey[], keyword: string): { positional: string; fields: Fields } {
  const matches = [...rest.matchAll(FIELD_PATTERN)];
  const fields: Fields = {};
  matches.forEach((m, i) => {
    const typed = m[1]!;
    const key = FIELD_ALIASES.get(typed) ?? FIELD_ALIASES.get(typed.toLowerCase())!;
    const label = FIELD_LABEL[key];
    if (!allowed.includes(key)) {
      throw new Invalid(label, `「${keyword}」命令没有「${typed}」这一项，可填：${allowed.map((k) => FIELD_LABEL[k]).join('、')}`);
    }
    if (fields[key] !== undefined) throw new Invalid(label, `「${label}」写了两次，请只写一次`, key);
    const valueStart = m.index! + m[0].length;
    const valueEnd = i + 1 < matches.length ? matches[i + 1]!.index! : rest.length;
    const value = rest.slice(valueStart, valueEnd).trim();
    if (!value) throw new Invalid(label, `「${label}:」后面没有填写内容`, key);
    if (!FREE_TEXT_KEYS.has(key)) checkShort(key, value);
    fields[key] = value;
  });
  return { positional: (matches.length ? rest.slice(0, matches[0]!.index) : rest).trim(), fields };
}

const CONTRACT_NO_HEAD = /^ht[-_－—]?(\d{4})[-_－—]?(\d{1,4})(?![\dA-Za-z_-])/i;

/**
 * `HT-2026-0001`, `ht20260001`, `HT-2026-1` → `HT-2026-0001`; anything else → null.
 */
export function normalizeContractNo(token: string): string | null {
  const t = token.trim();
  const m = CONTRACT_NO_HEAD.exec(t);
  if (!m || m[0].length !== t.length || Number(m[2]) === 0) return null;
  return `HT-${m[1]}-${m[2]!.padStart(4, '0')}`;
}

const badContractNo = (typed: string, field = '合同号', exampleField?: FieldKey) =>
  new Invalid(field, `「${quote(typed)}」不是合同号，合同号形如 HT-2026-0001`, exampleField);

/** The contract number at the start of `rest`, and the text after it. */
function contractHead(rest: string): { contractNo: string; tail: string } {
  if (!rest) throw new Invalid('合同号', '缺少合同号');
  const m = CONTRACT_NO_HEAD.exec(rest);
  const contractNo = m ? normalizeContractNo(m[0]) : null;
  if (!m || !contractNo) throw badContractNo(/^\S+/.exec(rest)![0]);
  const tail = rest
    .slice(m[0].length)
    .replace(/^[\s,，、;；:：。]+/, '')
    .trim();
  return { contractNo, tail };
}

/**
 * `WT-2026-0001`, `wt20261`, `FW-2026-12` → `WT-2026-0001`: two letters, a year and a sequence, as the
 * numbers of problems (WT) and service tickets (FW) are written; anything else → null.
 */
export function normalizeRecordNo(token: string): string | null {
  const m = /^([a-z]{2})[-_－—]?(\d{4})[-_－—]?(\d{1,4})$/i.exec(token.trim());
  if (!m || Number(m[3]) === 0) return null;
  return `${m[1]!.toUpperCase()}-${m[2]}-${m[3]!.padStart(4, '0')}`;
}

/** A milestone named in a command: one word (names hold no spaces) or its position in the plan. */
function milestoneName(value: string): string {
  const v = line('里程碑', value);
  if (!v) throw new Invalid('里程碑', '缺少里程碑名称（或序号，如 2）');
  if (/\s/.test(v)) throw new Invalid('里程碑', `里程碑名称不能含空格：「${quote(v)}」`);
  return v;
}

/** An amount given by position (回款 <合同号> <金额>): the example is the command's own, not 金额:…. */
function positionalAmount(value: string): number {
  const r = parseAmountToFen(value);
  if (!r.ok) throw new Invalid('金额', r.reason);
  return r.value;
}

/** A value of a fixed form (date, amount) given by position: short, or a mistake. */
function shortValue(field: string, value: string): string {
  const size = charLength(value);
  if (size > SHORT_FIELD_LIMIT) throw tooLong(field, SHORT_FIELD_LIMIT, size);
  return value;
}

function required(fields: Fields, key: FieldKey): string {
  const v = fields[key];
  if (!v) throw new Invalid(FIELD_LABEL[key], `缺少「${FIELD_LABEL[key]}」`, key);
  return v;
}

/** A word (Chinese or English code) from a closed list; `strip` removes decorations like 合同/风险/级. */
function pick<T extends string>(key: FieldKey, value: string, words: Record<string, T>, codes: readonly T[], strip?: RegExp): T {
  const v = value.trim();
  const bare = strip ? v.replace(strip, '') : v;
  const word = (w: string) => (Object.hasOwn(words, w) ? words[w] : undefined);
  const found = word(bare) ?? word(bare.toUpperCase()) ?? codes.find((c) => c.toLowerCase() === bare.toLowerCase());
  if (!found) {
    // One Chinese word per value (其他, not also 其它); the English codes are not listed.
    const shown = new Map<T, string>();
    for (const [w, code] of Object.entries(words)) if (!/^[a-z]/.test(w) && !shown.has(code)) shown.set(code, w);
    const choices = [...shown.values()].join('/');
    throw new Invalid(FIELD_LABEL[key], `「${quote(v)}」不是有效的${FIELD_LABEL[key]}，可选：${choices}`, key);
  }
  return found;
}

function amount(value: string): number {
  const r = parseAmountToFen(value);
  if (!r.ok) throw new Invalid('金额', r.reason, 'amount');
  return r.value;
}

/** The dates each kind of field may take: [earliest, latest], given today in the policy timezone. */
function dateRange(kind: 'contract' | 'next' | 'signed', env: ParseEnv): [IsoDate, IsoDate] {
  const today = todayIn(env.now, env.timezone);
  if (kind === 'contract') return [DATE_RANGE.earliest, addYears(today, DATE_RANGE.contractYearsAhead)];
  if (kind === 'next') return [DATE_RANGE.earliest, addYears(today, DATE_RANGE.followUpYearsAhead)];
  // A signature is never in the future; signContract refuses any day after today with its own reply.
  return [DATE_RANGE.earliest, addYears(today, DATE_RANGE.followUpYearsAhead)];
}

/** A date within its range, or an Invalid naming `field` (the label) and the range. */
function datedWithin(field: string, value: string, range: [IsoDate, IsoDate], env: ParseEnv, exampleField?: FieldKey): IsoDate {
  const what = field.endsWith('日期') ? field : `${field}日期`;
  const r = parseDateInput(value, env.now, env.timezone);
  if (!r.ok) throw new Invalid(field, `${what}有误：${r.reason}`, exampleField);
  const [earliest, latest] = range;
  if (r.value < earliest || r.value > latest) {
    throw new Invalid(field, `${what} ${r.value} 超出范围，应在 ${earliest} 至 ${latest} 之间`, exampleField);
  }
  return r.value;
}

function date(key: 'start' | 'end' | 'next', value: string, env: ParseEnv): IsoDate {
  return datedWithin(FIELD_LABEL[key], value, dateRange(key === 'next' ? 'next' : 'contract', env), env, key);
}

function flag(key: FieldKey, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (YES.includes(v)) return true;
  if (NO.includes(v)) return false;
  throw new Invalid(FIELD_LABEL[key], `「${quote(value)}」请写 是 或 否`, key);
}

function contractFields(fields: Fields, env: ParseEnv): Partial<ContractFields & { customer: string }> {
  const out: Partial<ContractFields & { customer: string }> = {};
  if (fields.customer !== undefined) out.customer = line('客户', fields.customer, 'customer');
  if (fields.amount !== undefined) out.amountFen = amount(fields.amount);
  if (fields.type !== undefined) out.type = pick('type', fields.type, TYPE_WORDS, CONTRACT_TYPES, /(合同|类)$/);
  if (fields.title !== undefined) out.title = line('标题', fields.title, 'title');
  if (fields.risk !== undefined) out.risk = pick('risk', fields.risk, RISK_WORDS, RISKS, /(风险|等级|级|等)$/);
  if (fields.start !== undefined) out.startDate = date('start', fields.start, env);
  if (fields.end !== undefined) out.endDate = date('end', fields.end, env);
  if (fields.payment !== undefined) {
    out.paymentTerms = line('付款', fields.payment, 'payment');
    // Free text stays free; text that starts like a plan of payment nodes must read as one.
    const terms = parsePaymentTerms(out.paymentTerms, env.now, env.timezone);
    if (terms.kind === 'invalid') throw new Invalid('付款', `付款节点有误：${terms.reason}`, 'payment');
  }
  if (fields.autoRenew !== undefined) out.autoRenew = flag('autoRenew', fields.autoRenew);
  if (out.startDate && out.endDate && out.startDate > out.endDate) {
    throw new Invalid('结束', `结束日期 ${out.endDate} 早于开始日期 ${out.startDate}`, 'end');
  }
  return out;
}

/** Text before the first `key:` in a command that takes only fields: name the likely mistake. */
function strayText(positional: string, fields: Fields, guess: FieldKey): Invalid {
  if (fields[guess] === undefined) {
    return new Invalid(FIELD_LABEL[guess], `「${quote(positional)}」前面缺少字段名，请写成 ${FIELD_LABEL[guess]}:${quote(positional)}`, guess);
  }
  return new Invalid('字段', `「${quote(positional)}」前面缺少字段名，请写成 字段:值`);
}

// ---------------------------------------------------------------------------------------------
// Per command

/** A report period (`本季度`, `2026Q3`, `2026-11`); empty: this month. */
function period(raw: string, env: ParseEnv): Period {
  const value = cleanLine(raw);
  const size = charLength(value);
  if (size > SHORT_FIELD_LIMIT) throw tooLong('时间段', SHORT_FIELD_LIMIT, size);
  const result = parsePeriod(value, env.now, env.timezone);
  if (!result.ok) throw new Invalid('时间段', `${result.reason}（可写：${PERIOD_EXAMPLES}）`);
  return result.value;
}

function build(name: CommandName, rest: string, env: ParseEnv): Command {
  switch (name) {
    case 'help':
    case 'todo':
    case 'my_contracts':
    case 'outbox_status':
      return { name }; // anything typed after these is ignored
    case 'new_customer': {
      const { positional, fields } = splitFields(rest, CUSTOMER_FIELDS, '新建客户');
      if (positional && fields.name) throw new Invalid('名称', `名称写了两次：「${quote(positional)}」和「${quote(fields.name)}」`, 'name');
      const customerName = line('名称', fields.name ?? positional, 'name');
      if (!customerName) throw new Invalid('名称', '缺少客户「名称」', 'name');
      const tier = fields.tier === undefined ? undefined : pick<Tier>('tier', fields.tier, TIER_WORDS, TIERS, /[级类]$/);
      const aliases = [...new Set((fields.aliases ?? '').split(/[,，、;；]/).map((a) => line('别名', a, 'aliases')).filter(Boolean))];
      if (aliases.length > MAX_ALIASES) throw new Invalid('别名', `「别名」最多 ${MAX_ALIASES} 个，现在有 ${aliases.length} 个`, 'aliases');
      const confirm = fields.confirm === undefined ? false : flag('confirm', fields.confirm);
      return tier ? { name, customerName, tier, aliases, confirm } : { name, customerName, aliases, confirm };
    }
    case 'customer': {
      const query = line('客户', rest);
      if (!query) throw new Invalid('客户', '请写客户名称或编码（如 KH-000001）');
      return { name, query };
    }
    case 'new_contract': {
      const { positional, fields } = splitFields(rest, CONTRACT_FIELDS, '新建合同');
      if (positional) throw strayText(positional, fields, 'customer');
      for (const key of REQUIRED_CONTRACT_FIELDS) required(fields, key);
      const f = contractFields(fields, env);
      return {
        name,
        fields: { ...f, customer: f.customer!, amountFen: f.amountFen!, type: f.type!, title: f.title! },
      };
    }
    case 'edit': {
      const { contractNo, tail } = contractHead(rest);
      const { positional, fields } = splitFields(tail, CONTRACT_FIELDS, '修改');
      if (positional) throw new Invalid('字段', `「${quote(positional)}」前面缺少字段名，请写成 字段:值，如 金额:60万`, 'amount');
      if (Object.keys(fields).length === 0) throw new Invalid('字段', '请写出要修改的字段和新值，如 金额:60万', 'amount');
      return { name, contractNo, changes: contractFields(fields, env) };
    }
    case 'submit':
    case 'cancel':
    case 'urge':
    case 'withdraw':
    case 'contract':
      return { name, contractNo: contractHead(rest).contractNo }; // trailing words (请尽快…) are ignored
    case 'approve': {
      const { contractNo, tail } = contractHead(rest);
      const comment = paragraphs('意见', tail);
      return comment ? { name, contractNo, comment } : { name, contractNo };
    }
    case 'reject': {
      const { contractNo, tail } = contractHead(rest);
      const reason = paragraphs('原因', tail);
      if (!reason) throw new Invalid('原因', '驳回必须写明原因');
      return { name, contractNo, reason };
    }
    case 'transfer': {
      const { contractNo, tail } = contractHead(rest);
      const to = line('转交人', tail);
      if (!to) throw new Invalid('转交人', '缺少转交人：请写出转交给谁（姓名或账号）');
      return { name, contractNo, to };
    }
    case 'signed': {
      const { contractNo, tail } = contractHead(rest);
      if (!tail) return { name, contractNo };
      const size = charLength(tail);
      if (size > SHORT_FIELD_LIMIT) throw tooLong('日期', SHORT_FIELD_LIMIT, size);
      return { name, contractNo, date: datedWithin('日期', tail, dateRange('signed', env), env) };
    }
    case 'report':
      return { name, period: period(rest, env) };
    case 'export': {
      const m = /^(台账|ledger|报表|report)\s*([\s\S]*)$/i.exec(rest.trim());
      if (!m) throw new Invalid('导出内容', `请写「台账」或「报表 <时间段>」，现在是「${quote(rest.trim())}」`);
      const ledger = /^(台账|ledger)$/i.test(m[1]!);
      if (ledger && m[2]!.trim()) throw new Invalid('导出内容', '导出台账不带时间段（台账是全部合同）');
      return ledger ? { name, what: 'ledger' } : { name, what: 'report', period: period(m[2]!, env) };
    }
    case 'milestone': {
      const { contractNo, tail } = contractHead(rest);
      const { positional, fields } = splitFields(tail, MILESTONE_FIELDS, '里程碑');
      const milestone = milestoneName(positional);
      const planned = datedWithin('计划', required(fields, 'plan'), dateRange('contract', env), env, 'plan');
      const responsible = fields.responsible === undefined ? undefined : line('负责人', fields.responsible, 'responsible');
      return responsible ? { name, contractNo, milestone, planned, responsible } : { name, contractNo, milestone, planned };
    }
    case 'milestone_done': {
      const { contractNo, tail } = contractHead(rest);
      const [ref, when, ...extra] = tail.split(/\s+/).filter(Boolean);
      const milestone = milestoneName(ref ?? '');
      if (extra.length) throw new Invalid('日期', `「${quote(extra.join(' '))}」多余：里程碑名称不能含空格，后面只可写完成日期`);
      if (when === undefined) return { name, contractNo, milestone };
      return { name, contractNo, milestone, date: datedWithin('完成日期', shortValue('日期', when), dateRange('signed', env), env) };
    }
    case 'milestone_delay': {
      const { contractNo, tail } = contractHead(rest);
      const m = /^(\S*)\s*(\S*)\s*([\s\S]*)$/.exec(tail)!;
      const milestone = milestoneName(m[1]!);
      if (!m[2]) throw new Invalid('新日期', '缺少延期后的「新日期」，写在里程碑名称后面');
      const newDate = datedWithin('新日期', shortValue('新日期', m[2]), dateRange('contract', env), env);
      const reason = paragraphs('原因', m[3]!);
      if (!reason) throw new Invalid('原因', '延期必须写明原因，写在新日期后面');
      return { name, contractNo, milestone, newDate, reason };
    }
    case 'payment_node': {
      const { contractNo, tail } = contractHead(rest);
      const m = /^(\S*)\s*(\S*)\s*([\s\S]*)$/.exec(tail)!;
      if (!m[1]) throw new Invalid('计划日期', '缺少付款节点的「计划日期」');
      const date = datedWithin('计划日期', shortValue('计划日期', m[1]), dateRange('contract', env), env);
      if (!m[2]) throw new Invalid('金额', '缺少付款节点的「金额」，写在计划日期后面');
      const amountFen = positionalAmount(shortValue('金额', m[2]));
      const label = line('节点说明', m[3]!);
      return label ? { name, contractNo, date, amountFen, label } : { name, contractNo, date, amountFen };
    }
    case 'receipt': {
      const { contractNo, tail } = contractHead(rest);
      const [value, when, ...extra] = tail.split(/\s+/).filter(Boolean);
      if (!value) throw new Invalid('金额', '缺少回款「金额」');
      const amountFen = positionalAmount(shortValue('金额', value));
      if (extra.length) throw new Invalid('日期', `「${quote(extra.join(' '))}」多余：金额后面只可写回款日期`);
      if (when === undefined) return { name, contractNo, amountFen };
      return { name, contractNo, amountFen, date: datedWithin('回款日期', shortValue('日期', when), dateRange('signed', env), env) };
    }
    case 'problem': {
      const { contractNo, tail } = contractHead(rest);
      const { positional, fields } = splitFields(tail, PROBLEM_FIELDS, '问题');
      const description = paragraphs('描述', positional);
      if (!description) throw new Invalid('描述', '缺少问题「描述」，写在合同号后面');
      const command: Command = { name, contractNo, description };
      if (fields.impact !== undefined) command.impact = line('影响', fields.impact, 'impact');
      if (fields.responsible !== undefined) command.responsible = line('负责人', fields.responsible, 'responsible');
      return command;
    }
    case 'follow_up': {
      const { positional, fields } = splitFields(rest, FOLLOW_UP_FIELDS, '跟进');
      const m = /^(\S+)\s*([\s\S]*)$/.exec(positional);
      if (!m) throw new Invalid('客户', '缺少客户名称或编码');
      const content = paragraphs('内容', m[2]!);
      if (!content) throw new Invalid('内容', '缺少跟进「内容」，写在客户名称后面');
      const command: Command = { name, customer: line('客户', m[1]!), content };
      if (fields.method !== undefined) {
        command.method = pick('method', fields.method, { ...Object.fromEntries(FOLLOW_UP_METHODS.map((w) => [w, w])), ...METHOD_WORDS }, FOLLOW_UP_METHODS);
      }
      if (fields.next !== undefined) command.next = date('next', fields.next, env);
      if (fields.contract !== undefined) {
        const no = normalizeContractNo(fields.contract);
        if (!no) throw badContractNo(fields.contract, '合同', 'contract');
        command.contractNo = no;
      }
      return command;
    }
    case 'service':
      return serviceCommand(rest, env);
    case 'ack':
    case 'respond':
    case 'callback': {
      const { ticketNo, tail } = ticketHead(rest);
      const note = paragraphs('说明', tail);
      return note ? { name, ticketNo, note } : { name, ticketNo };
    }
    case 'resolve': {
      const { target, tail } = resolveTarget(rest);
      const note = paragraphs('说明', tail);
      return note ? { name, target, note } : { name, target };
    }
    case 'rate': {
      const { ticketNo, tail } = ticketHead(rest);
      return { name, ticketNo, ratings: ratings(tail) };
    }
    case 'objection': {
      const { ticketNo, tail } = ticketHead(rest);
      const content = paragraphs('异议', tail);
      if (!content) throw new Invalid('异议', '请写明异议内容，如 设备仍有异响');
      return { name, ticketNo, content };
    }
    case 'ticket':
      return { name, ticketNo: ticketHead(rest).ticketNo };
  }
}

// ---------------------------------------------------------------------------------------------
// Service tickets

const TICKET_NO_HEAD = /^fw[-_－—]?(\d{4})[-_－—]?(\d{1,4})(?![\dA-Za-z_-])/i;

/** `FW-2026-0001`, `fw20260001`, `FW-2026-1` → `FW-2026-0001`; anything else → null. */
export function normalizeTicketNo(token: string): string | null {
  const t = token.trim();
  const m = TICKET_NO_HEAD.exec(t);
  if (!m || m[0].length !== t.length || Number(m[2]) === 0) return null;
  return `FW-${m[1]}-${m[2]!.padStart(4, '0')}`;
}

const afterHead = (rest: string, length: number) => rest.slice(length).replace(/^[\s,，、;；:：。]+/, '').trim();

/** The ticket number at the start of `rest`, and the text after it. */
function ticketHead(rest: string): { ticketNo: string; tail: string } {
  if (!rest) throw new Invalid('工单号', '缺少工单号');
  const m = TICKET_NO_HEAD.exec(rest);
  const ticketNo = m ? normalizeTicketNo(m[0]) : null;
  if (!m || !ticketNo) throw new Invalid('工单号', `「${quote(/^\S+/.exec(rest)![0])}」不是工单号，工单号形如 FW-2026-0001`);
  return { ticketNo, tail: afterHead(rest, m[0].length) };
}

/**
 * 解决 <号>: the number's prefix picks what is resolved: FW- a service ticket, WT- a fulfilment
 * problem (which must say how it was resolved).
 */
function resolveTarget(rest: string): { target: ResolveTarget; tail: string } {
  if (!rest) throw new Invalid('编号', '缺少编号：服务工单形如 FW-2026-0001，履约问题形如 WT-2026-0001');
  if (/^fw/i.test(rest)) {
    const { ticketNo, tail } = ticketHead(rest);
    return { target: { kind: 'ticket', ticketNo }, tail };
  }
  const head = /^\S+/.exec(rest)![0];
  const problemNo = /^wt/i.test(head) ? normalizeRecordNo(head) : null;
  if (!problemNo) throw new Invalid('编号', `「${quote(head)}」不是可解决的编号：服务工单形如 FW-2026-0001，履约问题形如 WT-2026-0001`);
  const tail = afterHead(rest, head.length);
  if (!paragraphs('说明', tail)) throw new Invalid('说明', '请写明如何解决的，写在编号后面，如 解决 WT-2026-0001 已更换主板');
  return { target: { kind: 'problem', problemNo }, tail };
}

const PRIORITY_WORDS: Record<string, TicketPriority> = {
  紧急: 'urgent', 加急: 'urgent', 急: 'urgent', urgent: 'urgent',
  一般: 'general', 普通: 'general', general: 'general', normal: 'general',
  巡检: 'periodic', 定期: 'periodic', periodic: 'periodic', inspection: 'periodic',
};

/** 报修's own `key:value` fields, recognised only in 报修 (a description may say 日期: elsewhere). */
const SERVICE_FIELD_PATTERN = /(?:^|\s)(联系人|contact|日期|date)\s*[:：]/gi;
const SERVICE_FIELD: Record<string, 'contact' | 'date'> = { 联系人: 'contact', contact: 'contact', 日期: 'date', date: 'date' };

function serviceCommand(rest: string, env: ParseEnv): Command {
  const { contractNo, tail } = contractHead(rest);
  const matches = [...tail.matchAll(SERVICE_FIELD_PATTERN)];
  const fields: { contact?: string; date?: string } = {};
  matches.forEach((m, i) => {
    const key = SERVICE_FIELD[m[1]!.toLowerCase()] ?? SERVICE_FIELD[m[1]!]!;
    const label = key === 'contact' ? '联系人' : '日期';
    if (fields[key] !== undefined) throw new Invalid(label, `「${label}」写了两次，请只写一次`);
    const value = tail.slice(m.index! + m[0].length, i + 1 < matches.length ? matches[i + 1]!.index : tail.length).trim();
    if (!value) throw new Invalid(label, `「${label}:」后面没有填写内容`);
    fields[key] = value;
  });
  const positional = (matches.length ? tail.slice(0, matches[0]!.index) : tail).trim();
  const m = /^(\S+)\s*([\s\S]*)$/.exec(positional);
  if (!m) throw new Invalid('级别', '缺少级别：紧急/一般/巡检');
  const word = m[1]!.replace(/(级别|级|工单)$/, '');
  const priority = Object.hasOwn(PRIORITY_WORDS, word) ? PRIORITY_WORDS[word] : PRIORITY_WORDS[word.toLowerCase()];
  if (!priority) throw new Invalid('级别', `「${quote(m[1]!)}」不是有效的级别，可选：紧急/一般/巡检（写在合同号后面）`);
  const description = paragraphs('描述', m[2]!);
  if (!description) throw new Invalid('描述', '缺少问题描述，写在级别后面');
  const command: Command = { name: 'service', contractNo, priority, description };
  if (fields.contact !== undefined) {
    command.contact = line('联系人', fields.contact);
    if (!command.contact) throw new Invalid('联系人', '「联系人:」后面没有填写内容');
  }
  if (fields.date !== undefined) {
    const size = charLength(fields.date);
    if (size > SHORT_FIELD_LIMIT) throw tooLong('日期', SHORT_FIELD_LIMIT, size);
    const today = todayIn(env.now, env.timezone);
    command.date = datedWithin('日期', fields.date, [today, addYears(today, 1)], env);
  }
  return command;
}

const RATING_FIELDS: [keyof TicketRatings, string][] = [['speed', '速度'], ['ability', '能力'], ['attitude', '态度'], ['professional', '专业']];

/**
 * Four scores 1–5: `5 4 5 5` (in the order 速度 能力 态度 专业), also `5,4,5,5`, `5分`, or labelled
 * `速度:5 能力4 …` in any order.
 */
function ratings(tail: string): TicketRatings {
  const tokens = tail.split(/[\s,，、;；/]+/).filter(Boolean);
  const labelled = new Map<string, string>();
  const plain: string[] = [];
  for (const token of tokens) {
    const m = /^(速度|能力|态度|专业)[:：=]?(.*)$/.exec(token);
    if (!m) {
      plain.push(token);
      continue;
    }
    if (labelled.has(m[1]!)) throw new Invalid(m[1]!, `「${m[1]}」写了两次，请只写一次`);
    labelled.set(m[1]!, m[2]!);
  }
  if (labelled.size && plain.length) throw new Invalid('评分', `请都写成「速度:5」的样子，或只写四个分数（依次为 速度 能力 态度 专业），「${quote(plain[0]!)}」不知是哪一项`);
  if (!labelled.size && plain.length > 4) throw new Invalid('评分', `评分只有四项（速度 能力 态度 专业），现在有 ${plain.length} 个分数`);
  const out = {} as TicketRatings;
  RATING_FIELDS.forEach(([key, label], i) => {
    const raw = labelled.size ? labelled.get(label) : plain[i];
    if (raw === undefined || raw === '') throw new Invalid(label, `缺少「${label}」评分（四个分数依次为 速度 能力 态度 专业，各 1–5 分）`);
    const v = raw.replace(/分$/, '');
    if (!/^[1-5]$/.test(v)) throw new Invalid(label, `「${label}」应为 1–5 的整数，现在是「${quote(raw)}」`);
    out[key] = Number(v);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Examples

/**
 * A complete, correct command for the mistake made: the command's help example, with the contract
 * number the user typed (when it was a valid one) and the field that was wrong added if missing.
 */
function exampleFor(name: CommandName, rest: string, field?: FieldKey): string {
  const base = exampleOf(name);
  const head = CONTRACT_NO_HEAD.exec(rest);
  const typedNo = head ? normalizeContractNo(head[0]) : null;
  const ticket = TICKET_NO_HEAD.exec(rest);
  const typedTicket = ticket ? normalizeTicketNo(ticket[0]) : null;
  const withContract = typedNo && name !== 'follow_up' ? base.replace('HT-2026-0001', typedNo) : base;
  const withNo = typedTicket ? withContract.replace('FW-2026-0001', typedTicket) : withContract;
  if (!field) return withNo;
  if (name === 'edit') return `修改 ${typedNo ?? 'HT-2026-0001'} ${FIELD_EXAMPLE[field]}`;
  const key = FIELD_EXAMPLE[field].split(':')[0]!;
  if (withNo.includes(`${key}:`)) return withNo;
  const extra = field === 'end' ? [FIELD_EXAMPLE.start, FIELD_EXAMPLE.end] : [FIELD_EXAMPLE[field]];
  return [withNo, ...extra.filter((e) => !withNo.includes(e.split(':')[0]! + ':'))].join(' ');
}
