// Short-lived signed download links for attachments (charts and CSV files) where a platform needs a
// URL rather than an upload (DingTalk markdown images and links): GET /files/<outboxId>/<index>
// ?exp=<epoch ms>&sig=<hex HMAC-SHA256 over "outboxId.index.exp">. A bad or expired signature gets
// 403 and nothing is read; the file is made again from the outbox row each time.

import type Router from '@koa/router';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, OutboxStore, UnitOfWork } from '../handlers/ports';
import { attachmentFile } from './charts/attachments';
import type { Logger } from './logger';

export interface DownloadLinkSettings {
  /** Public base URL of this bot's HTTP server, e.g. https://bot.example.com (PUBLIC_URL). */
  baseUrl: string;
  /** HMAC key (DOWNLOAD_LINK_SECRET); the same on every instance behind the URL. */
  secret: string;
  /** How long a link works (DOWNLOAD_LINK_TTL_MINUTES). */
  ttlMs: number;
}

export const DOWNLOAD_PATH = '/files/:id/:index';

const signature = (secret: string, id: number, index: number, exp: number) =>
  createHmac('sha256', secret).update(`${id}.${index}.${exp}`).digest('hex');

export function downloadUrl(s: DownloadLinkSettings, id: number, index: number, now: Date): { url: string; expiresAt: Date } {
  const exp = now.getTime() + s.ttlMs;
  const url = new URL(`files/${id}/${index}`, s.baseUrl.endsWith('/') ? s.baseUrl : `${s.baseUrl}/`);
  url.searchParams.set('exp', String(exp));
  url.searchParams.set('sig', signature(s.secret, id, index, exp));
  return { url: url.toString(), expiresAt: new Date(exp) };
}

/** True when the signature is right (constant-time compare) and the link has not expired. */
export function verifyDownload(secret: string, id: number, index: number, exp: string, sig: string, now: Date): boolean {
  if (!/^\d{1,15}$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig)) return false;
  const expected = Buffer.from(signature(secret, id, index, Number(exp)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return false;
  return Number(exp) > now.getTime();
}

export function downloadRoutes(d: { settings: DownloadLinkSettings; uow: UnitOfWork; outbox: OutboxStore; clock: Clock; log: Logger }) {
  return (router: Router): void => {
    router.get(DOWNLOAD_PATH, async (ctx) => {
      const id = /^\d{1,12}$/.test(ctx.params.id ?? '') ? Number(ctx.params.id) : NaN;
      const index = /^\d{1,3}$/.test(ctx.params.index ?? '') ? Number(ctx.params.index) : NaN;
      const exp = typeof ctx.query.exp === 'string' ? ctx.query.exp : '';
      const sig = typeof ctx.query.sig === 'string' ? ctx.query.sig : '';
      if (Number.isNaN(id) || Number.isNaN(index) || !verifyDownload(d.settings.secret, id, index, exp, sig, d.clock.now())) {
        ctx.status = 403;
        ctx.body = 'link invalid or expired';
        return;
      }
      const attachments = await d.uow.run((tx) => d.outbox.findAttachments(tx, id));
      const file = attachments?.[index] ? attachmentFile(attachments[index]) : null;
      if (!file) {
        ctx.status = 404;
        ctx.body = 'not found';
        return;
      }
      ctx.set('Content-Type', file.contentType);
      ctx.set('Content-Disposition', `${file.contentType.startsWith('image/') ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
      ctx.set('Cache-Control', 'private, max-age=300');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.body = file.bytes;
    });
  };
}
