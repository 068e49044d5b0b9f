// CSV for spreadsheets: BOM, CRLF, quoting, and formula-looking text defused (CSV injection).

import { csvCell, toCsv } from '../../../handlers/domain/csv';
import { median, percentile } from '../../../handlers/domain/stats';

it('starts with a BOM, ends lines with CRLF and keeps Chinese intact', () => {
  const csv = toCsv(['客户', '金额'], [['华东日报社', 500000], ['北京"晨报"', null]]);
  expect(csv).toBe('\uFEFF客户,金额\r\n华东日报社,500000\r\n"北京""晨报""",\r\n');
  expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
});

it.each([
  ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
  ['+1', "'+1"],
  ['-1+2', "'-1+2"],
  ['@SUM(A1)', "'@SUM(A1)"],
  ['\tcmd', "'\tcmd"],
  ['a,b', '"a,b"'],
  ['两行\n文字', '"两行\n文字"'],
  ['普通文字', '普通文字'],
])('escapes %j as %j', (input, output) => {
  expect(csvCell(input)).toBe(output);
});

it('leaves numbers alone, negative ones included', () => {
  expect(csvCell(-12.5)).toBe('-12.5');
});

it('computes the median and a nearest-rank percentile', () => {
  expect(median([])).toBeNull();
  expect(median([5, 1, 3])).toBe(3);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10);
  expect(percentile([7], 90)).toBe(7);
});
