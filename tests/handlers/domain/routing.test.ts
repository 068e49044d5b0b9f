import { isAppError } from '../../../handlers/domain/errors';
import { parseAmountToFen } from '../../../handlers/domain/money';
import { matchRoute } from '../../../handlers/domain/routing';
import type { Risk, RoutingRule } from '../../../handlers/domain/types';

// The shipped default (policy.example.yaml), in fen.
const RULES: RoutingRule[] = [
  { name: '小额低风险', match: { belowFen: 5_000_000, risks: ['low'] }, chain: [{ role: 'sales_manager' }] },
  { name: '中额合同', match: { belowFen: 50_000_000, risks: ['low', 'medium'] }, chain: [{ role: 'sales_manager' }, { role: 'legal' }] },
  { name: '大额或高风险', match: {}, chain: [{ role: 'sales_manager' }, { role: 'legal' }, { role: 'finance' }, { role: 'gm' }] },
];
const fen = (yuan: string) => {
  const r = parseAmountToFen(yuan);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};
const ruleFor = (yuan: string, risk: Risk) => matchRoute(RULES, { type: 'sales', amountFen: fen(yuan), risk }).rule.name;

describe('default routing at every boundary', () => {
  it.each([
    ['49999.99', 'low', '小额低风险'],
    ['49999.99', 'medium', '中额合同'],
    ['49999.99', 'high', '大额或高风险'],
    ['50000', 'low', '中额合同'],
    ['50000', 'medium', '中额合同'],
    ['50000', 'high', '大额或高风险'],
    ['499999', 'low', '中额合同'],
    ['499999', 'medium', '中额合同'],
    ['499999', 'high', '大额或高风险'],
    ['500000', 'low', '大额或高风险'],
    ['500000', 'medium', '大额或高风险'],
    ['500000', 'high', '大额或高风险'],
  ] as [string, Risk, string][])('%s yuan, risk %s → %s', (yuan, risk, expected) => {
    expect(ruleFor(yuan, risk)).toBe(expected);
  });

  it('explains which rule matched and why', () => {
    expect(matchRoute(RULES, { type: 'sales', amountFen: fen('30万'), risk: 'medium' }).explanation).toBe(
      '规则 2「中额合同」：金额 < ¥500,000.00，风险 低/中',
    );
    expect(matchRoute(RULES, { type: 'sales', amountFen: fen('100万'), risk: 'low' }).explanation).toBe('规则 3「大额或高风险」：其他所有合同');
  });
});

describe('rule matching', () => {
  const typed: RoutingRule[] = [
    { name: '采购', match: { types: ['purchase'], minFen: 100_000 }, chain: [{ role: 'finance' }] },
    { name: '服务小单', match: { types: ['service'], belowFen: 1_000_000 }, chain: [{ person: 'lisi' }] },
  ];
  it('filters by type and an inclusive lower bound', () => {
    expect(matchRoute(typed, { type: 'purchase', amountFen: 100_000, risk: 'high' }).index).toBe(0);
    expect(matchRoute(typed, { type: 'service', amountFen: 999_999, risk: 'low' }).index).toBe(1);
  });
  it('fails with a coded error when nothing matches', () => {
    let error: unknown;
    try {
      matchRoute(typed, { type: 'sales', amountFen: 1, risk: 'low' });
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.code).toBe('no_route');
  });
});
