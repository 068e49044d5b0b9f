import { formatFen, formatFenShort, MAX_FEN, parseAmountToFen, yuanToFen } from '../../../handlers/domain/money';

const reasonOf = (input: string) => {
  const r = parseAmountToFen(input);
  if (r.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused, got ${r.value}`);
  return r.reason;
};

describe('parseAmountToFen', () => {
  it.each([
    ['500000', 50_000_000],
    ['500,000', 50_000_000],
    ['500，000', 50_000_000],
    ['1,000,000', 100_000_000],
    ['50万', 50_000_000],
    ['50万元', 50_000_000],
    ['50.5万元', 50_500_000],
    ['1.2亿', 12_000_000_000],
    ['1.2亿元', 12_000_000_000],
    ['¥500000', 50_000_000],
    ['￥1,000.50', 100_050],
    ['¥ 3,000', 300_000],
    ['3000元', 300_000],
    ['5千', 500_000],
    ['5千元', 500_000],
    ['  49999.99 ', 4_999_999],
    ['５００，０００', 50_000_000], // full-width digits from a Chinese IME
    ['0.01', 1],
    ['1.10万', 1_100_000],
    ['0.0001万', 100],
    ['0.000001万', 1],
    ['1.230', 123], // trailing zeros are not extra precision
    ['1000亿', MAX_FEN], // the largest accepted amount
  ])('%j → %i fen', (input, fen) => {
    expect(parseAmountToFen(input)).toEqual({ ok: true, value: fen });
  });

  it('never goes through floats', () => {
    // As floats these are 0.29 * 10000 * 100 = 289999.99999999994 and 1.15 * 100 = 114.99999999999999.
    expect(parseAmountToFen('0.29万')).toEqual({ ok: true, value: 290_000 });
    expect(parseAmountToFen('1.15')).toEqual({ ok: true, value: 115 });
    expect(parseAmountToFen('4.35亿')).toEqual({ ok: true, value: 43_500_000_000 });
  });

  it.each([
    ['', '请填写金额'],
    ['   ', '请填写金额'],
    ['很多', '不是金额'],
    ['1e5', '不是金额'],
    ['5万万', '不是金额'],
    ['abc元', '不是金额'],
    ['-5', '必须大于 0'],
    ['-5万', '必须大于 0'],
    ['0', '必须大于 0'],
    ['0.00', '必须大于 0'],
    ['0万', '必须大于 0'],
    ['0.001', '最小单位是分'],
    ['1.234', '最小单位是分'],
    ['0.0000001万', '最小单位是分'], // 0.001 yuan,
    ['1,00', '逗号'],
    ['12,34,567', '逗号'],
    [',500', '逗号'],
    ['500,', '逗号'],
    ['1000.01亿', '过大'],
    ['99999999999亿', '过大'],
    ['100000000000000000000000', '过大'],
  ])('refuses %j (%s)', (input, reason) => {
    expect(reasonOf(input)).toContain(reason);
  });

  it('returns only safe integers', () => {
    for (const input of ['1000亿', '999.99亿', '0.01', '123456789.12']) {
      const r = parseAmountToFen(input);
      expect(r.ok && Number.isSafeInteger(r.value)).toBe(true);
    }
  });
});

describe('yuanToFen (policy amounts)', () => {
  it.each([
    [49999.99, 4_999_999],
    [500000, 50_000_000],
    [50000, 5_000_000],
    [0.1 + 0.2, 30],
    [1.005, 101], // as written, half up (1.005 * 100 is 100.49999999999999 in floats)
    [0.29, 29],
    [19.99, 1999],
    [0, 0],
    [-12.5, -1250],
  ])('%d yuan → %i fen', (yuan, fen) => {
    expect(yuanToFen(yuan)).toBe(fen);
  });
  it('refuses what is not an amount', () => {
    expect(() => yuanToFen(Number.NaN)).toThrow();
    expect(() => yuanToFen(Infinity)).toThrow();
    expect(() => yuanToFen(1e21)).toThrow();
  });
});

describe('formatFen', () => {
  it.each([
    [50_000_000, '¥500,000.00'],
    [4_999_999, '¥49,999.99'],
    [5, '¥0.05'],
    [100_050, '¥1,000.50'],
    [12_000_000_000, '¥120,000,000.00'],
    [0, '¥0.00'],
    [-150, '-¥1.50'],
  ])('%i fen → %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });
});

describe('formatFenShort', () => {
  it.each([
    [12_000_000_000, '1.2亿'],
    [10_000_000_000, '1亿'],
    [12_345_678_900, '1.23亿'],
    [50_000_000, '50万'],
    [50_500_000, '50.5万'],
    [12_345_600, '12.35万'], // rounded half up to two decimals
    [1_000_000, '1万'],
    [9_999_999_999, '1亿'], // 9999.99999999万 rounds into the next unit
    [300_000, '¥3,000'],
    [300_050, '¥3,000.50'],
    [999_999, '¥9,999.99'], // below 1万 stays exact
    [-50_500_000, '-50.5万'],
  ])('%i fen → %s', (fen, text) => {
    expect(formatFenShort(fen)).toBe(text);
  });
});
