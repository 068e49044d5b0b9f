// The durable anchor of the burst driver (burst.ts): the least a WeCom callback must cost. Koa, the
// signature check, AES decryption, the XML, and one durable SQLite insert (WAL, synchronous FULL)
// per request, then 200. Nothing else: no processing, no replies. PORT, DB_FILE from the environment.

import Database from 'better-sqlite3';
import Koa from 'koa';
import { decryptMessage, parseEncodingAesKey, verifySignature } from '../../bot/wecom/crypto';
import { field, parseWecomXml } from '../../bot/wecom/xml';
import { readRawBody, isRefusal } from '../../bot/raw-body';

const db = new Database(process.env.DB_FILE!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, delivery_key TEXT UNIQUE, payload TEXT, received_at INTEGER)');
const insert = db.prepare('INSERT OR IGNORE INTO inbox (delivery_key, payload, received_at) VALUES (?, ?, ?)');
const aes = parseEncodingAesKey(process.env.WECOM_ENCODING_AES_KEY!);
const token = process.env.WECOM_TOKEN!;
const corpId = process.env.WECOM_CORP_ID!;

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method !== 'POST') return void (ctx.status = 200); // the driver's "is it up"
  const body = await readRawBody(ctx, 64 * 1024);
  if (isRefusal(body)) return void (ctx.status = 400);
  const encrypted = field(parseWecomXml(body.toString('utf8')), 'Encrypt')!;
  const q = ctx.query as Record<string, string>;
  if (!verifySignature(token, { signature: q.msg_signature!, timestamp: q.timestamp!, nonce: q.nonce!, encrypted })) return void (ctx.status = 401);
  const xml = decryptMessage(aes, encrypted, corpId);
  const message = parseWecomXml(xml);
  insert.run(`wecom:${field(message, 'MsgId')}`, JSON.stringify(message), Date.now());
  ctx.status = 200;
  ctx.body = '';
});
app.listen(Number(process.env.PORT), '127.0.0.1');
