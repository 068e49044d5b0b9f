// The WeCom section's reference servers, one per process (BENCH_WECOM_MODE):
// - plain:   a Koa handler answering 200 (the HTTP ceiling);
// - crypto:  the bot's own callback steps without storage: read the body, parse the envelope,
//            verify the signature, AES-decrypt, parse the message, normalise it;
// - durable: crypto, then one durable insert into an inbox table of a SQLite file (WAL, the bot's
//            better-sqlite3 settings) keyed by the delivery key, answering 200 after the commit.
// Prints `listening <url>` once it listens on 127.0.0.1 on a port the OS chose.

import Database from 'better-sqlite3';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { listen } from '../../bot/server';
import { isRefusal, readRawBody } from '../../bot/raw-body';
import { decryptMessage, parseEncodingAesKey, verifySignature } from '../../bot/wecom/crypto';
import { normalizeWecom } from '../../bot/wecom/normalize';
import { field, parseWecomXml } from '../../bot/wecom/xml';
import { WECOM_SETTINGS } from './wecom-mix';

type Mode = 'plain' | 'crypto' | 'durable';
const mode = process.env.BENCH_WECOM_MODE as Mode;
if (!['plain', 'crypto', 'durable'].includes(mode)) throw new Error(`BENCH_WECOM_MODE: ${mode}`);

/** The same options typeorm gives the bot's connection (storage/data-source.ts): busy timeout, FKs, WAL. */
function openInbox(file: string) {
  const db = new Database(file, { timeout: 10_000 });
  db.pragma('foreign_keys = ON');
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_key VARCHAR(300) NOT NULL UNIQUE,
    platform VARCHAR(20) NOT NULL,
    kind VARCHAR(40) NOT NULL,
    payload TEXT NOT NULL,
    received_at DATETIME NOT NULL)`);
  return db.prepare(`INSERT INTO inbox (delivery_key, platform, kind, payload, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (delivery_key) DO NOTHING`);
}

async function main(): Promise<void> {
  const aes = parseEncodingAesKey(WECOM_SETTINGS.encodingAesKey);
  const insert = mode === 'durable' ? openInbox(process.env.BENCH_WECOM_DB!) : undefined;
  const app = new Koa();
  app.use(async (ctx) => {
    if (mode === 'plain') {
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    const body = await readRawBody(ctx, 64 * 1024);
    if (isRefusal(body)) return void (ctx.status = body.refused);
    const encrypted = field(parseWecomXml(body.toString('utf8')), 'Encrypt');
    const { msg_signature: signature, timestamp, nonce } = ctx.query;
    if (!encrypted || typeof signature !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string') return void (ctx.status = 400);
    if (!verifySignature(WECOM_SETTINGS.token, { signature, timestamp, nonce, encrypted })) return void (ctx.status = 401);
    const decrypted = decryptMessage(aes, encrypted, WECOM_SETTINGS.corpId);
    const event = normalizeWecom(parseWecomXml(decrypted), decrypted);
    if (!event) return void (ctx.status = 400);
    // better-sqlite3 is synchronous: the row is committed (its own transaction) when run() returns.
    insert?.run(event.deliveryKey, event.platform, event.kind, JSON.stringify(event), new Date().toISOString());
    ctx.status = 200;
    ctx.body = '';
  });
  const server = await listen(app, 0, '127.0.0.1');
  console.log(`bench-listening http://127.0.0.1:${(server.address() as AddressInfo).port}/wecom/callback`);
  process.on('SIGTERM', () => process.exit(0));
}

void main();
