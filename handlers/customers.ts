// Customers: one master record per customer, with a unified code and known aliases.

import { STATUS_LABEL } from './domain/contract-state';
import { addDays, formatDateTime, todayIn } from './domain/dates';
import { AppError } from './domain/errors';
import { formatFen } from './domain/money';
import { isCloseName, normalizeCustomerName } from './domain/names';
import { canCreate, customerOwnersVisibleTo } from './domain/permissions';
import type { ContractStatus, Tier } from './domain/types';
import { audit, type Ctx, type Deps } from './context';
import type { CustomerRecord, View } from './ports';
import { card, text } from './views';

const CLOSED: ContractStatus[] = ['completed', 'archived', 'terminated', 'expired', 'withdrawn'];

const customerCode = (n: number) => `KH-${String(n).padStart(6, '0')}`;
const namesOf = (c: CustomerRecord) => [c.name, ...c.aliases];

/** Candidates read per name for the closeness check: what a look-up costs, whatever the customer count. */
export const NAME_CANDIDATES = 120;
/** Open contracts listed on a customer's card. */
export const PROFILE_CONTRACTS = 20;

/** The customers whose names may be close to one of `keys` (within `owners`), each once, by id. */
async function nameCandidates(deps: Deps, ctx: Ctx, keys: string[], owners: readonly string[] | null): Promise<CustomerRecord[]> {
  const found = new Map<number, CustomerRecord>();
  for (const key of new Set(keys.filter(Boolean))) {
    for (const c of await deps.repos.customers.findNameCandidates(ctx.tx, key, owners, NAME_CANDIDATES)) found.set(c.id, c);
  }
  return [...found.values()].sort((a, b) => a.id - b.id);
}

export async function newCustomer(
  deps: Deps,
  ctx: Ctx,
  input: { customerName: string; tier?: Tier; aliases: string[]; confirm: boolean },
): Promise<View[]> {
  if (!canCreate(ctx.actor)) throw new AppError('forbidden', '只有销售、销售经理、总经理和管理员可以新建客户。');
  const wanted = [input.customerName, ...input.aliases];
  const keys = wanted.map(normalizeCustomerName);
  // Exact matches by the indexed name keys; near ones among a bounded set of candidates (not everyone).
  const exact = await deps.repos.customers.findByNameKeys(ctx.tx, keys.filter(Boolean), null);
  for (const [i, name] of wanted.entries()) {
    const same = exact.find((c) => namesOf(c).some((n) => normalizeCustomerName(n) === keys[i]));
    if (same) {
      throw new AppError('duplicate', `「${name}」已是客户 ${same.code} ${same.name} 的名称或别名，请直接使用该客户。`);
    }
  }
  const close = (await nameCandidates(deps, ctx, keys, null)).filter((c) => namesOf(c).some((n) => wanted.some((w) => isCloseName(n, w))));
  if (close.length > 0 && !input.confirm) {
    const list = close.slice(0, 5).map((c) => `${c.code} ${c.name}${c.aliases.length ? `（别名：${c.aliases.join('、')}）` : ''}`);
    throw new AppError(
      'duplicate',
      [
        `「${input.customerName}」与已有客户名称相近，可能是同一客户：`,
        ...list,
        '如果确实是新客户，请在命令末尾加上 确认:是 再发一次。',
      ].join('\n'),
    );
  }
  const tier = input.tier ?? deps.policy.defaultTier;
  const code = customerCode(await deps.repos.sequences.next(ctx.tx, 'KH'));
  const customer = await deps.repos.customers.insert(ctx.tx, code, {
    name: input.customerName,
    aliases: input.aliases,
    tier,
    ownerId: ctx.actor.id,
    nextFollowUpDue: addDays(todayIn(ctx.now, deps.policy.timezone), deps.policy.tiers[tier].followUpDays),
    createdAt: ctx.now,
  });
  await audit(deps, ctx, 'customer.created', { customerId: customer.id }, { code, name: customer.name, tier });
  return [
    text(
      `已新建客户 ${code} ${customer.name}（${tier} 级，负责人 ${ctx.actor.name}）` +
        (customer.aliases.length ? `，别名：${customer.aliases.join('、')}` : '') +
        `。\n下次跟进：${customer.nextFollowUpDue}。下一步：新建合同 客户:${customer.name} 金额:… 类型:销售 标题:…`,
    ),
  ];
}

/**
 * Whose customers a look-up covers: everyone's (`owners: null`), or only those of some owners, in which
 * case `refusal` says why a customer may not be found. A customer outside the scope is not found, with
 * the same reply as one that does not exist: the reply must not tell who has which customers.
 */
export interface CustomerScope {
  owners: readonly string[] | null;
  refusal?: string;
}

export const ALL_CUSTOMERS: CustomerScope = { owners: null };

const READ_REFUSAL = '客户资料仅负责人、其上级及法务/财务/总经理/管理员可以查看，你只能查到自己和下属负责的客户。';

/** The customers a person may read (客户 <名称>). */
export function readableCustomers(deps: Deps, ctx: Ctx): CustomerScope {
  return { owners: customerOwnersVisibleTo(deps.directory, ctx.actor, 'read'), refusal: READ_REFUSAL };
}

/**
 * Finds a customer by code, name or alias within `scope`; suggests close names (within the scope)
 * when none matches exactly. The scope is applied in the query, so a person who may see few customers
 * costs a look-up of those few and never a comparison with everyone's.
 */
export async function findCustomer(deps: Deps, ctx: Ctx, query: string, scope: CustomerScope = ALL_CUSTOMERS): Promise<CustomerRecord> {
  const q = query.trim();
  const visible = (c: CustomerRecord) => scope.owners === null || scope.owners.includes(c.ownerId);
  const notFound = (what: string, hint?: string) =>
    new AppError('not_found', [`找不到${what}。`, scope.owners === null ? '' : scope.refusal ?? '', hint ?? ''].join(''));
  const code = /^kh-?(\d{1,6})$/i.exec(q);
  if (code) {
    const byCode = await deps.repos.customers.findByCode(ctx.tx, customerCode(Number(code[1])));
    if (byCode && visible(byCode)) return byCode;
    throw notFound(`客户编码 ${q.toUpperCase()}`);
  }
  const key = normalizeCustomerName(q);
  const [exact] = key ? await deps.repos.customers.findByNameKeys(ctx.tx, [key], scope.owners) : [];
  if (exact) return exact;
  const close = (await nameCandidates(deps, ctx, [key], scope.owners)).filter((c) => namesOf(c).some((n) => isCloseName(n, q))).slice(0, 5);
  const hint = close.length
    ? `你是不是要找：${close.map((c) => `${c.code} ${c.name}`).join('；')}`
    : canCreate(ctx.actor)
      ? `可以先建档：新建客户 名称:${q} 等级:B`
      : '';
  throw notFound(`客户「${q}」`, hint);
}

export async function customerProfile(deps: Deps, ctx: Ctx, input: { query: string }): Promise<View[]> {
  // Only customers this person may read are searched: the rights are checked before the search.
  const customer = await findCustomer(deps, ctx, input.query, readableCustomers(deps, ctx));
  const { contracts, total } = await deps.repos.contracts.listByCustomerExcept(ctx.tx, customer.id, CLOSED, PROFILE_CONTRACTS);
  const followUps = await deps.repos.followUps.listByCustomer(ctx.tx, customer.id, 5);
  const today = todayIn(ctx.now, deps.policy.timezone);
  const due = customer.nextFollowUpDue;
  const lines = [
    `进行中的合同（${total}）：`,
    ...(contracts.length
      ? contracts.map((c) => `· ${c.number} ${c.title} ${formatFen(c.amountFen)} ${STATUS_LABEL[c.status]}`)
      : ['· 无']),
    ...(total > contracts.length ? [`· 显示 ${contracts.length} / 共 ${total} 个`] : []),
    `最近跟进（${followUps.length}）：`,
    ...(followUps.length
      ? followUps.map(
          (f) =>
            `· ${formatDateTime(f.at, deps.policy.timezone)} ${deps.directory.nameOf(f.authorId)}${f.method ? ` [${f.method}]` : ''}：${f.content}`,
        )
      : ['· 暂无跟进记录']),
  ];
  return [
    card({
      kind: 'customer',
      cardKey: `customer:${customer.id}`,
      title: `客户 ${customer.code} ${customer.name}`,
      fields: [
        { label: '等级', value: `${customer.tier} 级（每 ${deps.policy.tiers[customer.tier].followUpDays} 天跟进）` },
        { label: '负责人', value: deps.directory.nameOf(customer.ownerId) },
        { label: '别名', value: customer.aliases.length ? customer.aliases.join('、') : '—' },
        { label: '下次跟进', value: due ? `${due}${due < today ? '（已逾期）' : ''}` : '—' },
      ],
      lines,
      buttons: [],
    }),
  ];
}
