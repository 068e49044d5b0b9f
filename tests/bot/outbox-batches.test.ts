// The outbox under a rush: batches served concurrently across recipients, each recipient's messages
// in order; a failing recipient does not hold up the others; the per-minute limits (WeCom: 30 app
// messages per member, replies in the member's chat included) counted in the database, across
// instances; two instances on one PostgreSQL or MySQL database deliver each message once.

import { createApp, type App } from '../../bot/app';
import { parsePolicy } from '../../bot/config';
import { silentLogger } from '../../bot/logger';
import { LoopSlices } from '../../bot/loop-slices';
import { OutboxDispatcher } from '../../bot/outbox-dispatcher';
import { WecomApi } from '../../bot/wecom/api';
import { WecomNotifier } from '../../bot/wecom/notifier';
import { recipientKey, type Notifier, type OutboxRecord, type OutgoingMessage, type Recipient } from '../../handlers/ports';
import { createCardDeliveryStore, createOutboxStore } from '../../storage/repositories';
import { FakeWecom } from '../fakes/wecom';
import { EXAMPLE_POLICY, startHarness, type Harness } from '../support/harness';
import { ownDatabase } from '../support/own-database';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const toPerson = (personId: string): Recipient => ({ kind: 'person', personId });
const wecomChat = (userId: string, personId: string | null = null): Recipient => ({ kind: 'conversation', platform: 'wecom', conversationId: userId, conversationType: 'direct', personId });
const message = (key: string, to: Recipient, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({ dedupeKey: key, to, views: [{ type: 'text', text: key }], urgent: true, ...extra });
const enqueueAll = (app: App, at: Date, messages: OutgoingMessage[]) =>
  app.uow.run(async (tx) => {
    for (const m of messages) await app.deps.repos.outbox.enqueue(tx, m, at);
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records deliveries after a random delay; tracks how many are in flight, overall and per recipient. */
class SlowNotifier implements Notifier {
  readonly delivered: OutboxRecord[] = [];
  maxInFlight = 0;
  overlapping = 0;
  private inFlight = 0;
  private readonly busy = new Set<string>();
  failFor = new Set<string>();
  attempts: string[] = [];

  constructor(private readonly maxDelayMs = 3) {}

  async deliver(m: OutboxRecord): Promise<void> {
    const key = recipientKey(m.to);
    this.attempts.push(m.dedupeKey);
    if (this.busy.has(key)) this.overlapping++;
    this.busy.add(key);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await sleep(Math.random() * this.maxDelayMs);
      if (this.failFor.has(key)) throw new Error('HTTP 502');
      this.delivered.push(m);
    } finally {
      this.inFlight--;
      this.busy.delete(key);
    }
  }
}

/** Each recipient's keys `<prefix>:<recipient>:<n>` arrived with n ascending and none twice. */
function expectInOrderPerRecipient(keys: string[]): void {
  const last = new Map<string, number>();
  for (const k of keys) {
    const [, who, n] = k.split(':');
    expect(Number(n)).toBeGreaterThan(last.get(who!) ?? -1);
    last.set(who!, Number(n));
  }
}

it('delivers 1,000 messages to 200 recipients concurrently, each recipient\'s in order, one at a time per recipient', async () => {
  h = await startHarness();
  const notifier = new SlowNotifier();
  const outbox = new OutboxDispatcher(h.app.uow, createOutboxStore(), notifier, h.clock, silentLogger, { batchSize: 150, concurrency: 24 });
  await enqueueAll(h.app, h.clock.now(), Array.from({ length: 1000 }, (_, i) => message(`m:p${i % 200}:${Math.floor(i / 200)}`, toPerson(`p${i % 200}`))));
  expect(await outbox.deliverDue()).toBe(1000);
  const keys = notifier.delivered.map((m) => m.dedupeKey);
  expect(new Set(keys).size).toBe(1000);
  expectInOrderPerRecipient(keys);
  expect(notifier.maxInFlight).toBeGreaterThan(1);
  expect(notifier.maxInFlight).toBeLessThanOrEqual(24);
  expect(notifier.overlapping).toBe(0);
  expect(await h.app.dataSource.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")).toEqual([{ status: 'sent', n: 1000 }]);
});

it('a failing recipient gets nothing more in the run, and holds up nobody else', async () => {
  h = await startHarness();
  const notifier = new SlowNotifier(1);
  notifier.failFor.add('person:broken');
  const outbox = new OutboxDispatcher(h.app.uow, createOutboxStore(), notifier, h.clock, silentLogger, { batchSize: 40, concurrency: 8 });
  const messages = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? message(`m:broken:${i}`, toPerson('broken'), { urgent: false }) : message(`m:p${i % 10}:${i}`, toPerson(`p${i % 10}`))));
  await enqueueAll(h.app, h.clock.now(), messages);
  expect(await outbox.deliverDue()).toBe(270);
  expect(notifier.attempts.filter((k) => k.startsWith('m:broken:'))).toEqual(['m:broken:0']); // the rest wait behind it, in order
  expectInOrderPerRecipient(notifier.delivered.map((m) => m.dedupeKey));
  const rows: { status: string; attempts: number; claim_until: number | null; n: number }[] = await h.app.dataSource.query(
    "SELECT status, attempts, claim_until, COUNT(*) AS n FROM outbox WHERE dedupe_key LIKE 'm:broken:%' GROUP BY status, attempts, claim_until ORDER BY attempts",
  );
  expect(rows).toEqual([
    { status: 'pending', attempts: 0, claim_until: null, n: 29 }, // released, not left claimed
    { status: 'pending', attempts: 1, claim_until: null, n: 1 },
  ]);
  // once it works again, everything goes, in order
  notifier.failFor.clear();
  h.clock.advanceHours(1);
  expect(await outbox.deliverDue()).toBe(30);
  expect(notifier.delivered.filter((m) => m.dedupeKey.startsWith('m:broken:')).map((m) => Number(m.dedupeKey.split(':')[2]))).toEqual(
    Array.from({ length: 30 }, (_, i) => i * 10),
  );
});

it('a full batch that all has to wait (quiet hours) does not hold up the replies queued behind it', async () => {
  h = await startHarness({ now: '2026-11-23T14:00:00Z' }); // Monday 22:00 in Shanghai
  const quiet = { isWorkingTime: () => false, nextWorkingInstant: (at: Date) => new Date(at.getTime() + 3600_000) };
  const outbox = new OutboxDispatcher(h.app.uow, createOutboxStore(), h.notifier, h.clock, silentLogger, { batchSize: 5, quietHours: quiet });
  await enqueueAll(h.app, h.clock.now(), [
    ...Array.from({ length: 12 }, (_, i) => message(`n:p${i}:0`, toPerson(`p${i}`), { urgent: false })),
    ...Array.from({ length: 3 }, (_, i) => message(`r:u${i}:0`, wecomChat(`u${i}`))),
  ]);
  expect(await outbox.deliverDue()).toBe(3);
  expect(h.notifier.delivered.map((m) => m.dedupeKey)).toEqual(['r:u0:0', 'r:u1:0', 'r:u2:0']);
});

it('keeps its claim alive through a batch that takes longer than the claim: another instance sends nothing twice', async () => {
  h = await startHarness();
  const clock = h.clock;
  let other: OutboxDispatcher;
  const byOther: string[] = [];
  const slow: Notifier = {
    async deliver(m) {
      clock.advanceHours(0.4 / 3600); // each send takes 0.4 s of the 1 s claim
      h!.notifier.delivered.push(m);
      if (m.dedupeKey === 'm:zhangsan:6') expect(await other.deliverDue()).toBe(0); // 2.8 s in: the claim would have run out twice
    },
  };
  const outbox = new OutboxDispatcher(h.app.uow, createOutboxStore(), slow, clock, silentLogger, { holder: 'a', claimMs: 1000 });
  other = new OutboxDispatcher(h.app.uow, createOutboxStore(), { deliver: async (m) => void byOther.push(m.dedupeKey) }, clock, silentLogger, { holder: 'b', claimMs: 1000 });
  await enqueueAll(h.app, clock.now(), Array.from({ length: 12 }, (_, i) => message(`m:zhangsan:${i}`, toPerson('zhangsan'))));
  expect(await outbox.deliverDue()).toBe(12);
  expect(byOther).toEqual([]);
  expect(h.notifier.delivered.map((m) => m.dedupeKey)).toEqual(Array.from({ length: 12 }, (_, i) => `m:zhangsan:${i}`));
});

describe('per-minute limits', () => {
  it('31 replies in one WeCom member\'s chat: 30 go out, the 31st the moment the minute frees up', async () => {
    h = await startHarness(); // policy: per_minute { channel: 20, person: 30 }
    const t0 = h.clock.now().getTime();
    await enqueueAll(h.app, h.clock.now(), Array.from({ length: 31 }, (_, i) => message(`r:ZhangSan:${i}`, wecomChat('ZhangSan', 'zhangsan'), { urgent: false })));
    expect(await h.app.outbox.deliverDue()).toBe(30);
    const [waiting] = await h.app.dataSource.query("SELECT dedupe_key, next_attempt_at, claim_until FROM outbox WHERE status = 'pending'");
    expect(waiting).toEqual({ dedupe_key: 'r:ZhangSan:30', next_attempt_at: t0 + 60_000, claim_until: null });
    h.clock.advanceHours(59 / 3600);
    expect(await h.app.outbox.deliverDue()).toBe(0);
    h.clock.advanceHours(1 / 3600);
    expect(await h.app.outbox.deliverDue()).toBe(1);
    expect(h.notifier.delivered.map((m) => m.dedupeKey)).toEqual(Array.from({ length: 31 }, (_, i) => `r:ZhangSan:${i}`));
  });

  it('notifications to a person and replies in their WeCom chat count together; DingTalk chat replies count against nothing', async () => {
    h = await startHarness();
    const now = h.clock.now();
    await enqueueAll(h.app, now, [
      ...Array.from({ length: 20 }, (_, i) => message(`n:zhangsan:${i}`, toPerson('zhangsan'))),
      ...Array.from({ length: 15 }, (_, i) => message(`r:ZhangSan:${i}`, wecomChat('ZhangSan', 'zhangsan'), { urgent: false })),
      ...Array.from({ length: 40 }, (_, i) => message(`d:lisi:${i}`, { kind: 'conversation', platform: 'dingtalk', conversationId: 'cid-lisi', conversationType: 'direct', personId: 'lisi' })),
    ]);
    await h.app.outbox.deliverDue();
    const sent = h.notifier.delivered.map((m) => m.dedupeKey);
    expect(sent.filter((k) => k.startsWith('n:') || k.startsWith('r:'))).toHaveLength(30);
    expect(sent.filter((k) => k.startsWith('d:'))).toHaveLength(40);
  });

  it('two instances, each with its own WecomNotifier, keep one member at 30 a minute together (counted in the database)', async () => {
    h = await startHarness();
    const clock = h.clock;
    const wecom = await new FakeWecom({ corpId: 'ww1', agentId: 1000002, secret: 's', token: 't', encodingAesKey: 'a'.repeat(43), now: () => clock.now().getTime() }).start();
    try {
      const instance = (holder: string) => {
        const api = new WecomApi({ apiBase: wecom.baseUrl, corpId: 'ww1', secret: 's', agentId: 1000002 }, clock);
        const notifier = new WecomNotifier({ api, directory: h!.app.deps.directory, webhooks: {}, uow: h!.app.uow, cards: createCardDeliveryStore(), clock, log: silentLogger });
        return new OutboxDispatcher(h!.app.uow, createOutboxStore(), notifier, clock, silentLogger, { holder, perMinute: { channel: 20, person: 30 } });
      };
      const [a, b] = [instance('a'), instance('b')];
      // 20 notifications to zhangsan (WeCom member ZhangSan) through a ...
      await enqueueAll(h.app, clock.now(), Array.from({ length: 20 }, (_, i) => message(`n:zhangsan:${i}`, toPerson('zhangsan'))));
      expect(await a.deliverDue()).toBe(20);
      // ... then 11 replies in ZhangSan's chat through b, whose own limiter has seen nothing
      clock.advanceHours(10 / 3600);
      await enqueueAll(h.app, clock.now(), Array.from({ length: 11 }, (_, i) => message(`r:ZhangSan:${i}`, wecomChat('ZhangSan', 'zhangsan'), { urgent: false })));
      expect(await b.deliverDue()).toBe(10);
      expect(wecom.sent.filter((m) => m.touser === 'ZhangSan')).toHaveLength(30);
      clock.advanceHours(50 / 3600); // the first notifications leave the minute
      expect(await b.deliverDue()).toBe(1);
      expect(wecom.textsTo('ZhangSan').at(-1)).toBe('r:ZhangSan:10');
      expect(wecom.tokenRequests).toHaveLength(2); // one token per instance, not one per message
    } finally {
      await wecom.stop();
    }
  });
});

// Two instances on one SQLite file are two processes (tests/processes.test.ts): in one process,
// better-sqlite3's busy wait would block the very thread the lock holder needs.
describe('two instances on one database deliver each message exactly once, in order per recipient', () => {
  const targets: [string, () => Promise<string>][] = [];
  if (process.env.TEST_POSTGRES_URL_REACHABLE === '1') targets.push(['PostgreSQL', () => ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'outbox_two')]);
  if (process.env.TEST_MYSQL_URL_REACHABLE === '1') targets.push(['MySQL', () => ownDatabase('mysql', process.env.TEST_MYSQL_URL!, 'outbox_two')]);
  if (targets.length === 0) it.skip('(no PostgreSQL or MySQL reachable)', () => undefined);

  it.each(targets)('%s', async (_name, url) => {
    const databaseUrl = await url();
    const policy = parsePolicy(EXAMPLE_POLICY.replace('quiet_hours: true', 'quiet_hours: false'), 'policy.yaml');
    const clock = { now: () => new Date() };
    const delivered: { key: string; by: string }[] = [];
    const notifierOf = (by: string): Notifier => ({
      async deliver(m) {
        await sleep(Math.random() * 2);
        delivered.push({ key: m.dedupeKey, by });
      },
    });
    const apps: App[] = [];
    for (const by of ['a', 'b']) {
      // one after the other: the first one migrates the fresh database
      apps.push(await createApp({ databaseUrl, policy, notifier: notifierOf(by), clock, log: silentLogger, outbox: { holder: by, batchSize: 25, concurrency: 8 } }));
    }
    try {
      await enqueueAll(apps[0]!, new Date(), Array.from({ length: 600 }, (_, i) => message(`two:p${i % 60}:${Math.floor(i / 60)}`, toPerson(`p${i % 60}`))));
      for (let round = 0; round < 20 && delivered.length < 600; round++) await Promise.all(apps.map((app) => app.outbox.deliverDue()));
      const keys = delivered.map((d) => d.key);
      expect(keys).toHaveLength(600);
      expect(new Set(keys).size).toBe(600);
      expectInOrderPerRecipient(keys);
      expect(new Set(delivered.map((d) => d.by))).toEqual(new Set(['a', 'b']));
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  }, 60_000);
});

describe('slices of the event loop', () => {
  /** Slices the test lets go one at a time. */
  class GatedSlices {
    readonly waiting: (() => void)[] = [];
    take(): Promise<void> {
      return new Promise((resolve) => this.waiting.push(resolve));
    }
    releaseAll(): void {
      for (const go of this.waiting.splice(0)) go();
    }
  }
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };

  it('waits for a slice before each claim, each send and each outcome', async () => {
    h = await startHarness();
    const slices = new GatedSlices();
    const outbox = new OutboxDispatcher(h.app.uow, createOutboxStore(), h.notifier, h.clock, silentLogger, { slices });
    await enqueueAll(h.app, h.clock.now(), [message('s:a:0', toPerson('zhangsan')), message('s:b:0', toPerson('lisi'))]);
    const run = outbox.deliverDue();
    await settle();
    expect(slices.waiting).toHaveLength(1); // the claim waits
    slices.releaseAll();
    await settle();
    expect(slices.waiting).toHaveLength(2); // one per recipient, before its send
    expect(h.notifier.delivered).toHaveLength(0);
    slices.releaseAll();
    await settle();
    expect(h.notifier.delivered).toHaveLength(2);
    expect(slices.waiting).toHaveLength(2); // each answer waits before it is recorded
    while (slices.waiting.length) {
      slices.releaseAll();
      await settle();
    }
    expect(await run).toBe(2);
  });

  it('never waits forever: while accepts keep coming (one step per turn), every message is still sent', async () => {
    h = await startHarness();
    const slices = new LoopSlices({ urgent: () => true });
    const outbox = new OutboxDispatcher(h.app.uow, createOutboxStore(), h.notifier, h.clock, silentLogger, { slices });
    await enqueueAll(h.app, h.clock.now(), Array.from({ length: 30 }, (_, i) => message(`u:${i % 5}:${i}`, toPerson(i % 2 ? 'zhangsan' : 'lisi'))));
    expect(await outbox.deliverDue()).toBe(30);
    expect(slices.waitingSteps).toBe(0);
  });

  it('records the answers that come in one turn of the event loop in one transaction', async () => {
    h = await startHarness();
    // Each answer comes in its own timer callback, all in one timers phase.
    const answers: OutboxRecord[] = [];
    const notifier: Notifier = { deliver: (m) => new Promise((resolve) => setTimeout(() => resolve(void answers.push(m)), 1)) };
    const outbox = new OutboxDispatcher(h.app.uow, createOutboxStore(), notifier, h.clock, silentLogger);
    const people = ['zhangsan', 'lisi', 'wangwu', 'zhaoliu'];
    await enqueueAll(h.app, h.clock.now(), people.map((p) => message(`t:${p}:0`, toPerson(p))));
    let runs = 0;
    const run = h.app.uow.run.bind(h.app.uow);
    h.app.uow.run = (work) => (runs++, run(work));
    expect(await outbox.deliverDue()).toBe(4);
    expect(answers).toHaveLength(4);
    // The claim, one transaction for the four answers (they came in one turn), the claim that finds nothing.
    expect(runs).toBe(3);
  });
});
