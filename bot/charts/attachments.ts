// The bytes of an attachment (handlers/ports.ts Attachment), made from what the outbox stores.

import { createHash } from 'node:crypto';
import type { Attachment } from '../../handlers/ports';
import { chartRenderer } from './lazy';

export interface AttachmentFile {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

/** The file, or null for a chart when no CJK font is available (the caller says it was left out). */
export function attachmentFile(a: Attachment): AttachmentFile | null {
  if (a.kind === 'csv') return { fileName: a.fileName, contentType: 'text/csv; charset=utf-8', bytes: Buffer.from(a.content, 'utf8') };
  const png = chartRenderer().renderChartPng(a.chart);
  return png ? { fileName: a.fileName, contentType: 'image/png', bytes: png } : null;
}

/** What a chat shows when a chart could not be drawn. */
export const CHART_SKIPPED = '（图表未生成：服务器缺少中文字体，见 README「报表」）';

export const md5Hex = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');
