// Receipts arriving at once (two finance clerks, two instances) can never take the received total
// above the contract amount: on a SQLite file and on PostgreSQL/MySQL, with real migrations.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TextMessageEvent } from '../../bot/events';
import { signedContract } from '../support/fulfilment';
import { startHarness, type Harness } from '../support/harness';
import { ownDatabase } from '../support/own-database';

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tempFile = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-'));
  tempDirs.push(dir);
  return path.join(dir, 'bot.sqlite');
};

const TARGETS: [string, () => Promise<string>, boolean][] = [
  ['SQLite file', async () => `sqlite:${tempFile()}`, true],
  ['PostgreSQL', () => ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'receipts'), process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['MySQL', () => ownDatabase('mysql', process.env.TEST_MYSQL_URL!, 'receipts'), process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter(([, , ok]) => !ok);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(TARGETS.filter(([, , ok]) => ok))('%s: concurrent receipts', (_name, database) => {
  let h: Harness;
  let no: string;
  const one = async (sql: string) => Number(Object.values((await h.app.dataSource.query(sql))[0] as object)[0]);

  beforeAll(async () => {
    h = await startHarness({ databaseUrl: await database() });
    no = await signedContract(h, '付款:2026-12-01 10万;2027-03-01 20万');
  }, 120_000);
  afterAll(() => h.close());

  const receipt = (n: number, amount: string, sender: string): TextMessageEvent => ({
    kind: 'message.text',
    platform: 'wecom',
    deliveryKey: `wecom:receipt:${amount}:${n}`,
    senderIdentity: sender,
    conversation: { id: `${sender}:${n}`, type: 'direct' },
    text: `回款 ${no} ${amount}`,
  });

  it('two receipts that each fit but together exceed: exactly one is recorded', async () => {
    const results = await Promise.all([
      h.app.dispatcher.handle(receipt(1, '20万', 'wecom:ZhouQi')),
      h.app.dispatcher.handle(receipt(2, '20万', 'wecom:ZhangSan')),
    ]);
    expect(results).toEqual(['processed', 'processed']);
    expect(await one('SELECT received_fen FROM contract')).toBe(20_000_000);
    expect(await one('SELECT COUNT(*) FROM payment_receipt')).toBe(1);
    expect(await one('SELECT SUM(received_fen) FROM payment_node')).toBe(20_000_000);
    expect(await one("SELECT COUNT(*) FROM audit_event WHERE action = 'payment.received'")).toBe(1);
  });

  it('twenty receipts of ¥10,000 at once against ¥100,000 left: ten are recorded, the total is the amount', async () => {
    await h.app.outbox.deliverDue();
    const before = h.notifier.delivered.length;
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => h.app.dispatcher.handle(receipt(n, '1万', n % 2 ? 'wecom:ZhouQi' : 'wecom:ZhangSan'))));
    expect(results.every((r) => r === 'processed')).toBe(true);
    expect(await one('SELECT received_fen FROM contract')).toBe(30_000_000);
    expect(await one('SELECT COUNT(*) FROM payment_receipt')).toBe(11);
    expect(await one('SELECT SUM(amount_fen) FROM payment_receipt')).toBe(30_000_000);
    expect(await one("SELECT COUNT(*) FROM audit_event WHERE action = 'payment.received'")).toBe(11);
    await h.app.outbox.deliverDue();
    const refusals = h.notifier.delivered.slice(before).filter((m) => JSON.stringify(m.views).includes('回款未登记'));
    expect(refusals).toHaveLength(10);
    // Each refusal states the total as committed, not a stale snapshot of it.
    for (const r of refusals) expect(JSON.stringify(r.views)).toContain('已回款 ¥300,000.00，最多还可登记 ¥0.00');
  });
});
