// Chat text → a typed command. Chinese keywords are canonical, English aliases work; `key:value`
// fields accept `:` and `：`; a value runs until the next known key, so it may contain spaces.

import { parseDateInput } from '../domain/dates';
import { parseAmountToFen } from '../domain/money';
import { CONTRACT_TYPES, FOLLOW_UP_METHODS, RISKS, TIERS, type ContractType, type FollowUpMethod, type Risk, type Tier } from '../domain/types';
import type { Command, CommandName, ContractFields, ParseOutcome } from './command';
import { exampleOf } from './help';

export interface ParseEnv {
  now: Date;
  timezone: string;
}

const KEYWORDS: [string, CommandName][] = (
  [
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
    ['合同', 'contract'], ['contract', 'contract'],
    ['签订', 'signed'], ['signed', 'signed'], ['sign', 'signed'],
    ['跟进', 'follow_up'], ['follow-up', 'follow_up'], ['followup', 'follow_up'], ['follow up', 'follow_up'],
  ] as [string, CommandName][]
).sort((a, b) => b[0].length - a[0].length);

type FieldKey =
  | 'customer' | 'amount' | 'type' | 'title' | 'risk' | 'start' | 'end' | 'payment' | 'autoRenew'
  | 'name' | 'tier' | 'aliases' | 'confirm' | 'method' | 'next' | 'contract';

const FIELD_ALIASES: Record<string, FieldKey> = {
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
};

const FIELD_LABEL: Record<FieldKey, string> = {
  customer: '客户', amount: '金额', type: '类型', title: '标题', risk: '风险', start: '开始', end: '结束',
  payment: '付款', autoRenew: '续约', name: '名称', tier: '等级', aliases: '别名', confirm: '确认',
  method: '方式', next: '下次', contract: '合同',
};

/** A correct `key:value` for each field, used to build examples that fit the mistake. */
const FIELD_EXAMPLE: Record<FieldKey, string> = {
  customer: '客户:华东日报社', amount: '金额:50万', type: '类型:销售', title: '标题:2027年度广告投放',
  risk: '风险:中', start: '开始:2027-01-01', end: '结束:2027-12-31', payment: '付款:签约后30日内付清',
  autoRenew: '续约:是', name: '名称:华东日报社', tier: '等级:A', aliases: '别名:华东日报,华东报社',
  confirm: '确认:是', method: '方式:电话', next: '下次:下周一', contract: '合同:HT-2026-0001',
};

const CONTRACT_FIELDS: FieldKey[] = ['customer', 'amount', 'type', 'title', 'risk', 'start', 'end', 'payment', 'autoRenew'];

const TYPE_WORDS: Record<string, ContractType> = { 销售: 'sales', 服务: 'service', 采购: 'purchase', 其他: 'other' };
const RISK_WORDS: Record<string, Risk> = { 低: 'low', 中: 'medium', 高: 'high' };
const YES = ['是', '要', '对', 'yes', 'y', 'true', '1'];
const NO = ['否', '不', 'no', 'n', 'false', '0'];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const FIELD_PATTERN = new RegExp(
  `(?:^|\\s)(${Object.keys(FIELD_ALIASES).sort((a, b) => b.length - a.length).map(escape).join('|')})\\s*[:：]`,
  'gi',
);

class Invalid extends Error {
  constructor(readonly field: string, message: string, readonly exampleField?: FieldKey) {
    super(message);
  }
}

export function parseCommand(text: string, env: ParseEnv): ParseOutcome {
  const t = text.replace(/[\u3000\u00a0]/g, ' ').trim().replace(/^\//, '').trim();
  const found = findKeyword(t);
  if (!found) return { ok: false, kind: 'unknown' };
  const [keyword, name] = found;
  const rest = t.slice(keyword.length).trim();
  try {
    return { ok: true, command: build(name, rest, env) };
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    return { ok: false, kind: 'invalid', command: name, field: error.field, message: error.message, example: exampleFor(name, rest, error.exampleField) };
  }
}

function findKeyword(t: string): [string, CommandName] | undefined {
  const lower = t.toLowerCase();
  return KEYWORDS.find(([kw]) => {
    if (!lower.startsWith(kw)) return false;
    const next = t.charAt(kw.length);
    // An English keyword must end at a word boundary. A Chinese one may run into a contract number
    // (同意HT-2026-0001) but not into more Chinese (合同助手在吗 is not the 合同 command).
    if (next === '' || /\s/.test(next)) return true;
    return /[\u4e00-\u9fff?？]/.test(kw) && !/[\u4e00-\u9fff]/.test(next);
  });
}

/** Splits `positional key:value key:value`, checking each key belongs to the command and appears once. */
function splitFields(rest: string, allowed: FieldKey[]): { positional: string; fields: Partial<Record<FieldKey, string>> } {
  const matches = [...rest.matchAll(FIELD_PATTERN)];
  const fields: Partial<Record<FieldKey, string>> = {};
  matches.forEach((m, i) => {
    const key = FIELD_ALIASES[m[1]!.toLowerCase()] ?? FIELD_ALIASES[m[1]!]!;
    const valueStart = m.index! + m[0].length;
    const valueEnd = i + 1 < matches.length ? matches[i + 1]!.index! : rest.length;
    if (!allowed.includes(key)) throw new Invalid(FIELD_LABEL[key], `这个命令没有「${m[1]}」字段`);
    if (fields[key] !== undefined) throw new Invalid(FIELD_LABEL[key], `「${FIELD_LABEL[key]}」写了两次`, key);
    fields[key] = rest.slice(valueStart, valueEnd).trim();
  });
  return { positional: (matches.length ? rest.slice(0, matches[0]!.index) : rest).trim(), fields };
}

export function normalizeContractNo(token: string): string | null {
  const m = /^ht-?(\d{4})-?(\d{1,4})$/i.exec(token.trim());
  return m ? `HT-${m[1]}-${m[2]!.padStart(4, '0')}` : null;
}

/** The first word as a contract number; the rest as text. */
function contractHead(rest: string): { contractNo: string; tail: string } {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  if (!m) throw new Invalid('合同号', '缺少合同号');
  const contractNo = normalizeContractNo(m[1]!);
  if (!contractNo) throw new Invalid('合同号', `「${m[1]}」不是合同号，合同号形如 HT-2026-0001`);
  return { contractNo, tail: m[2]!.trim() };
}

function required(fields: Partial<Record<FieldKey, string>>, key: FieldKey): string {
  const v = fields[key];
  if (!v) throw new Invalid(FIELD_LABEL[key], `缺少「${FIELD_LABEL[key]}」`, key);
  return v;
}

function pick<T extends string>(key: FieldKey, value: string, words: Record<string, T>, codes: readonly T[]): T {
  const v = value.trim();
  const found = words[v] ?? codes.find((c) => c === v.toLowerCase());
  if (!found) throw new Invalid(FIELD_LABEL[key], `「${v}」不是有效的${FIELD_LABEL[key]}，可选：${Object.keys(words).join('/')}`, key);
  return found;
}

function amount(value: string): number {
  const r = parseAmountToFen(value);
  if (!r.ok) throw new Invalid('金额', r.reason, 'amount');
  return r.value;
}

function date(key: FieldKey, value: string, env: ParseEnv): string {
  const r = parseDateInput(value, env.now, env.timezone);
  if (!r.ok) throw new Invalid(FIELD_LABEL[key], r.reason, key);
  return r.value;
}

function flag(key: FieldKey, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (YES.includes(v)) return true;
  if (NO.includes(v)) return false;
  throw new Invalid(FIELD_LABEL[key], `「${value}」请写 是 或 否`, key);
}

function contractFields(fields: Partial<Record<FieldKey, string>>, env: ParseEnv): Partial<ContractFields & { customer: string }> {
  const out: Partial<ContractFields & { customer: string }> = {};
  if (fields.customer !== undefined) out.customer = required(fields, 'customer');
  if (fields.amount !== undefined) out.amountFen = amount(fields.amount);
  if (fields.type !== undefined) out.type = pick('type', fields.type, TYPE_WORDS, CONTRACT_TYPES);
  if (fields.title !== undefined) out.title = required(fields, 'title');
  if (fields.risk !== undefined) out.risk = pick('risk', fields.risk, RISK_WORDS, RISKS);
  if (fields.start !== undefined) out.startDate = date('start', fields.start, env);
  if (fields.end !== undefined) out.endDate = date('end', fields.end, env);
  if (fields.payment !== undefined) out.paymentTerms = required(fields, 'payment');
  if (fields.autoRenew !== undefined) out.autoRenew = flag('autoRenew', fields.autoRenew);
  if (out.startDate && out.endDate && out.startDate > out.endDate) {
    throw new Invalid('结束', `结束日期 ${out.endDate} 早于开始日期 ${out.startDate}`, 'end');
  }
  return out;
}

function build(name: CommandName, rest: string, env: ParseEnv): Command {
  switch (name) {
    case 'help':
    case 'todo':
    case 'my_contracts':
      return { name };
    case 'new_customer': {
      const { positional, fields } = splitFields(rest, ['name', 'tier', 'aliases', 'confirm']);
      if (positional && fields.name) throw new Invalid('名称', '名称写了两次', 'name');
      const customerName = (fields.name ?? positional).trim();
      if (!customerName) throw new Invalid('名称', '缺少客户「名称」', 'name');
      const tier = fields.tier === undefined ? undefined : pick<Tier>('tier', fields.tier.toUpperCase(), { A: 'A', B: 'B', C: 'C' }, TIERS);
      const aliases = (fields.aliases ?? '').split(/[,，、;；]/).map((a) => a.trim()).filter(Boolean);
      const confirm = fields.confirm === undefined ? false : flag('confirm', fields.confirm);
      return { name, customerName, tier, aliases, confirm };
    }
    case 'customer':
      if (!rest) throw new Invalid('客户', '缺少客户名称或编码');
      return { name, query: rest };
    case 'new_contract': {
      const { positional, fields } = splitFields(rest, CONTRACT_FIELDS);
      if (positional) throw new Invalid('客户', `「${positional}」前面缺少字段名，请写成 客户:… 金额:… 的形式`, 'customer');
      for (const key of ['customer', 'amount', 'type', 'title'] as FieldKey[]) required(fields, key);
      const f = contractFields(fields, env) as ContractFields & { customer: string };
      return { name, fields: f };
    }
    case 'edit': {
      const { contractNo, tail } = contractHead(rest);
      const { positional, fields } = splitFields(tail, CONTRACT_FIELDS);
      if (positional) throw new Invalid('字段', `「${positional}」前面缺少字段名，请写成 字段:值`, 'amount');
      if (Object.keys(fields).length === 0) throw new Invalid('字段', '请写出要修改的字段和新值', 'amount');
      return { name, contractNo, changes: contractFields(fields, env) };
    }
    case 'submit':
    case 'cancel':
    case 'urge':
    case 'withdraw':
    case 'contract':
      return { name, contractNo: contractHead(rest).contractNo };
    case 'approve': {
      const { contractNo, tail } = contractHead(rest);
      return tail ? { name, contractNo, comment: tail } : { name, contractNo };
    }
    case 'reject': {
      const { contractNo, tail } = contractHead(rest);
      if (!tail) throw new Invalid('原因', '驳回必须写原因');
      return { name, contractNo, reason: tail };
    }
    case 'transfer': {
      const { contractNo, tail } = contractHead(rest);
      if (!tail) throw new Invalid('转交人', '请写出转交给谁（姓名或账号）');
      return { name, contractNo, to: tail };
    }
    case 'signed': {
      const { contractNo, tail } = contractHead(rest);
      if (!tail) return { name, contractNo };
      const signedOn = parseDateInput(tail, env.now, env.timezone);
      if (!signedOn.ok) throw new Invalid('日期', signedOn.reason);
      return { name, contractNo, date: signedOn.value };
    }
    case 'follow_up': {
      const { positional, fields } = splitFields(rest, ['method', 'next', 'contract']);
      const m = /^(\S+)\s*([\s\S]*)$/.exec(positional);
      if (!m) throw new Invalid('客户', '缺少客户名称或编码');
      const content = m[2]!.trim();
      if (!content) throw new Invalid('内容', '缺少跟进「内容」');
      const command: Command = { name, customer: m[1]!, content };
      if (fields.method !== undefined) {
        const method = fields.method.trim() as FollowUpMethod;
        if (!FOLLOW_UP_METHODS.includes(method)) throw new Invalid('方式', `「${fields.method}」不是有效的方式，可选：${FOLLOW_UP_METHODS.join('/')}`, 'method');
        command.method = method;
      }
      if (fields.next !== undefined) command.next = date('next', fields.next, env);
      if (fields.contract !== undefined) {
        const no = normalizeContractNo(fields.contract);
        if (!no) throw new Invalid('合同', `「${fields.contract}」不是合同号，合同号形如 HT-2026-0001`, 'contract');
        command.contractNo = no;
      }
      return command;
    }
  }
}

/** A complete, correct command for the mistake made: the command's example, fitted to the field. */
function exampleFor(name: CommandName, rest: string, field?: FieldKey): string {
  const base = exampleOf(name);
  const typedNo = normalizeContractNo(rest.split(/\s+/)[0] ?? '');
  const withNo = typedNo ? base.replace('HT-2026-0001', typedNo) : base;
  if (!field) return withNo;
  if (name === 'edit') return `修改 ${typedNo ?? 'HT-2026-0001'} ${FIELD_EXAMPLE[field]}`;
  if (name === 'signed') return withNo;
  const key = FIELD_EXAMPLE[field].split(':')[0]!;
  return withNo.includes(`${key}:`) ? withNo : `${withNo} ${field === 'end' ? `${FIELD_EXAMPLE.start} ` : ''}${FIELD_EXAMPLE[field]}`;
}
