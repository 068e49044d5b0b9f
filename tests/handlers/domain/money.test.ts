import { formatFen, formatFenShort, parseAmountToFen, yuanToFen } from '../../../handlers/domain/money';

describe('parseAmountToFen', () => {
  it.each([
    ['500000', 50_000_000],
    ['500,000', 50_000_000],
    ['500，000', 50_000_000],
    ['50万', 50_000_000],
    ['50.5万元', 50_500_000],
    ['1.2亿', 12_000_000_000],
    ['¥500000', 50_000_000],
    ['￥1,000.50', 100_050],
    ['3000元', 300_000],
    ['5千', 500_000],
    ['  49999.99 ', 4_999_999],
    ['0.01', 1],
    ['1.10万', 1_100_000],
    ['0.0001万', 100],
  ])('%s → %i fen', (input, fen) => {
    expect(parseAmountToFen(input)).toEqual({ ok: true, value: fen });
  });

  it.each(['', '很多', '-5', '0', '0.00', '0.001', '1.234', '1,00', '12,34,567', '5万万', '1e5', '99999999999亿'])('rejects %j', (input) => {
    const r = parseAmountToFen(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
  });

  it('never goes through floats: 0.1 + 0.2 style amounts stay exact', () => {
    expect(parseAmountToFen('0.29万')).toEqual({ ok: true, value: 290_000 });
    expect(parseAmountToFen('1.15')).toEqual({ ok: true, value: 115 });
  });
});

describe('formatting', () => {
  it('formats fen with thousands separators and two decimals', () => {
    expect(formatFen(50_000_000)).toBe('¥500,000.00');
    expect(formatFen(4_999_999)).toBe('¥49,999.99');
    expect(formatFen(5)).toBe('¥0.05');
  });
  it('formats compactly', () => {
    expect(formatFenShort(12_000_000_000)).toBe('1.2亿');
    expect(formatFenShort(50_500_000)).toBe('50.5万');
    expect(formatFenShort(300_000)).toBe('¥3,000');
  });
  it('converts policy yuan to fen exactly', () => {
    expect(yuanToFen(49999.99)).toBe(4_999_999);
    expect(yuanToFen(500000)).toBe(50_000_000);
    expect(yuanToFen(0.1 + 0.2)).toBe(30);
  });
});
