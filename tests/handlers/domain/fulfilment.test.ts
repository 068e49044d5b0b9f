import { daysLate, planMilestones, reminderNumber, wasDelayed } from '../../../handlers/domain/fulfilment';
import { parsePaymentTerms, resolvePaymentPlan } from '../../../handlers/domain/payment-terms';

const now = new Date('2026-11-23T02:00:00Z');
const terms = (t: string) => parsePaymentTerms(t, now, 'Asia/Shanghai');

describe('planMilestones', () => {
  const template = [{ name: '启动', days: 7 }, { name: '中期', term: 0.5 }, { name: '验收', term: 1 }];
  it('counts days from signing and fractions over the term from the later of signing and start', () => {
    expect(planMilestones(template, { startDate: '2027-01-01', endDate: '2027-01-31' }, '2026-12-20', 90)).toEqual([
      { name: '启动', plannedDate: '2026-12-27' },
      { name: '中期', plannedDate: '2027-01-16' }, // 30 days × 0.5 = 15
      { name: '验收', plannedDate: '2027-01-31' },
    ]);
  });
  it('uses the default term without an end date, and signing when the start has passed', () => {
    expect(planMilestones(template, { startDate: '2026-01-01', endDate: null }, '2026-12-01', 90).map((m) => m.plannedDate)).toEqual([
      '2026-12-08', '2027-01-15', '2027-03-01',
    ]);
  });
});

describe('delay and lateness', () => {
  const m = { status: 'open' as const, plannedDate: '2026-12-10', originalDate: '2026-12-10', doneDate: null, delayCount: 0 };
  it('counts days late against today or the completion', () => {
    expect(daysLate(m, '2026-12-09')).toBe(0);
    expect(daysLate(m, '2026-12-13')).toBe(3);
    expect(daysLate({ ...m, status: 'done', doneDate: '2026-12-11' }, '2027-01-01')).toBe(1);
  });
  it('calls a milestone delayed when moved, done late, or open past its original date', () => {
    expect(wasDelayed(m, '2026-12-10')).toBe(false);
    expect(wasDelayed(m, '2026-12-11')).toBe(true);
    expect(wasDelayed({ ...m, plannedDate: '2026-12-20', delayCount: 1 }, '2026-12-01')).toBe(true);
    expect(wasDelayed({ ...m, status: 'done', doneDate: '2026-12-09' }, '2027-01-01')).toBe(false);
  });
  it('numbers reminders by the interval', () => {
    expect([0, 1, 2, 7, 8, 14, 15].map((late) => reminderNumber(late, 7))).toEqual([0, 1, 1, 1, 2, 2, 3]);
    expect([1, 2, 3].map((late) => reminderNumber(late, 1))).toEqual([1, 2, 3]);
  });
});

describe('parsePaymentTerms', () => {
  it('reads the relative form', () => {
    expect(terms('30%签约后10日,70%验收后30日')).toEqual({
      kind: 'plan',
      items: [
        { kind: 'relative', share: { bp: 3000 }, anchor: 'signed', days: 10 },
        { kind: 'relative', share: { bp: 7000 }, anchor: 'acceptance', days: 30 },
      ],
    });
    expect(terms('30%预付，60% 到货后15天内，10%质保期满')).toMatchObject({ kind: 'plan', items: [{ anchor: 'signed', days: 0 }, { anchor: 'acceptance', days: 15 }, { anchor: 'end', days: 0 }] });
  });
  it('reads the dated form with amounts (thousands commas kept) or shares', () => {
    expect(terms('2026-12-01 10万;2027/3/1 400,000')).toEqual({
      kind: 'plan',
      items: [
        { kind: 'dated', share: { fen: 10_000_000 }, date: '2026-12-01' },
        { kind: 'dated', share: { fen: 40_000_000 }, date: '2027-03-01' },
      ],
    });
    expect(terms('2026-12-01 50%；2027-03-01 50%')).toMatchObject({ kind: 'plan', items: [{ share: { bp: 5000 } }, { share: { bp: 5000 } }] });
  });
  it('keeps free text free', () => {
    for (const t of ['签约后30日内付清', '余款验收后付清', '30%预付，余款验收后付清', '月结60天']) expect(terms(t)).toEqual({ kind: 'free' });
  });
  it('refuses a plan that does not read, with an example', () => {
    for (const t of ['30%签约后十日,70%验收后30日', '30%月底', '2026-13-01 10万', '2026-12-01 许多', '60%签约,60%验收', '0%签约']) {
      const r = terms(t);
      expect(r.kind).toBe('invalid');
    }
    expect(terms('30%月底')).toMatchObject({ reason: expect.stringContaining('付款:30%签约后10日') });
    expect(terms('60%签约,60%验收')).toMatchObject({ reason: expect.stringContaining('超过 100%') });
  });
});

describe('resolvePaymentPlan', () => {
  const contract = { amountFen: 100_000_01, startDate: '2026-12-01', endDate: '2027-05-31' };
  it('dates relative nodes from the events; the last share takes the remainder at 100%', () => {
    const plan = terms('30%签约后10日,30%开始,40%验收后30日');
    if (plan.kind !== 'plan') throw new Error('not a plan');
    expect(resolvePaymentPlan(plan.items, contract, { signed: '2026-11-23', acceptance: '2027-05-20' })).toEqual({
      nodes: [
        { plannedDate: '2026-12-03', amountFen: 3_000_000, label: '30%签约后10日' },
        { plannedDate: '2026-12-01', amountFen: 3_000_000, label: '30%开始后0日' },
        { plannedDate: '2027-06-19', amountFen: 4_000_001, label: '40%验收后30日' },
      ],
    });
  });
  it('refuses nodes adding up to more than the amount', () => {
    const plan = terms('2026-12-01 60000;2027-01-01 60000');
    if (plan.kind !== 'plan') throw new Error('not a plan');
    expect(resolvePaymentPlan(plan.items, contract, { signed: '2026-11-23', acceptance: null })).toEqual({ reason: '付款节点合计超过合同金额' });
  });
});
