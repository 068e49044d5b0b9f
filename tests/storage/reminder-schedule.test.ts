// The stored reminder schedule (approval_step.next_reminder_at) on SQLite, PostgreSQL and MySQL: the
// real migration's backfill of steps opened before it, and the reminder tick on top of it (the due
// steps read and held, their update in one statement, outbox and audit rows in bulk).
// PostgreSQL and MySQL get a database of their own (storage tests run in parallel).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { parsePolicy } from '../../bot/config';
import { SYSTEM, type Deps } from '../../handlers/context';
import { WorkingCalendar } from '../../handlers/domain/calendar';
import { Directory } from '../../handlers/domain/directory';
import type { UnitOfWork } from '../../handlers/ports';
import { nextReminderAt, remindOverdueApprovals, remindersDue } from '../../handlers/reminders';
import { dataSourceOptions, parseDatabaseUrl, type DatabaseKind } from '../../storage/data-source';
import { syncDirectory } from '../../storage/directory-sync';
import { MIGRATIONS } from '../../storage/migrations';
import { StepNextReminder1764500000000 } from '../../storage/migrations/1764500000000-step-next-reminder';
import { createRepositories } from '../../storage/repositories';
import { createUnitOfWork } from '../../storage/unit-of-work';
import { EXAMPLE_POLICY } from '../support/harness';
import { ownDatabase } from '../support/own-database';

const TARGETS: [DatabaseKind, string | undefined, boolean][] = [
  ['sqlite', `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reminder-schedule-')), 'db.sqlite')}`, true],
  ['postgres', process.env.TEST_POSTGRES_URL, process.env.TEST_POSTGRES_URL_REACHABLE === '1'],
  ['mysql', process.env.TEST_MYSQL_URL, process.env.TEST_MYSQL_URL_REACHABLE === '1'],
];
const unreachable = TARGETS.filter((t) => !t[2]).map((t) => [t[0]] as const);
if (unreachable.length) describe.skip.each(unreachable)('%s (unreachable)', () => it('is not tested here', () => undefined));

const policy = parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml');
const reminders = policy.reminders; // every 4 working hours; manager after 2, channel after 3
/** Monday 2026-11-23 10:00 in Shanghai. */
const NOW = new Date('2026-11-23T02:00:00Z');
const HOUR = 3_600_000;

describe.each(TARGETS.filter((t) => t[2]).map((t) => [t[0], t[1]!] as const))('%s', (kind, url) => {
  let ds: DataSource;
  let uow: UnitOfWork;
  let deps: Deps;
  const q = (name: string) => (kind === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const stepRow = async (id: number) =>
    (await ds.query(`SELECT reminder_count, last_reminded_at, next_reminder_at FROM approval_step WHERE id = ${id}`))[0] as Record<string, unknown>;
  const num = (v: unknown) => (v === null ? null : Number(v));

  // Steps as they stood before the migration: opened and reminded by the landed code.
  const dueFresh = NOW.getTime() - HOUR; // Monday 09:00: owes its first reminder
  const dueOld = new Date('2026-11-18T02:00:00Z'); // Wednesday 10:00: reminded up to now already
  let oldCount = 0;
  let oldLast = 0;

  beforeAll(async () => {
    const target = kind === 'sqlite' ? url : await ownDatabase(kind, url, 'reminders');
    const before = MIGRATIONS.filter((m) => m !== StepNextReminder1764500000000);
    ds = await new DataSource({ ...dataSourceOptions(parseDatabaseUrl(target)), migrations: before }).initialize();
    await ds.runMigrations({ transaction: 'each' });
    uow = createUnitOfWork(ds, kind);
    await syncDirectory(uow, policy.people);
    deps = { repos: createRepositories(), directory: new Directory(policy.people), policy: policy.workflow, calendar: new WorkingCalendar(policy.calendar) };
    oldCount = remindersDue(deps, { dueAt: dueOld }, NOW, reminders.intervalHours);
    oldLast = nextReminderAt(deps, dueOld, oldCount - 1, reminders.intervalHours).getTime();
    const t = NOW.getTime() - 100 * HOUR;
    await ds.query(`INSERT INTO customer (id, code, name, aliases, tier, owner_id, created_at) VALUES (1, 'KH-000001', '华东日报社', '[]', 'A', 'zhangsan', ${t})`);
    for (let c = 1; c <= 4; c++) {
      await ds.query(
        `INSERT INTO contract (id, ${q('number')}, title, customer_id, type, amount_fen, currency, risk, auto_renew, owner_id, status, version, ${q('round')}, created_at, updated_at) ` +
          `VALUES (${c}, 'HT-2026-000${c}', '合同${c}', 1, 'sales', 100, 'CNY', 'low', ${kind === 'postgres' ? 'false' : 0}, 'zhangsan', 'in_approval', 1, 1, ${t}, ${t})`,
      );
    }
    const step = (id: number, seq: number, status: string, due: number | null, count: number, last: number | null) =>
      ds.query(
        `INSERT INTO approval_step (id, contract_id, version, ${q('round')}, seq, role, assignee_id, status, hours, activated_at, due_at, reminder_count, last_reminded_at) ` +
          `VALUES (${id}, ${id <= 4 ? id : 4}, 1, 1, ${seq}, 'sales_manager', 'lisi', '${status}', 8, ${t}, ${due ?? 'NULL'}, ${count}, ${last ?? 'NULL'})`,
      );
    await step(1, 1, 'pending', dueFresh, 0, null);
    await step(2, 1, 'pending', dueOld.getTime(), oldCount, oldLast);
    await step(3, 1, 'approved', dueOld.getTime(), 1, dueOld.getTime());
    await step(4, 1, 'pending', NOW.getTime() + 5 * HOUR, 0, null); // not due yet
    await step(5, 2, 'waiting', null, 0, null);
    await ds.destroy();
    // The upgrade: the bot starts with every migration.
    ds = await new DataSource(dataSourceOptions(parseDatabaseUrl(target))).initialize();
    await ds.runMigrations({ transaction: 'each' });
    uow = createUnitOfWork(ds, kind);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
  });

  it('backfills a lower bound of the next reminder for open steps only, and adds the index', async () => {
    expect(num((await stepRow(1)).next_reminder_at)).toBe(dueFresh); // never reminded: the due time
    expect(num((await stepRow(2)).next_reminder_at)).toBe(oldLast); // reminded: the last reminder's time
    expect(num((await stepRow(4)).next_reminder_at)).toBe(NOW.getTime() + 5 * HOUR);
    expect((await stepRow(3)).next_reminder_at).toBeNull(); // decided
    expect((await stepRow(5)).next_reminder_at).toBeNull(); // waiting: no clock yet
    const runner = ds.createQueryRunner();
    const table = await runner.getTable('approval_step');
    await runner.release();
    expect(table!.indices.find((i) => i.name === 'IDX_approval_step_next_reminder')?.columnNames).toEqual(['status', 'next_reminder_at']);
  });

  it('first tick after the upgrade: reminds the step that owes one, moves the other to its exact next reminder, sends it nothing', async () => {
    const ctx = (tx: never) => ({ tx, actor: SYSTEM, now: NOW, platform: 'system' });
    expect(await uow.run((tx) => remindOverdueApprovals(deps, ctx(tx as never), reminders))).toBe(1);
    const outbox: { dedupe_key: string; recipient: string; views: string }[] = await ds.query('SELECT dedupe_key, recipient, views FROM outbox ORDER BY id');
    expect(outbox.map((o) => o.dedupe_key)).toEqual(['reminder:1:1']);
    expect(JSON.parse(outbox[0]!.recipient)).toEqual({ kind: 'person', personId: 'lisi' });
    expect(JSON.parse(outbox[0]!.views)[0].text).toContain('第 1 次提醒：合同 HT-2026-0001「合同1」');
    expect(await stepRow(1)).toMatchObject({ reminder_count: 1 });
    expect(num((await stepRow(1)).last_reminded_at)).toBe(NOW.getTime());
    expect(num((await stepRow(1)).next_reminder_at)).toBe(nextReminderAt(deps, new Date(dueFresh), 1, reminders.intervalHours).getTime());
    expect(num((await stepRow(2)).reminder_count)).toBe(oldCount);
    expect(num((await stepRow(2)).next_reminder_at)).toBe(nextReminderAt(deps, dueOld, oldCount, reminders.intervalHours).getTime());
    const audit: { action: string; detail: string; automatic: unknown }[] = await ds.query("SELECT action, detail, automatic FROM audit_event WHERE action = 'step.reminded'");
    expect(audit.map((a) => JSON.parse(a.detail))).toEqual([{ stepId: 1, n: 1 }]);
    expect(Boolean(Number(audit[0]!.automatic))).toBe(true);
    // The same minute again (a second instance, a restart): nothing is due, nothing is sent.
    expect(await uow.run((tx) => remindOverdueApprovals(deps, ctx(tx as never), reminders))).toBe(0);
    expect(Number((await ds.query('SELECT COUNT(*) AS n FROM outbox'))[0].n)).toBe(1);
  });

  it('writes a later reminder with the manager copy and the channel alert, once, when its time comes', async () => {
    const at = nextReminderAt(deps, dueOld, oldCount, reminders.intervalHours);
    const ctx = (tx: never) => ({ tx, actor: SYSTEM, now: at, platform: 'system' });
    expect(await uow.run((tx) => remindOverdueApprovals(deps, ctx(tx as never), reminders))).toBe(1);
    const n = oldCount + 1;
    const keys: { dedupe_key: string }[] = await ds.query("SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE '%:2:%' ORDER BY id");
    expect(keys.map((k) => k.dedupe_key)).toEqual([`reminder:2:${n}`, `reminder-manager:2:${n}`, `overdue-alert:2:${n}`]);
    // An outbox key enqueued already (another instance's tick) is skipped, not an error.
    await uow.run((tx) => deps.repos.outbox.enqueueMany(tx, [{ dedupeKey: `reminder:2:${n}`, to: { kind: 'person', personId: 'lisi' }, views: [] }], at));
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM outbox WHERE dedupe_key = 'reminder:2:${n}'`))[0].n)).toBe(1);
  });

  it('records reminders on the steps still pending only, and says how many (the tick rolls back on fewer)', async () => {
    const before3 = await stepRow(3);
    const next = NOW.getTime() + 7 * HOUR;
    const recorded = await uow.run((tx) =>
      deps.repos.steps.recordReminders(tx, [
        { id: 3, nextReminderAt: new Date(next), sent: { reminderCount: 5, at: NOW } }, // approved meanwhile
        { id: 4, nextReminderAt: new Date(next), sent: { reminderCount: 2, at: NOW } },
        { id: 1, nextReminderAt: new Date(next + 1) }, // only moved
      ]),
    );
    expect(recorded).toBe(2);
    expect(await stepRow(3)).toEqual(before3);
    expect([await stepRow(4), await stepRow(1)].map((r) => [num(r.reminder_count), num(r.last_reminded_at), num(r.next_reminder_at)])).toEqual([
      [2, NOW.getTime(), next],
      [1, NOW.getTime(), next + 1],
    ]);
    if (kind === 'sqlite') {
      // Stored as integers, as every other write stores them (not REAL).
      const types = await ds.query('SELECT typeof(reminder_count) AS a, typeof(last_reminded_at) AS b, typeof(next_reminder_at) AS c FROM approval_step WHERE id = 4');
      expect(types).toEqual([{ a: 'integer', b: 'integer', c: 'integer' }]);
    }
  });
});
