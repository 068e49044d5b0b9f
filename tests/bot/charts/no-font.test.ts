// Without a CJK font a chart is left out (never drawn with boxes for glyphs); files still work.
// The font is looked up once per process: this file has its own module registry and environment.

process.env.CHART_FONT_FILE = '/nonexistent/font.otf';

import { attachmentFile, CHART_SKIPPED } from '../../../bot/charts/attachments';
import { ensureChartFont, renderChartPng } from '../../../bot/charts/render';

afterAll(() => {
  delete process.env.CHART_FONT_FILE;
});

it('draws no chart and says why', () => {
  expect(ensureChartFont()).toBe(false);
  const chart = { title: '图', labels: ['法务'], series: [{ name: '中位数', values: [1] }], unit: '小时', width: 400, height: 300 };
  expect(renderChartPng(chart)).toBeNull();
  expect(attachmentFile({ kind: 'chart', fileName: 'c.png', chart })).toBeNull();
  expect(CHART_SKIPPED).toContain('缺少中文字体');
  expect(attachmentFile({ kind: 'csv', fileName: 'a.csv', content: '\uFEFF合同号\r\n' })?.bytes.toString('utf8')).toBe('\uFEFF合同号\r\n');
});
