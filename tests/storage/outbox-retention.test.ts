// Outbox retention on SQLite, PostgreSQL and MySQL (the real migration): after outbox.retention_days
// the content of a sent message is emptied in bounded batches while its key still dedupes; pending
// and dead messages keep theirs; card handles are deleted unless an approval step still pending may
// need them for its update.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import type { UnitOfWork } from '../../handlers/ports';
import { outboxRetentionJob } from '../../schedules/jobs';
import { dataSourceOptions, parseDatabaseUrl, type DatabaseKind } from '../../storage/data-source';
import { syncDirectory } from '../../storage/directory-sync';
import { createCardDeliveryStore, createOutboxStore, createRepositories } from '../../storage/repositories';
import { createUnitOfWork } from '../../storage/unit-of-work';
import { ownDatabase } from '../support/own-database';

const TARGETS: [DatabaseKind, string | undefined, boolean][] = [
  ['sqlite', `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-retention-')), 'db.sqlite')}`, true],
  ['postgres', process.env.TEST_POSTGRES_URL, process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['mysql', process.env.TEST_MYSQL_URL, process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter((t) => !t[2]).map((t) => [t[0]] as const);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

const DAY = 86_400_000;

describe.each(TARGETS.filter((t) => t[2]).map((t) => [t[0], t[1]!] as const))('%s', (kind, url) => {
  let ds: DataSource;
  let uow: UnitOfWork;
  const repos = createRepositories();
  const outbox = createOutboxStore();
  const cards = createCardDeliveryStore();
  const t0 = new Date('2026-01-05T02:00:00Z');

  beforeAll(async () => {
    const target = kind === 'sqlite' ? url : await ownDatabase(kind, url, 'outbox_retention');
    ds = await new DataSource(dataSourceOptions(parseDatabaseUrl(target))).initialize();
    await ds.runMigrations({ transaction: 'each' });
    uow = createUnitOfWork(ds, kind);
    await syncDirectory(uow, ['zhangsan', 'lisi', 'wangwu'].map((id) => ({ id, name: id, roles: ['sales'], identities: [] })));
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
  });

  const rows = async () =>
    (await ds.query('SELECT dedupe_key, views, status, recipient_key, sent_at, pruned_at FROM outbox ORDER BY id')) as {
      dedupe_key: string;
      views: unknown;
      status: string;
      recipient_key: string;
      sent_at: string | number | null;
      pruned_at: string | number | null;
    }[];
  const viewsOf = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as unknown[];

  it('empties sent messages older than the period in bounded batches, keeps pending and dead ones, and still dedupes', async () => {
    const message = (i: number) => ({ dedupeKey: `notice:${i}`, to: { kind: 'person' as const, personId: 'lisi' }, views: [{ type: 'text' as const, text: `身份证 110101199001011234 #${i}` }] });
    await uow.run(async (tx) => {
      for (let i = 0; i < 7; i++) await repos.outbox.enqueue(tx, message(i), t0);
    });
    const ids = (await ds.query('SELECT id FROM outbox ORDER BY id')).map((r: { id: number | string }) => Number(r.id));
    await uow.run(async (tx) => {
      await outbox.markSent(tx, ids.slice(0, 5), t0); // 0–4 sent
      await outbox.markFailed(tx, ids[5]!, 'gave up', null); // 5 dead, 6 pending
    });
    const job = (days: number) => outboxRetentionJob({ uow, workflow: undefined as never, deliver: async () => undefined }, { retentionDays: days, batchSize: 2, maxBatches: 2 });

    expect(await job(90).run(new Date(t0.getTime() + 89 * DAY))).toEqual({ messages: 0, cardRecords: 0 });
    const later = new Date(t0.getTime() + 91 * DAY);
    expect(await job(90).run(later)).toEqual({ messages: 4, cardRecords: 0 }); // two batches of two: bounded
    expect(await job(90).run(later)).toEqual({ messages: 1, cardRecords: 0 });
    expect(await job(90).run(later)).toEqual({ messages: 0, cardRecords: 0 });

    const after = await rows();
    expect(after.map((r) => viewsOf(r.views).length)).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(JSON.stringify(after.slice(0, 5))).not.toContain('110101199001011234');
    expect(after.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'dead', 'pending']);
    expect(after.slice(0, 5).every((r) => r.recipient_key === after[6]!.recipient_key && Number(r.sent_at) === t0.getTime())).toBe(true);
    expect(after.slice(0, 5).every((r) => Number(r.pruned_at) === later.getTime())).toBe(true);
    // The key still dedupes: a job queueing the same notice again sends nothing twice.
    expect(await uow.run((tx) => repos.outbox.enqueue(tx, message(0), later))).toBe(false);
    expect(await rows()).toHaveLength(7);
  });

  it('deletes card handles no update can need: used ones and all but those of pending approval steps', async () => {
    const stepId = await uow.run(async (tx) => {
      const customer = await repos.customers.insert(tx, 'KH-000001', { name: '华东日报社', aliases: [], tier: 'A', ownerId: 'zhangsan', nextFollowUpDue: null, createdAt: t0 });
      const contract = await repos.contracts.insert(tx, 'HT-2026-0001', {
        title: '合同', customerId: customer.id, type: 'sales', amountFen: 100_000, risk: 'low', startDate: null, endDate: null, autoRenew: false,
        paymentTerms: null, currency: 'CNY', ownerId: 'zhangsan', status: 'in_approval', version: 1, round: 1, routeRule: 'x', routeExplanation: null,
        submittedAt: t0, signedDate: null, createdAt: t0,
      });
      const step = { contractId: contract.id, version: 1, round: 1, seq: 1, role: 'sales_manager' as const, assigneeId: 'lisi', actingFor: null, hours: 8, activatedAt: t0, dueAt: t0,
        reminderCount: 0, lastRemindedAt: null, nextReminderAt: null, lastUrgedAt: null, decidedAt: null, decidedBy: null, decidedActingFor: null, comment: null };
      const [pending, decided] = await repos.steps.insertMany(tx, [
        { ...step, status: 'pending' },
        { ...step, seq: 2, status: 'approved', decidedAt: t0, decidedBy: 'wangwu' },
      ]);
      const record = (cardKey: string, recipient: string, sentAt: Date) => cards.record(tx, { platform: 'wecom', cardKey, recipient, handle: `code-${cardKey}-${recipient}`, sentAt });
      await record(`approval:${pending!.id}`, 'lisi', t0); // kept: its step may still be decided
      await record(`approval:${pending!.id}`, 'zhangsan', t0); // used below: deleted
      await record(`approval:${decided!.id}`, 'wangwu', t0); // decided: deleted
      await record('contract:1', 'zhangsan', t0); // never updated: deleted
      await record('customer:1', 'zhangsan', t0);
      await record(`approval:${decided!.id}`, 'zhaoliu', new Date(t0.getTime() + 80 * DAY)); // recent: kept
      return pending!.id;
    });
    await uow.run(async (tx) => {
      const [zhangsan] = await cards.listUnused(tx, 'wecom', `approval:${stepId}`, 'zhangsan');
      await cards.markUsed(tx, zhangsan!.id, t0);
    });
    const job = outboxRetentionJob({ uow, workflow: undefined as never, deliver: async () => undefined }, { retentionDays: 90, batchSize: 2, maxBatches: 10 });
    const result = (await job.run(new Date(t0.getTime() + 91 * DAY))) as { cardRecords: number };
    expect(result.cardRecords).toBe(4);
    const left = (await ds.query('SELECT card_key, recipient FROM card_delivery ORDER BY id')) as { card_key: string; recipient: string }[];
    expect(left.map((r) => `${r.card_key} ${r.recipient}`)).toEqual([`approval:${stepId} lisi`, expect.stringMatching(/^approval:\d+ zhaoliu$/)]);
    // The pending step's handle still serves its update.
    expect(await uow.run((tx) => cards.listUnused(tx, 'wecom', `approval:${stepId}`, 'lisi'))).toHaveLength(1);
  });
});
