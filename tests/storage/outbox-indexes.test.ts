// The outbox's two indexes keyed by recipient are partial on SQLite and PostgreSQL (migration
// 17645660000000): the recipient's queue holds pending rows only, the per-minute count sent rows only.
// A partial index serves only a query whose WHERE implies the index's: these tests capture the
// statements the outbox store really runs (claim, count) and ask the database's planner whether it
// can answer them from those indexes, so a change to either statement that loses them fails here.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource, type Logger } from 'typeorm';
import { recipientKey, type Recipient, type Tx } from '../../handlers/ports';
import { dataSourceOptions, parseDatabaseUrl, type DatabaseKind } from '../../storage/data-source';
import { createOutboxStore, createRepositories } from '../../storage/repositories';
import { createUnitOfWork } from '../../storage/unit-of-work';
import { ownDatabase } from '../support/own-database';

const TARGETS: [string, () => Promise<string>, boolean][] = [
  ['sqlite', async () => `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-')), 'db.sqlite')}`, true],
  ['postgres', () => ownDatabase('postgres', process.env.TEST_POSTGRES_URL!, 'outbox_indexes'), process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter((t) => !t[2]);
if (unreachable.length) describe.skip.each(unreachable.map((t) => [t[0]]))('%s (unreachable)', () => it('is not tested here', () => undefined));

interface Statement {
  sql: string;
  params: unknown[];
}

describe.each(TARGETS.filter((t) => t[2]).map(([kind, url]) => [kind, url] as const))('%s', (kind, databaseUrl) => {
  let ds: DataSource;
  const statements: Statement[] = [];

  beforeAll(async () => {
    ds = new DataSource(dataSourceOptions(parseDatabaseUrl(await databaseUrl())));
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    // Every statement, as the stores run it (on SQLite the hot path logs as TypeORM's runner does).
    const capture: Logger = {
      logQuery: (sql, params) => void statements.push({ sql, params: Array.isArray(params) ? params : [] }),
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    Object.assign(ds, { logger: capture });
  }, 60_000);
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
  });

  /** The planner's plan of `statement`, as one text; PostgreSQL is told to avoid a sequential scan (its tables here are tiny). */
  async function plan(statement: Statement): Promise<string> {
    const runner = ds.createQueryRunner();
    try {
      if (kind === 'postgres') await runner.query('SET enable_seqscan = off');
      const rows: Record<string, unknown>[] = await runner.query(`${kind === 'postgres' ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${statement.sql}`, statement.params);
      return rows.map((r) => String(r['QUERY PLAN'] ?? r.detail)).join('\n');
    } finally {
      await runner.release();
    }
  }

  const ran = (fragment: string): Statement => {
    const found = statements.find((s) => s.sql.includes(fragment));
    if (!found) throw new Error(`no statement with ${fragment}`);
    return found;
  };

  it('keeps the pending rows only in the queue index and the sent rows only in the count index', async () => {
    const table = kind === 'postgres' ? "SELECT indexname AS name, indexdef AS sql FROM pg_indexes WHERE tablename = 'outbox'" : "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' AND sql IS NOT NULL";
    // As each database writes it back, without its brackets, quotes and casts.
    const plain = (sql: string) => sql.replace(/[()"]|::text/g, '');
    const indexes = new Map(((await ds.query(table)) as { name: string; sql: string }[]).map((i) => [i.name, plain(i.sql)]));
    expect(indexes.get('IDX_outbox_recipient_order')).toMatch(/ WHERE status = 'pending'$/);
    expect(indexes.get('IDX_outbox_recipient_sent')).toMatch(/ WHERE sent_at IS NOT NULL$/);
  });

  it('answers the claim and the per-minute count from them, as the store runs them', async () => {
    const uow = createUnitOfWork(ds, kind as DatabaseKind);
    const queue = createRepositories().outbox;
    const outbox = createOutboxStore();
    const now = new Date('2026-12-01T02:00:00.000Z');
    const until = new Date(now.getTime() + 60_000);
    const run = <T>(work: (tx: Tx) => Promise<T>) => uow.run(work);
    const zhangsan: Recipient = { kind: 'person', personId: 'zhangsan' };
    const lisi: Recipient = { kind: 'person', personId: 'lisi' };
    await run((tx) =>
      queue.enqueueMany(tx, [zhangsan, lisi, zhangsan].map((to, i) => ({ dedupeKey: `idx:${i}`, to, views: [{ type: 'text' as const, text: `第 ${i} 条` }] })), now),
    );
    const first = await run((tx) => outbox.claimDue(tx, { now, limit: 1, holder: 'test', until }));
    expect(first.messages.map((m) => m.dedupeKey)).toEqual(['idx:0']);
    statements.length = 0;
    // The second message to zhangsan waits behind the first, which is claimed: the queue check at work.
    const second = await run((tx) => outbox.claimDue(tx, { now, limit: 10, holder: 'test', until }));
    expect(second.messages.map((m) => m.dedupeKey)).toEqual(['idx:1']);
    await run((tx) => outbox.markSent(tx, [first.messages[0]!.id], now));
    const counted = await run((tx) => outbox.sentSince(tx, [recipientKey(zhangsan), recipientKey(lisi)], new Date(now.getTime() - 60_000)));
    expect([...counted.entries()].map(([key, c]) => [key, c.count])).toEqual([[recipientKey(zhangsan), 1]]);

    expect(await plan(ran('FROM outbox e WHERE e.recipient_key'))).toContain('IDX_outbox_recipient_order');
    expect(await plan(ran('GROUP BY recipient_key'))).toContain('IDX_outbox_recipient_sent');
  });
});
