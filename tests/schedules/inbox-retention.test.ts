// Inbox retention: after inbox.retention_days the content of an inbound event is gone, its key still
// turns a redelivery into a duplicate; the job prunes in bounded batches under its lease.

import { silentLogger } from '../../bot/logger';
import { botJobs, inboxRetentionJob } from '../../schedules/jobs';
import { Scheduler } from '../../schedules/scheduler';
import { createLeaseStore } from '../../storage/repositories';
import { startHarness, type Harness, textMessage } from '../support/harness';

const message = (text: string, key: string) => textMessage(text, key);

const rows = (h: Harness) =>
  h.app.dataSource.query('SELECT delivery_key, payload, status, received_at, processed_at, pruned_at FROM inbox ORDER BY id') as Promise<
    { delivery_key: string; payload: string; status: string; received_at: number; processed_at: number | null; pruned_at: number | null }[]
  >;

it('prunes payloads older than retention_days in batches, keeps key, status and times, and still dedupes', async () => {
  const h = await startHarness();
  const jobDeps = { uow: h.app.uow, workflow: h.app.deps, deliver: () => h.app.outbox.deliverDue() };
  for (let i = 0; i < 5; i++) expect(await h.app.dispatcher.handle(message(`跟进 客户${i} 电话沟通 身份证 110101199001011234`, `wecom:old-${i}`))).toBe('processed');
  h.clock.advanceHours(24 * 29);
  expect(await h.app.dispatcher.handle(message('帮助', 'wecom:recent'))).toBe('processed');
  const before = await rows(h);
  expect(before.every((r) => r.payload.includes('"text"'))).toBe(true);

  // Day 29 after the old ones: nothing is old enough yet.
  const job = inboxRetentionJob(jobDeps, { retentionDays: 30, batchSize: 2, maxBatches: 2 });
  expect(await job.run(h.clock.now())).toBe(0);
  h.clock.advanceHours(24 + 1);
  expect(await job.run(h.clock.now())).toBe(4); // two batches of two: the run is bounded
  expect(await job.run(h.clock.now())).toBe(1); // the rest on the next run
  expect(await job.run(h.clock.now())).toBe(0);

  const after = await rows(h);
  expect(after.map((r) => r.payload)).toEqual([...Array(5).fill('{"pruned":true}'), before[5]!.payload]);
  expect(after.map((r) => r.payload).join()).not.toContain('110101199001011234');
  // Key, status and times are kept.
  after.forEach((r, i) => {
    expect(r).toMatchObject({ delivery_key: before[i]!.delivery_key, status: before[i]!.status, received_at: before[i]!.received_at, processed_at: before[i]!.processed_at });
  });
  expect(after.slice(0, 5).every((r) => Number(r.pruned_at) === h.clock.now().getTime())).toBe(true);

  // A late redelivery of a pruned event is still recognised, and changes nothing.
  await h.app.outbox.deliverDue();
  const sent = h.notifier.delivered.length;
  expect(await h.app.dispatcher.handle(message('跟进 客户0 电话沟通', 'wecom:old-0'))).toBe('duplicate');
  await h.app.outbox.deliverDue();
  expect(h.notifier.delivered.length).toBe(sent);
  expect(await rows(h)).toHaveLength(6);
  await h.close();
});

it('runs hourly among the bot jobs, under its lease, with the retention period of the policy', async () => {
  const h = await startHarness();
  await h.app.dispatcher.handle(message('帮助', 'wecom:one'));
  const jobs = botJobs({ uow: h.app.uow, workflow: h.app.deps, deliver: async () => undefined }, { reminders: { intervalHours: 4, copyManagerAfter: 2, alertChannelAfter: 3 }, notices: { expiryNoticeDays: [], renewalObjectionDays: 30, channels: {} }, inbox: { retentionDays: 2 }, outbox: { retentionDays: 90 } });
  const job = jobs.find((j) => j.name === 'inbox-retention')!;
  expect(job.cron).toMatch(/^\d+ \* \* \* \*$/);
  const scheduler = new Scheduler({ uow: h.app.uow, leases: createLeaseStore(), clock: h.clock, timezone: 'Asia/Shanghai', log: silentLogger });
  h.clock.advanceHours(47);
  expect(await scheduler.runOnce(job)).toBe(true);
  expect((await rows(h))[0]!.pruned_at).toBeNull();
  h.clock.advanceHours(2);
  expect(await scheduler.runOnce(job)).toBe(true);
  expect((await rows(h))[0]!.payload).toBe('{"pruned":true}');
  await h.close();
});
