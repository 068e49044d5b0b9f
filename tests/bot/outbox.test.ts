// The outbox under load and trouble: several dispatchers, outages, quiet hours, dead letters.

import { OutboxDispatcher } from '../../bot/outbox-dispatcher';
import { silentLogger } from '../../bot/logger';
import type { Notifier, OutboxRecord, OutgoingMessage } from '../../handlers/ports';
import { createOutboxStore } from '../../storage/repositories';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
afterEach(() => h.close());

const enqueue = (m: OutgoingMessage) => h.app.uow.run((tx) => h.app.deps.repos.outbox.enqueue(tx, m, h.clock.now()));
const toPerson = (personId: string, i: number, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  dedupeKey: `test:${personId}:${i}`,
  to: { kind: 'person', personId },
  views: [{ type: 'text', text: `${personId} #${i}` }],
  ...extra,
});
const rows = (sql: string) => h.app.dataSource.query(sql);

it('two dispatchers working the same outbox deliver every message exactly once', async () => {
  h = await startHarness();
  for (let i = 0; i < 200; i++) await enqueue(toPerson(`p${i % 40}`, i));
  const slowNotifier: Notifier = {
    deliver: async (m) => {
      await new Promise((r) => setImmediate(r)); // let the other dispatcher run in between
      await h.notifier.deliver(m);
    },
  };
  // small batches, so that each instance finds recipients the other has not claimed
  const make = (holder: string) => new OutboxDispatcher(h.app.uow, createOutboxStore(), slowNotifier, h.clock, silentLogger, { holder, batchSize: 20 });
  const [a, b] = [make('instance-a'), make('instance-b')];
  const [sentA, sentB] = await Promise.all([a.deliverDue(), b.deliverDue()]);
  expect(sentA + sentB).toBe(200);
  const keys = h.notifier.delivered.map((m) => m.dedupeKey);
  expect(new Set(keys).size).toBe(200);
  expect(keys).toHaveLength(200);
  expect(sentA).toBeGreaterThan(0);
  expect(sentB).toBeGreaterThan(0);
  for (let p = 0; p < 40; p++) {
    const mine = keys.filter((k) => k.startsWith(`test:p${p}:`)).map((k) => Number(k.split(':')[2]));
    expect(mine).toEqual([0, 1, 2, 3, 4].map((n) => p + 40 * n)); // in order per recipient
  }
});

it('during an hour-long outage messages wait, are retried with backoff, and all arrive in order per recipient', async () => {
  h = await startHarness();
  const outageEnds = h.clock.now().getTime() + 3600_000;
  const attempts: number[] = [];
  h.notifier.deliver = async function (this: typeof h.notifier, m: OutboxRecord) {
    if (h.clock.now().getTime() < outageEnds) {
      attempts.push(h.clock.now().getTime());
      throw new Error('HTTP 502');
    }
    this.delivered.push(m);
  }.bind(h.notifier);
  for (let i = 0; i < 5; i++) await enqueue(toPerson('lisi', i));
  for (let i = 0; i < 3; i++) await enqueue(toPerson('wangwu', i));
  // walk through the outage and past it, a minute at a time
  for (let minute = 0; minute < 180; minute++) {
    await h.app.outbox.deliverDue();
    h.clock.advanceHours(1 / 60);
  }
  const order = (person: string) => h.notifier.delivered.filter((m) => m.to.kind === 'person' && m.to.personId === person).map((m) => m.dedupeKey);
  expect(order('lisi')).toEqual([0, 1, 2, 3, 4].map((i) => `test:lisi:${i}`));
  expect(order('wangwu')).toEqual([0, 1, 2].map((i) => `test:wangwu:${i}`));
  // backoff: retries get further apart (30 s, 60 s, 120 s, … per first message of each recipient)
  const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
  expect(attempts.length).toBeLessThan(30); // not 60 per hour per message
  expect(Math.max(...gaps)).toBeGreaterThanOrEqual(15 * 60_000);
  expect(await rows("SELECT COUNT(*) AS n FROM outbox WHERE status <> 'sent'")).toEqual([{ n: 0 }]);
});

it('holds notifications to people outside working hours; urgent ones and chat replies pass', async () => {
  h = await startHarness({ now: '2026-11-23T14:00:00Z' }); // Monday 22:00 in Shanghai
  await enqueue(toPerson('lisi', 1));
  await enqueue(toPerson('lisi', 2, { urgent: true, dedupeKey: 'urgent:1' }));
  await h.say('zhangsan', '帮助'); // the reply to someone typing now
  const delivered = () => h.notifier.delivered.map((m) => m.dedupeKey);
  expect(delivered()).not.toContain('test:lisi:1');
  expect(delivered()).toContain('urgent:1'); // urgent: overtakes the held message to the same person
  expect(delivered().some((k) => k.startsWith('reply:'))).toBe(true);
  h.clock.set('2026-11-24T00:59:00Z'); // Tuesday 08:59: still quiet
  await h.app.outbox.deliverDue();
  expect(delivered()).not.toContain('test:lisi:1');
  h.clock.set('2026-11-24T01:00:00Z'); // Tuesday 09:00
  await h.app.outbox.deliverDue();
  expect(delivered()).toContain('test:lisi:1');
});

it('an urgent message passes quiet hours', async () => {
  h = await startHarness({ now: '2026-11-28T04:00:00Z' }); // Saturday noon
  await enqueue(toPerson('wangwu', 1, { urgent: true }));
  await h.app.outbox.deliverDue();
  expect(h.notifier.delivered.map((m) => m.dedupeKey)).toEqual(['test:wangwu:1']);
});

it('tells the admins when a message is given up', async () => {
  h = await startHarness();
  const failing = h.notifier.deliver.bind(h.notifier);
  h.notifier.deliver = async (m) => {
    if (m.to.kind === 'person' && m.to.personId === 'wangwu') throw new Error('81013 no valid recipient');
    return failing(m);
  };
  await enqueue(toPerson('wangwu', 1, { urgent: true })); // urgent: no quiet-hours pauses in this test
  for (let i = 0; i < 12; i++) {
    await h.app.outbox.deliverDue();
    h.clock.advanceHours(2);
  }
  expect(await rows("SELECT status, attempts FROM outbox WHERE dedupe_key = 'test:wangwu:1'")).toEqual([{ status: 'dead', attempts: 10 }]);
  const alert = h.notifier.delivered.find((m) => m.dedupeKey.startsWith('outbox-dead:'));
  expect(alert).toMatchObject({ to: { kind: 'person', personId: 'admin' }, urgent: true });
  expect(JSON.stringify(alert!.views)).toContain('test:wangwu:1');
});

it('keeps the per-minute limits across instances: two dispatchers together send 20 a minute to a channel', async () => {
  h = await startHarness();
  for (let i = 0; i < 50; i++) await enqueue({ dedupeKey: `alert:${i}`, to: { kind: 'channel', channel: 'approvals' }, views: [{ type: 'text', text: `#${i}` }] });
  const make = (holder: string) =>
    new OutboxDispatcher(h.app.uow, createOutboxStore(), h.notifier, h.clock, silentLogger, { holder, perMinute: { channel: 20, person: 30 } });
  const [a, b] = [make('instance-a'), make('instance-b')];
  await Promise.all([a.deliverDue(), b.deliverDue()]);
  expect(h.notifier.delivered).toHaveLength(20);
  h.clock.advanceHours(1 / 60 + 1 / 3600);
  await Promise.all([a.deliverDue(), b.deliverDue()]);
  expect(h.notifier.delivered).toHaveLength(40);
  expect(h.notifier.delivered.map((m) => m.dedupeKey)).toEqual(Array.from({ length: 40 }, (_, i) => `alert:${i}`)); // in order
});
