// The chart is a valid PNG of the size asked for, and its Chinese labels are drawn as glyphs: two
// different characters draw different pixels (missing glyphs would all draw the same box), and a
// character draws differently from one the font does not have.

import { createCanvas, loadImage } from '@napi-rs/canvas';
import { CHART_FONT_FAMILY, chartFontFile, ensureChartFont, renderChartPng } from '../../../bot/charts/render';
import type { ChartSpec } from '../../../handlers/ports';

const SPEC: ChartSpec = {
  title: '各审批环节停留时间 2026年第3季度',
  labels: ['销售经理', '法务', '财务', '总经理'],
  series: [{ name: '中位数', values: [3.5, 12, 6.2, 20] }, { name: '平均', values: [4, 14.1, 7, 22.5] }],
  unit: '小时',
  width: 800,
  height: 450,
};

/** The pixels of one character drawn alone in the chart font. */
function glyphPixels(ch: string): Buffer {
  const canvas = createCanvas(64, 64);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, 64, 64);
  ctx.fillStyle = '#000';
  ctx.font = `48px ${CHART_FONT_FAMILY}`;
  ctx.fillText(ch, 8, 52);
  return Buffer.from(ctx.getImageData(0, 0, 64, 64).data);
}
const ink = (px: Buffer) => px.filter((v, i) => i % 4 === 0 && v < 128).length;

it('ships a CJK font and registers it', () => {
  expect(chartFontFile()).toMatch(/NotoSansHans-Regular\.otf$/);
  expect(ensureChartFont()).toBe(true);
});

it('draws CJK characters as glyphs, not as the missing-glyph box', () => {
  ensureChartFont();
  const shen = glyphPixels('审');
  const pi = glyphPixels('批');
  const missing = glyphPixels('\uE000'); // private use: no font has it
  expect(ink(shen)).toBeGreaterThan(100);
  expect(shen.equals(pi)).toBe(false);
  expect(shen.equals(missing)).toBe(false);
  expect(pi.equals(missing)).toBe(false);
});

it('renders a PNG of the expected size that decodes', async () => {
  const png = renderChartPng(SPEC)!;
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.readUInt32BE(16)).toBe(800); // IHDR width
  expect(png.readUInt32BE(20)).toBe(450); // IHDR height
  const image = await loadImage(png);
  expect([image.width, image.height]).toEqual([800, 450]);
  // Something is drawn besides the white background: bars in the first series' colour.
  const canvas = createCanvas(800, 450);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, 800, 450).data;
  let bar = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] === 0x4e && data[i + 1] === 0x79 && data[i + 2] === 0xa7) bar++;
  expect(bar).toBeGreaterThan(1000);
});

it('keeps a chart within bounds whatever the spec asks', async () => {
  const image = await loadImage(renderChartPng({ ...SPEC, width: 100_000, height: 1 })!);
  expect([image.width, image.height]).toEqual([2000, 150]);
});
