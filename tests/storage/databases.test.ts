// The same migrations and repositories on SQLite (a file, WAL), PostgreSQL and MySQL/MariaDB.
// PostgreSQL and MySQL come from TEST_POSTGRES_URL / TEST_MYSQL_URL (tests/support/global-setup.js
// fills in the local services and checks they answer; an unreachable one's tests are skipped, or
// fail the run when REQUIRE_DATABASES=1, as in CI).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import type { NewStep, Repositories, Tx, UnitOfWork } from '../../handlers/ports';
import { normalizeWecom } from '../../bot/wecom/normalize';
import { parseWecomXml } from '../../bot/wecom/xml';
import { dataSourceOptions, parseDatabaseUrl, type DatabaseKind } from '../../storage/data-source';
import { createDirectoryStore, syncDirectory } from '../../storage/directory-sync';
import { createInboxStore, createOutboxStore, createRepositories } from '../../storage/repositories';
import { createUnitOfWork } from '../../storage/unit-of-work';

const sqliteFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-')), 'db.sqlite');
const TARGETS: [string, string, boolean][] = [
  ['sqlite', `sqlite:${sqliteFile}`, true],
  ['postgres', process.env.TEST_POSTGRES_URL!, process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['mysql', process.env.TEST_MYSQL_URL!, process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];

const databases = (reachable: boolean) => TARGETS.filter((t) => t[2] === reachable).map(([kind, url]) => [kind, url] as const);
const unreachable = databases(false);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

describe.each(databases(true))('%s', (kind, url) => {
  let ds: DataSource;
  let uow: UnitOfWork;
  let repos: Repositories;
  const run = <T>(work: (tx: Tx) => Promise<T>) => uow.run(work);

  beforeAll(async () => {
    ds = new DataSource(dataSourceOptions(parseDatabaseUrl(url)));
    await ds.initialize();
    await ds.dropDatabase(); // the test database belongs to the tests
    await ds.runMigrations({ transaction: 'each' });
    uow = createUnitOfWork(ds, kind as DatabaseKind);
    repos = createRepositories();
    await syncDirectory(uow, [
      { id: 'zhangsan', name: '张三', roles: ['sales'], manager: 'lisi', identities: ['wecom:ZhangSan'] },
      { id: 'lisi', name: '李四', roles: ['sales_manager'], identities: [] },
    ]);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
  });
  it('hands out sequence numbers once each, under concurrency', async () => {
    const values = await Promise.all(Array.from({ length: 10 }, () => run((tx) => repos.sequences.next(tx, 'HT-2026'))));
    expect([...values].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('round-trips a contract with money beyond 32 bits, dates, flags and instants', async () => {
    const now = new Date('2026-11-23T02:00:00.123Z');
    const customer = await run((tx) =>
      repos.customers.insert(tx, 'KH-000001', { name: '华东日报社', aliases: ['华东日报'], tier: 'A', ownerId: 'zhangsan', nextFollowUpDue: '2026-11-30', createdAt: now }),
    );
    expect(customer).toMatchObject({ code: 'KH-000001', aliases: ['华东日报'], createdAt: now });
    const contract = await run((tx) =>
      repos.contracts.insert(tx, 'HT-2026-0001', {
        title: '广告', customerId: customer.id, type: 'sales', amountFen: 12_000_000_000, risk: 'low', startDate: '2027-01-01',
        endDate: null, autoRenew: true, paymentTerms: null, currency: 'CNY', ownerId: 'zhangsan', status: 'draft', version: 1,
        round: 0, routeRule: null, routeExplanation: null, submittedAt: null, signedDate: null, createdAt: now,
      }),
    );
    const loaded = await run((tx) => repos.contracts.findByNumber(tx, 'HT-2026-0001'));
    expect(loaded).toMatchObject({ amountFen: 12_000_000_000, autoRenew: true, startDate: '2027-01-01', endDate: null, createdAt: now, version: 1 });
    // conditional update: applies once for the expected version, not again
    expect(await run((tx) => repos.contracts.update(tx, contract.id, { version: 1 }, { version: 2, title: '广告 v2' }))).toBe(true);
    expect(await run((tx) => repos.contracts.update(tx, contract.id, { version: 1 }, { version: 2, title: 'lost update' }))).toBe(false);
  });

  it('lets exactly one of two concurrent decisions of a step win', async () => {
    const contract = (await run((tx) => repos.contracts.findByNumber(tx, 'HT-2026-0001')))!;
    const step: NewStep = {
      contractId: contract.id, version: 2, round: 1, seq: 1, role: 'sales_manager', assigneeId: 'lisi', actingFor: null, status: 'pending',
      hours: 8, activatedAt: new Date(), dueAt: new Date(), reminderCount: 0, lastRemindedAt: null, nextReminderAt: null, lastUrgedAt: null, decidedAt: null,
      decidedBy: null, decidedActingFor: null, comment: null,
    };
    const template = { ...step }; // insertMany gives the object it inserts its id
    const [inserted] = await run((tx) => repos.steps.insertMany(tx, [step]));
    const results = await Promise.all(
      ['approved', 'rejected'].map((status) =>
        run((tx) => repos.steps.transition(tx, inserted!.id, 'pending', { status: status as 'approved', decidedBy: 'lisi', decidedAt: new Date() })),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    // The steps still to be decided by someone: pending and waiting ones, not decided ones.
    const later = await run((tx) => repos.steps.insertMany(tx, [{ ...template, seq: 2, status: 'waiting', activatedAt: null, dueAt: null }, { ...template, seq: 3, assigneeId: 'zhangsan' }]));
    const open = await run((tx) => repos.steps.listOpenForAssignees(tx, ['lisi'], 10));
    expect(open.map((s) => [s.id, s.status])).toEqual([[later[0]!.id, 'waiting']]);
    expect(await run((tx) => repos.steps.listOpenForAssignees(tx, ['lisi', 'zhangsan'], 1))).toHaveLength(1);
  });

  it('dedupes inbox deliveries and outbox keys, also when they race', async () => {
    const inbox = createInboxStore();
    const event = { deliveryKey: 'wecom:123', platform: 'wecom', kind: 'message.text', payload: { text: 'x' } };
    const accepted = await Promise.all([0, 1, 2].map(() => run((tx) => inbox.accept(tx, event, new Date()))));
    expect(accepted.filter(Boolean)).toHaveLength(1);
    const message = { dedupeKey: 'reminder:1:1', to: { kind: 'person' as const, personId: 'lisi' }, views: [] };
    expect(await run((tx) => repos.outbox.enqueue(tx, message, new Date()))).toBe(true);
    expect(await run((tx) => repos.outbox.enqueue(tx, message, new Date()))).toBe(false);
    const rows = await ds.query(`SELECT COUNT(*) AS n FROM outbox`);
    expect(Number(rows[0].n)).toBe(1);
  });

  it('stores the largest message a callback can carry (64 KB of control characters, quotes or CJK; a 500-digit MsgId)', async () => {
    const inbox = createInboxStore();
    // A WeCom body is at most 64 KB, so its decrypted XML at most 48 KB: the worst cases for the stored JSON.
    for (const [i, content] of ['\u0001'.repeat(48_000), '"'.repeat(48_000), '华'.repeat(16_000), '\ud800'.repeat(16_000)].entries()) {
      const xml = `<xml><FromUserName>zhangsan</FromUserName><MsgType>text</MsgType><MsgId>${String(i).repeat(500)}</MsgId><Content><![CDATA[${content}]]></Content></xml>`;
      const event = normalizeWecom(parseWecomXml(xml), xml)!;
      expect(event.deliveryKey.length).toBeLessThanOrEqual(200);
      const row = await run((tx) => inbox.accept(tx, { deliveryKey: event.deliveryKey, platform: 'wecom', kind: event.kind, payload: event as never }, new Date()));
      expect(row).not.toBeNull();
      const [stored] = await ds.query(`SELECT payload FROM inbox WHERE id = ${row!.id}`);
      expect(JSON.parse(stored.payload as string)).toEqual(JSON.parse(JSON.stringify(event)));
    }
  });

  it('lets one holder claim an inbox row until its claim runs out, and counts each attempt', async () => {
    const inbox = createInboxStore();
    const t0 = new Date(Date.now() + 7200_000);
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const event = { deliveryKey: 'wecom:claim-1', platform: 'wecom', kind: 'message.text', payload: { text: 'x' } };
    const row = (await run((tx) => inbox.accept(tx, event, t0, { holder: 'a', until: at(60) })))!;
    expect(row).toMatchObject({ status: 'received', attempts: 0, claimedBy: 'a', claimUntil: at(60) });
    // Held by a: nobody else takes it, and it is not offered to anyone, until the claim runs out.
    expect(await run((tx) => inbox.claim(tx, row.id, { holder: 'b', until: at(90), now: at(30) }))).toBeNull();
    expect((await run((tx) => inbox.listClaimable(tx, at(30), 100))).map((r) => r.id)).not.toContain(row.id);
    expect(await run((tx) => inbox.claim(tx, row.id, { holder: 'a', until: at(90), now: at(30) }))).toMatchObject({ attempts: 1, claimedBy: 'a' });
    // After the claim ran out (a died): offered again, and of two instances claiming at once one wins.
    expect((await run((tx) => inbox.listClaimable(tx, at(91), 100))).map((r) => r.id)).toContain(row.id);
    const claims = await Promise.all(['b', 'c'].map((holder) => run((tx) => inbox.claim(tx, row.id, { holder, until: at(200), now: at(91) }))));
    const winners = claims.filter((c) => c !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ attempts: 2, claimUntil: at(200) });
    const winner = winners[0]!.claimedBy!;
    const loser = winner === 'b' ? 'c' : 'b';

    // A finish by a holder whose claim was lost changes nothing, and its transaction is rolled back.
    const customersBefore = (await run((tx) => repos.customers.listAll(tx))).length;
    await expect(
      run(async (tx) => {
        await repos.customers.insert(tx, 'KH-CLAIM1', { name: '丢失的认领', aliases: [], tier: 'B', ownerId: 'zhangsan', nextFollowUpDue: null, createdAt: at(95) });
        const finished = [await inbox.finish(tx, row.id, 'a', 'done', at(95)), await inbox.finish(tx, row.id, loser, 'dead', at(95), 'x')];
        if (finished.some((f) => !f)) throw Object.assign(new Error(`claim lost: ${finished}`), { code: 'claim_lost', finished });
      }),
    ).rejects.toMatchObject({ code: 'claim_lost', finished: [false, false] });
    expect(await run((tx) => repos.customers.listAll(tx))).toHaveLength(customersBefore);
    expect(await run((tx) => inbox.release(tx, row.id, 'a', at(100), 'boom'))).toBe(false);
    const [unchanged] = await ds.query(`SELECT status, claimed_by, attempts, error FROM inbox WHERE id = ${row.id}`);
    expect(unchanged).toMatchObject({ status: 'received', claimed_by: winner, error: null });
    expect(Number(unchanged.attempts)).toBe(2);

    // The holder finishes it once; then nobody can claim or finish it again.
    expect(await run((tx) => inbox.finish(tx, row.id, winner, 'done', at(96)))).toBe(true);
    expect(await run((tx) => inbox.finish(tx, row.id, winner, 'done', at(97)))).toBe(false);
    expect(await run((tx) => inbox.claim(tx, row.id, { holder: loser, until: at(999), now: at(900) }))).toBeNull();
    expect((await run((tx) => inbox.listClaimable(tx, at(900), 100))).map((r) => r.id)).not.toContain(row.id);
  });

  it('hands an inbox row back for a retry that nobody takes before it is due', async () => {
    const inbox = createInboxStore();
    const t0 = new Date(Date.now() + 7200_000);
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const row = (await run((tx) => inbox.accept(tx, { deliveryKey: 'wecom:retry-1', platform: 'wecom', kind: 'message.text', payload: {} }, t0)))!;
    expect(row.claimedBy).toBeNull();
    expect(await run((tx) => inbox.claim(tx, row.id, { holder: 'a', until: at(60), now: t0 }))).toMatchObject({ attempts: 1 });
    expect(await run((tx) => inbox.release(tx, row.id, 'a', at(5), 'TypeError: boom'))).toBe(true);
    expect(await run((tx) => inbox.claim(tx, row.id, { holder: 'a', until: at(60), now: at(4) }))).toBeNull();
    expect(await run((tx) => inbox.claim(tx, row.id, { holder: 'b', until: at(60), now: at(5) }))).toMatchObject({ attempts: 2, claimedBy: 'b', error: 'TypeError: boom' });
    expect(await run((tx) => inbox.finish(tx, row.id, 'b', 'dead', at(6), 'TypeError: boom'))).toBe(true);
    const [dead] = await ds.query(`SELECT status FROM inbox WHERE id = ${row.id}`);
    expect(dead.status).toBe('dead');
  });

  it('prunes old finished inbox payloads in batches and keeps their keys', async () => {
    const inbox = createInboxStore();
    const old = new Date(Date.now() - 40 * 86_400_000);
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = (await run((tx) => inbox.accept(tx, { deliveryKey: `wecom:old-${i}`, platform: 'wecom', kind: 'message.text', payload: { text: `secret ${i}` } }, old, { holder: 'a', until: old })))!;
      await run((tx) => inbox.finish(tx, r.id, 'a', 'done', old));
      ids.push(r.id);
    }
    const open = (await run((tx) => inbox.accept(tx, { deliveryKey: 'wecom:old-open', platform: 'wecom', kind: 'message.text', payload: { text: 'unfinished' } }, old)))!;
    const recent = (await run((tx) => inbox.accept(tx, { deliveryKey: 'wecom:recent', platform: 'wecom', kind: 'message.text', payload: { text: 'recent' } }, new Date(), { holder: 'a', until: new Date() })))!;
    await run((tx) => inbox.finish(tx, recent.id, 'a', 'done', new Date()));

    expect(await run((tx) => inbox.prune(tx, cutoff, new Date(), 2))).toBe(2);
    expect(await run((tx) => inbox.prune(tx, cutoff, new Date(), 2))).toBe(1);
    expect(await run((tx) => inbox.prune(tx, cutoff, new Date(), 2))).toBe(0);
    const rows: { id: number; payload: string; delivery_key: string; status: string; pruned_at: unknown }[] = await ds.query(
      `SELECT id, payload, delivery_key, status, pruned_at FROM inbox WHERE id IN (${[...ids, open.id, recent.id].join(',')}) ORDER BY id`,
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    for (const id of ids) expect(byId.get(id)).toMatchObject({ payload: '{"pruned":true}', status: 'done' });
    expect(byId.get(open.id)!.payload).toContain('unfinished');
    expect(byId.get(recent.id)!.payload).toContain('recent');
    // The key still dedupes a redelivery.
    expect(await run((tx) => inbox.accept(tx, { deliveryKey: 'wecom:old-0', platform: 'wecom', kind: 'message.text', payload: { text: 'again' } }, new Date()))).toBeNull();
  });

  it('claims due outbox messages in batches, in order per recipient, each by one instance', async () => {
    const store = createOutboxStore();
    const now = new Date(Date.now() + 3600_000); // after everything enqueued by the tests above
    const until = new Date(now.getTime() + 60_000);
    const earlier = await run(async (tx) => (await store.claimDue(tx, { now, limit: 10_000, holder: 'setup', until })).messages);
    await run((tx) => store.markSent(tx, earlier.map((m) => m.id), now));
    const to = { kind: 'person' as const, personId: 'zhangsan' };
    await run((tx) => repos.outbox.enqueue(tx, { dedupeKey: 'order:1', to, views: [] }, now));
    await run((tx) => repos.outbox.enqueue(tx, { dedupeKey: 'order:2', to, views: [] }, now));
    await run((tx) => repos.outbox.enqueue(tx, { dedupeKey: 'order:3', to, views: [], urgent: true }, now));
    await run((tx) => repos.outbox.enqueue(tx, { dedupeKey: 'other:1', to: { kind: 'channel', channel: 'x' }, views: [] }, now));
    const keys = (ms: { dedupeKey: string }[]) => ms.map((m) => m.dedupeKey);
    // a claims the oldest message only; b, right after, cannot overtake it
    const first = await run(async (tx) => (await store.claimDue(tx, { now, limit: 1, holder: 'a', until })).messages);
    expect(first).toMatchObject([{ dedupeKey: 'order:1', status: 'pending', attempts: 0, to, urgent: false }]);
    // while order:1 is being sent (claimed), order:2 waits; the urgent order:3 does not
    const second = await run(async (tx) => (await store.claimDue(tx, { now, limit: 100, holder: 'b', until })).messages);
    expect(keys(second)).toEqual(['order:3', 'other:1']);
    expect(await run(async (tx) => (await store.claimDue(tx, { now, limit: 100, holder: 'c', until })).messages)).toEqual([]); // all claimed
    await run((tx) => store.markSent(tx, [first[0]!.id, ...second.map((m) => m.id)], now));
    expect(keys(await run(async (tx) => (await store.claimDue(tx, { now, limit: 100, holder: 'a', until })).messages))).toEqual(['order:2']);
    const status = await run((tx) => store.status(tx, now));
    expect(status).toMatchObject({ sent: earlier.length + 3, pending: 1, dead: 0 });
  });

  it('two instances claiming at once never hold one recipient together, and each holds the oldest first', async () => {
    const store = createOutboxStore();
    const now = new Date(Date.now() + 7200_000);
    const people = ['race-a', 'race-b', 'race-c', 'race-d', 'race-e', 'race-f'];
    await run(async (tx) => {
      for (let i = 0; i < 120; i++) await repos.outbox.enqueue(tx, { dedupeKey: `race:${i}`, to: { kind: 'person', personId: people[i % 6]! }, views: [] }, now);
    });
    const sentKeys: string[] = [];
    for (let round = 0; round < 40 && sentKeys.length < 120; round++) {
      const until = new Date(now.getTime() + 60_000);
      const [a, b] = await Promise.all([
        run(async (tx) => (await store.claimDue(tx, { now, limit: 7 + round, holder: 'a', until })).messages),
        run(async (tx) => (await store.claimDue(tx, { now, limit: 11, holder: 'b', until })).messages),
      ]);
      const mine = (ms: typeof a) => ms.filter((m) => m.dedupeKey.startsWith('race:'));
      const holderOf = new Map<string, string>();
      for (const [holder, ms] of [['a', mine(a)], ['b', mine(b)]] as const) {
        for (const m of ms) {
          const person = (m.to as { personId: string }).personId;
          expect(holderOf.get(person) ?? holder).toBe(holder); // one holder per recipient
          holderOf.set(person, holder);
          // the oldest unsent message of this person comes first: i.e. the next in the sequence
          const i = Number(m.dedupeKey.slice('race:'.length));
          const before = sentKeys.filter((k) => Number(k.slice('race:'.length)) % 6 === i % 6).length;
          const inBatch = ms.filter((x) => (x.to as { personId: string }).personId === person && x.id < m.id).length;
          expect(i).toBe((before + inBatch) * 6 + (i % 6));
        }
      }
      const claimed = [...mine(a), ...mine(b)];
      await run((tx) => store.markSent(tx, [...a, ...b].map((m) => m.id), now));
      sentKeys.push(...claimed.map((m) => m.dedupeKey));
    }
    expect(new Set(sentKeys).size).toBe(120);
    expect(sentKeys).toHaveLength(120);
  });

  it('binds every value as a parameter: a recipient key with quotes claims, counts and records like any other', async () => {
    const store = createOutboxStore();
    const now = new Date(Date.now() + 10_800_000);
    const until = new Date(now.getTime() + 60_000);
    const to = { kind: 'person' as const, personId: `o'brien"; DROP TABLE outbox; --` };
    await run((tx) => repos.outbox.enqueue(tx, { dedupeKey: `quote:'1"`, to, views: [{ type: 'text', text: "it's" }] }, now));
    await run((tx) => repos.outbox.enqueue(tx, { dedupeKey: `quote:'2"`, to, views: [] }, now));
    const claimed = (await run(async (tx) => (await store.claimDue(tx, { now, limit: 1000, holder: `h'"`, until })).messages)).filter((m) => m.dedupeKey.startsWith('quote:'));
    expect(claimed.map((m) => m.dedupeKey)).toEqual([`quote:'1"`, `quote:'2"`]);
    expect(claimed[0]).toMatchObject({ to, views: [{ type: 'text', text: "it's" }], urgent: false, sentAt: null });
    await run((tx) => store.markSent(tx, [claimed[0]!.id], new Date(now.getTime() - 30_000)));
    await run((tx) => store.defer(tx, [claimed[1]!.id], new Date(now.getTime() + 30_000), `limit 'reached'`));
    const key = `person:${to.personId}`;
    const counts = await run((tx) => store.sentSince(tx, [key, 'person:nobody'], new Date(now.getTime() - 60_000)));
    expect([...counts.entries()]).toEqual([[key, { count: 1, earliest: new Date(now.getTime() - 30_000) }]]);
    // the window is (since, now]: a send exactly at `since` has left it
    expect((await run((tx) => store.sentSince(tx, [key], new Date(now.getTime() - 30_000)))).size).toBe(0);
    // deferred: not due now, due after
    expect((await run(async (tx) => (await store.claimDue(tx, { now, limit: 1000, holder: 'x', until })).messages)).filter((m) => m.dedupeKey.startsWith('quote:'))).toEqual([]);
    const later = new Date(now.getTime() + 30_000);
    const again = (await run(async (tx) => (await store.claimDue(tx, { now: later, limit: 1000, holder: 'x', until: new Date(later.getTime() + 60_000) })).messages)).filter((m) => m.dedupeKey.startsWith('quote:'));
    expect(again.map((m) => m.dedupeKey)).toEqual([`quote:'2"`]);
    // released: claimable again at once; failed: retried later, then dead
    await run((tx) => store.release(tx, [again[0]!.id], 'x'));
    const third = (await run(async (tx) => (await store.claimDue(tx, { now: later, limit: 1000, holder: 'y', until: new Date(later.getTime() + 60_000) })).messages)).filter((m) => m.dedupeKey.startsWith('quote:'));
    expect(third.map((m) => m.id)).toEqual([again[0]!.id]);
    await run((tx) => store.markFailed(tx, again[0]!.id, `it's "broken"`, null));
    const rows: { status: string; attempts: number | string; last_error: string }[] = await ds.query(
      kind === 'postgres' ? 'SELECT status, attempts, last_error FROM outbox WHERE id = $1' : 'SELECT status, attempts, last_error FROM outbox WHERE id = ?',
      [again[0]!.id],
    );
    expect(rows.map((r) => ({ ...r, attempts: Number(r.attempts) }))).toEqual([{ status: 'dead', attempts: 1, last_error: `it's "broken"` }]);
    expect(await ds.query('SELECT COUNT(*) AS n FROM outbox')).toBeTruthy(); // the table is still there
  });

  it('accepts a batch in one transaction, and claims the next rows in batches (rows attempted before alone)', async () => {
    const inbox = createInboxStore();
    await ds.query("UPDATE inbox SET status = 'done' WHERE status = 'received'"); // earlier tests' rows
    const t0 = new Date(Date.now() + 9000_000);
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const ev = (k: number) => ({ deliveryKey: `wecom:batch-${k}`, platform: 'wecom', kind: 'message.text', payload: { text: `#${k}` } });
    const accepted = await run((tx) => inbox.acceptMany(tx, [ev(1), ev(2), ev(1), ev(3), ev(4), ev(5)], t0, { holder: 'a', until: at(60) }));
    expect(accepted.map((r) => r && r.deliveryKey)).toEqual(['wecom:batch-1', 'wecom:batch-2', null, 'wecom:batch-3', 'wecom:batch-4', 'wecom:batch-5']);
    expect(await run((tx) => inbox.acceptMany(tx, [ev(2), ev(6)], t0))).toEqual([null, expect.objectContaining({ deliveryKey: 'wecom:batch-6', attempts: 0 })]);
    const ids = accepted.filter((r) => r !== null).map((r) => r!.id);
    const [stored] = await ds.query(`SELECT claimed_by, status FROM inbox WHERE id = ${ids[1]}`);
    expect(stored).toEqual({ claimed_by: 'a', status: 'received' });

    // b cannot take a's rows before a's claim runs out: only the unclaimed one.
    const b = await run((tx) => inbox.claimNext(tx, { holder: 'b', until: at(90), now: at(30) }, 10, []));
    expect(b.map((r) => r.deliveryKey)).toEqual(['wecom:batch-6']);
    // a takes its own, oldest first, except the one it is busy with; each attempt counted.
    const a = await run((tx) => inbox.claimNext(tx, { holder: 'a', until: at(90), now: at(30) }, 3, [ids[0]!]));
    expect(a.map((r) => r.id)).toEqual(ids.slice(1, 4));
    expect(a.every((r) => r.attempts === 1 && r.claimedBy === 'a')).toBe(true);
    expect(a[0]!.payload).toEqual({ text: '#2' });

    // After the claims ran out, two instances claim at once: each row goes to one of them.
    const both = await Promise.all(['c', 'd'].map((holder) => run((tx) => inbox.claimNext(tx, { holder, until: at(200), now: at(100) }, 10, []))));
    const taken = both.flat().map((r) => r.id);
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.filter((id) => id === ids[0])).toHaveLength(1); // the oldest, never attempted: alone, as the next is not
    // A row attempted before is taken alone.
    const next = await run((tx) => inbox.claimNext(tx, { holder: 'c', until: at(300), now: at(100) }, 10, []));
    expect(next).toHaveLength(1);
    expect(next[0]!.attempts).toBe(2);
  });

  it('rolls a failed unit of work back completely', async () => {
    const before = await run((tx) => repos.customers.listAll(tx));
    await expect(
      run(async (tx) => {
        await repos.customers.insert(tx, 'KH-000002', { name: '回滚', aliases: [], tier: 'B', ownerId: 'zhangsan', nextFollowUpDue: null, createdAt: new Date() });
        throw Object.assign(new Error('boom'), { code: 'boom' });
      }),
    ).rejects.toMatchObject({ code: 'boom' });
    expect(await run((tx) => repos.customers.listAll(tx))).toHaveLength(before.length);
  });

  it('stores synced directory members: insert, update by (platform, user), revision moves, nothing deleted', async () => {
    const store = createDirectoryStore();
    const at = new Date('2026-11-23T02:00:00.000Z');
    const member = { platform: 'wecom' as const, userId: 'XiaoMing', personId: 'wecom-XiaoMing', name: '小明', managerUserId: 'LiSi', departments: ['2', '3'], active: true, updatedAt: at };
    const empty = await run((tx) => store.revision(tx));
    await run((tx) => store.saveMembers(tx, [member, { ...member, platform: 'dingtalk', userId: 'xm01', managerUserId: null, departments: ['11'] }]));
    const first = await run((tx) => store.revision(tx));
    expect(first).not.toBe(empty);
    const later = new Date(at.getTime() + 1000);
    await run((tx) => store.saveMembers(tx, [{ ...member, name: '肖明', active: false, updatedAt: later }]));
    expect(await run((tx) => store.revision(tx))).not.toBe(first);
    expect(await run((tx) => store.listMembers(tx))).toEqual([
      { ...member, platform: 'dingtalk', userId: 'xm01', managerUserId: null, departments: ['11'] },
      { ...member, name: '肖明', active: false, updatedAt: later },
    ]);
  });

  it('migrates down to nothing and up again', async () => {
    for (let i = 0; i < ds.migrations.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await ds.createQueryRunner().hasTable('card_delivery')).toBe(false);
    expect(await ds.createQueryRunner().hasTable('contract')).toBe(false);
    await ds.runMigrations({ transaction: 'each' });
    expect(await ds.createQueryRunner().hasTable('contract')).toBe(true);
  });
});
