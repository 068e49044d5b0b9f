import { isCloseName, MAX_COMPARED, nameSimilarity, normalizeCustomerName } from '../../../handlers/domain/names';

describe('normalizeCustomerName', () => {
  it.each([
    ['  华东日报社 ', '华东日报社'],
    ['上海明远科技有限公司', '上海明远科技'], // 科技 is part of the name
    ['上海明远科技股份有限公司', '上海明远科技'],
    ['北方机械有限责任公司', '北方机械'],
    ['明远集团有限公司', '明远'],
    ['明远集团', '明远'],
    ['明远公司', '明远'],
    ['施耐德电气（中国）有限公司', '施耐德电气'],
    ['  华东·日报社（中国）有限公司 ', '华东日报社'],
    ['ＡＢＣ 贸易', 'abc贸易'], // full width and spaces
    ['ABC Trading Co., Ltd.', 'abctrading'],
    ['公司', '公司'], // never stripped to nothing
    ['华东\u00AD日报社', '华东日报社'], // soft hyphen
    ['华东日报社\u202E', '华东日报社'], // right-to-left override
    ['\u200B华东\u2060日报\uFEFF社\u2066', '华东日报社'], // zero-width and isolates
  ])('%j → %j', (input, expected) => {
    expect(normalizeCustomerName(input)).toBe(expected);
  });
});

describe('nameSimilarity', () => {
  it('is 2·LCS / (|a| + |b|) on normalised names', () => {
    expect(nameSimilarity('华东日报社', '华东日报社有限公司')).toBe(1);
    expect(nameSimilarity('华东日报社', '华东报社')).toBeCloseTo(8 / 9);
    expect(nameSimilarity('华东日报', '华东报社')).toBeCloseTo(0.75);
    expect(nameSimilarity('华东日报社', '北方机械厂')).toBe(0);
    expect(nameSimilarity('', '华东')).toBe(0);
  });
  it('stays in [0, 1] and is symmetric', () => {
    const names = ['华东日报社', '华东报社', '明远科技', '上海明远科技有限公司', 'abc', '北方机械厂'];
    for (const a of names) {
      for (const b of names) {
        const s = nameSimilarity(a, b);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(nameSimilarity(b, a)).toBe(s);
      }
    }
  });
});

describe('isCloseName', () => {
  it.each([
    ['华东日报社', '华东日报'], // contained
    ['华东日报社', '华东报社'], // similarity 0.89
    ['华东日报', '华东报社'], // one slip apart (similarity 0.75)
    ['华东日报', '华东日报社'],
    ['华东报社', '华东日报社'],
    ['上海明远科技有限公司', '明远科技'], // suffix dropped, then contained
    ['上海明远科技有限公司', '上海明远科技股份有限公司'], // same after suffixes
    ['ＡＢＣ 贸易', 'abc贸易有限公司'],
  ])('%s ~ %s', (a, b) => {
    expect(isCloseName(a, b)).toBe(true);
    expect(isCloseName(b, a)).toBe(true);
  });

  it.each([
    ['华东日报社', '北方机械厂'],
    ['明远科技', '明远物流'],
    ['上海明远科技', '上海明远物流'],
    ['华东日报', '华西晚报'],
    ['北京华东科技发展', '北京华东电子发展'], // similarity 0.75, below 0.8, and two characters differ
    ['华', '华东日报社'], // one character is not a containment
    ['', '华东日报社'],
  ])('%s is not close to %s', (a, b) => {
    expect(isCloseName(a, b)).toBe(false);
    expect(isCloseName(b, a)).toBe(false);
  });
});

describe('bounded work', () => {
  it(`compares at most ${MAX_COMPARED} characters of each name in the quadratic part`, () => {
    const head = '华东日报社'.repeat(13).slice(0, MAX_COMPARED);
    // Equal in the compared part, different after it: the table never sees the difference.
    expect(nameSimilarity(`${head}甲乙丙`, `${head}丁戊己庚`)).toBe(1);
    expect(isCloseName(`${head}甲乙丙`, `${head}丁戊己庚`)).toBe(true);
    // Containment still sees the whole name.
    expect(isCloseName(`${head}甲乙丙`, `${'x'.repeat(MAX_COMPARED)}${head}甲乙丙`)).toBe(true);
  });

  it('tells long, unrelated names apart without the table (the shared characters are too few)', () => {
    const a = '甲'.repeat(200);
    const b = '乙'.repeat(200);
    expect(isCloseName(a, b)).toBe(false);
    expect(nameSimilarity(a, b)).toBe(0);
  });

  it('agrees with the full comparison on the names of the tests above when they fit', () => {
    expect(isCloseName('华东日报', '华东报社')).toBe(true);
    expect(isCloseName('北京华东科技发展', '北京华东电子发展')).toBe(false);
  });
});
