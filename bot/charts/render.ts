// Draws a report chart (handlers/ports.ts ChartSpec) as a PNG, without a browser: Chart.js on a Skia
// canvas (@napi-rs/canvas, whose prebuilt binary comes from the npm registry). Chinese labels need a
// CJK font: Noto Sans SC from @embedpdf/fonts-sc, or the file named by CHART_FONT_FILE. Without a
// usable font no chart is drawn (null) and the caller says so, rather than sending boxes for glyphs.

import fs from 'node:fs';
import path from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, registerables } from 'chart.js';
import type { ChartSpec } from '../../handlers/ports';

Chart.register(...registerables);

export const CHART_FONT_FAMILY = 'ReportCJK';
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'];
/** Charts are small pictures: anything larger is a mistake in the spec. */
const MAX_SIDE = 2000;

/** The CJK font file: CHART_FONT_FILE, else the one the npm package ships; null when neither is there. */
export function chartFontFile(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHART_FONT_FILE) return fs.existsSync(env.CHART_FONT_FILE) ? env.CHART_FONT_FILE : null;
  try {
    const file = path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '../fonts/NotoSansHans-Regular.otf');
    return fs.existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

let registered: boolean | undefined;

/** Registers the CJK font once per process; false when there is none. */
export function ensureChartFont(): boolean {
  if (registered === undefined) {
    const file = chartFontFile();
    registered = !!file && !!GlobalFonts.registerFromPath(file, CHART_FONT_FAMILY);
    if (registered) Chart.defaults.font.family = CHART_FONT_FAMILY;
  }
  return registered;
}

/** The chart as PNG bytes, or null when no CJK font is available. */
export function renderChartPng(spec: ChartSpec): Buffer | null {
  if (!ensureChartFont()) return null;
  const width = Math.min(Math.max(200, Math.round(spec.width)), MAX_SIDE);
  const height = Math.min(Math.max(150, Math.round(spec.height)), MAX_SIDE);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff'; // PNGs are transparent by default; chat apps show that as black in dark mode
  ctx.fillRect(0, 0, width, height);
  const chart = new Chart(ctx as unknown as ConstructorParameters<typeof Chart>[0], {
    type: 'bar',
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s, i) => ({ label: s.name, data: s.values, backgroundColor: PALETTE[i % PALETTE.length] })),
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: { title: { display: true, text: spec.title, font: { size: 18 } }, legend: { position: 'bottom' } },
      // A rate's axis runs to 100 %, so a 50 % bar looks like half.
      scales: { y: { beginAtZero: true, ...(spec.unit === '%' ? { max: 100 } : {}), title: { display: true, text: spec.unit } } },
    },
  });
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
