import { isCloseName, nameSimilarity, normalizeCustomerName } from '../../../handlers/domain/names';

describe('customer names', () => {
  it('treats the spellings of one customer as close', () => {
    for (const [a, b] of [
      ['华东日报社', '华东日报'],
      ['华东日报社', '华东报社'],
      ['华东日报', '华东报社'],
      ['上海明远科技有限公司', '明远科技'],
      ['ＡＢＣ 贸易', 'abc贸易有限公司'],
    ]) {
      expect(isCloseName(a!, b!)).toBe(true);
    }
  });
  it('keeps unrelated names apart', () => {
    expect(isCloseName('华东日报社', '北方机械厂')).toBe(false);
    expect(isCloseName('明远科技', '明远物流')).toBe(false);
    expect(nameSimilarity('华东日报社', '北方机械厂')).toBe(0);
  });
  it('drops company suffixes, width and punctuation but keeps 科技', () => {
    expect(normalizeCustomerName('上海明远科技股份有限公司')).toBe('上海明远科技');
    expect(normalizeCustomerName('  华东·日报社（中国）有限公司 ')).toBe('华东日报社');
  });
});
