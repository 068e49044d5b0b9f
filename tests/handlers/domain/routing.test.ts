import { AppError } from '../../../handlers/domain/errors';
import { yuanToFen } from '../../../handlers/domain/money';
import { matchRoute } from '../../../handlers/domain/routing';
import type { ContractType, Risk, RoutingRule } from '../../../handlers/domain/types';

// The shipped default (product.md §3, policy.example.yaml), amounts converted from yuan as the loader does.
const RULES: RoutingRule[] = [
  { name: '小额低风险', match: { belowFen: 5_000_000, risks: ['low'] }, chain: [{ role: 'sales_manager' }] },
  { name: '中额合同', match: { belowFen: 50_000_000, risks: ['low', 'medium'] }, chain: [{ role: 'sales_manager' }, { role: 'legal' }] },
  { name: '其他', match: {}, chain: [{ role: 'sales_manager' }, { role: 'legal' }, { role: 'finance' }, { role: 'gm' }] },
];
const route = (yuan: number, risk: Risk, type: ContractType = 'sales', rules = RULES) =>
  matchRoute(rules, { type, amountFen: yuanToFen(yuan), risk });

describe('the default rules at every boundary', () => {
  it.each([
    [49_999.99, 'low', 0],
    [49_999.99, 'medium', 1],
    [49_999.99, 'high', 2],
    [50_000, 'low', 1],
    [50_000, 'medium', 1],
    [50_000, 'high', 2],
    [499_999, 'low', 1],
    [499_999, 'medium', 1],
    [499_999, 'high', 2],
    [499_999.99, 'medium', 1],
    [500_000, 'low', 2],
    [500_000, 'medium', 2],
    [500_000, 'high', 2],
    [0.01, 'low', 0],
    [1e9, 'low', 2],
  ] as [number, Risk, number][])('%d yuan, risk %s → rule %i', (yuan, risk, index) => {
    const m = route(yuan, risk);
    expect(m.index).toBe(index);
    expect(m.rule).toBe(RULES[index]);
  });

  it('picks the chain of the matched rule', () => {
    expect(route(30_000, 'low').rule.chain.map((s) => s.role)).toEqual(['sales_manager']);
    expect(route(300_000, 'medium').rule.chain.map((s) => s.role)).toEqual(['sales_manager', 'legal']);
    expect(route(300_000, 'high').rule.chain.map((s) => s.role)).toEqual(['sales_manager', 'legal', 'finance', 'gm']);
  });

  it('ignores the contract type when the rules do not name one', () => {
    for (const type of ['sales', 'service', 'purchase', 'other'] as ContractType[]) expect(route(1_000, 'low', type).index).toBe(0);
  });

  it('explains which rule matched and why, in Chinese', () => {
    expect(route(300_000, 'medium').explanation).toBe('规则 2「中额合同」：金额 < ¥500,000.00，风险 低/中');
    expect(route(30_000, 'low').explanation).toBe('规则 1「小额低风险」：金额 < ¥50,000.00，风险 低');
    expect(route(1_000_000, 'low').explanation).toBe('规则 3「其他」：其他所有合同');
  });
});

describe('rule matching', () => {
  const typed: RoutingRule[] = [
    { name: '大额采购', match: { types: ['purchase'], minFen: yuanToFen(100_000) }, chain: [{ role: 'finance' }, { role: 'gm' }] },
    { name: '采购', match: { types: ['purchase'] }, chain: [{ role: 'finance' }] },
    { name: '服务小单', match: { types: ['service', 'other'], minFen: 100, belowFen: yuanToFen(10_000) }, chain: [{ person: 'lisi' }] },
  ];

  it('filters by type and an inclusive lower bound', () => {
    expect(route(100_000, 'high', 'purchase', typed).index).toBe(0);
    expect(route(99_999.99, 'high', 'purchase', typed).index).toBe(1);
    expect(route(9_999.99, 'low', 'service', typed).index).toBe(2);
    expect(route(9_999.99, 'low', 'other', typed).index).toBe(2);
    expect(route(1, 'low', 'other', typed).index).toBe(2); // 100 fen is the inclusive minimum
  });

  it('the first matching rule wins, even when a later one matches too', () => {
    const rules: RoutingRule[] = [
      { name: '全部', match: {}, chain: [{ role: 'gm' }] },
      { name: '销售', match: { types: ['sales'] }, chain: [{ role: 'sales_manager' }] },
    ];
    expect(route(1, 'low', 'sales', rules).rule.name).toBe('全部');
  });

  it('explains type and amount-range conditions', () => {
    expect(route(100_000, 'low', 'purchase', typed).explanation).toBe('规则 1「大额采购」：类型 采购，金额 ≥ ¥100,000.00');
    expect(route(50, 'low', 'service', typed).explanation).toBe('规则 3「服务小单」：类型 服务/其他，金额 ≥ ¥1.00，金额 < ¥10,000.00');
  });

  it('treats an empty list as no condition', () => {
    const rules: RoutingRule[] = [{ name: '任意', match: { types: [], risks: [] }, chain: [{ role: 'gm' }] }];
    expect(route(1, 'high', 'other', rules).explanation).toBe('规则 1「任意」：其他所有合同');
  });

  it.each([
    ['a sales contract', 1_000, 'sales' as ContractType],
    ['a service contract at the upper bound', 10_000, 'service' as ContractType],
    ['an other contract below the minimum', 0.99, 'other' as ContractType],
  ])('fails with no_route for %s', (_, yuan, type) => {
    expect(() => route(yuan, 'low', type, typed)).toThrow(expect.objectContaining({ code: 'no_route' }) as unknown as AppError);
  });

  it('fails with no_route on an empty rule list, naming the contract', () => {
    expect(() => route(1_000, 'high', 'sales', [])).toThrow(AppError);
    expect(() => route(1_000, 'high', 'sales', [])).toThrow('类型 销售，金额 ¥1,000.00，风险 高');
  });
});
