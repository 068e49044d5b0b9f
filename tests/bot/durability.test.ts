// Nothing is lost: an event accepted before a crash is processed after restart; a message that could
// not be sent waits in the outbox and is retried with backoff.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHarness, textMessage } from '../support/harness';

const event = (text: string, key: string) => textMessage(text, key, 'console:zhangsan');

it('processes an event accepted before a crash once the bot starts again, exactly once', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-')), 'bot.sqlite');
  const first = await startHarness({ databaseUrl: `sqlite:${file}` });
  // Accepted (acknowledged to the platform) but the process dies before processing it.
  expect(await first.app.dispatcher.accept(event('新建客户 名称:华东日报社 等级:A', 'wecom:msg-1'))).not.toBeNull();
  await first.app.dataSource.destroy();

  const second = await startHarness({ databaseUrl: `sqlite:${file}` });
  // The dead instance's claim on the event (inbox.claim_seconds, 60 s) protects it until it runs out.
  expect(await second.app.dispatcher.resumeUnfinished()).toBe(0);
  second.clock.set(new Date(second.clock.now().getTime() + 60_000).toISOString());
  expect(await second.app.dispatcher.resumeUnfinished()).toBe(1);
  expect(await second.app.dispatcher.resumeUnfinished()).toBe(0);
  // The platform's redelivery of the same message is recognised.
  expect(await second.app.dispatcher.handle(event('新建客户 名称:华东日报社 等级:A', 'wecom:msg-1'))).toBe('duplicate');
  await second.app.outbox.deliverDue();
  expect(await second.app.dataSource.query('SELECT code FROM customer')).toEqual([{ code: 'KH-000001' }]);
  expect(second.notifier.delivered.map((m) => m.dedupeKey)).toEqual(['reply:1']);
  await second.close();
});

it('keeps a message that could not be sent and retries it with backoff until it goes through', async () => {
  const h = await startHarness();
  h.notifier.failWith = new Error('platform down');
  await h.say('zhangsan', '帮助');
  const row = async () => (await h.app.dataSource.query('SELECT status, attempts, next_attempt_at FROM outbox'))[0];
  expect(await row()).toMatchObject({ status: 'pending', attempts: 1 });
  const firstRetry = Number((await row()).next_attempt_at) - h.clock.now().getTime();
  expect(firstRetry).toBe(30_000);

  await h.app.outbox.deliverDue(); // not due yet: nothing happens
  expect((await row()).attempts).toBe(1);
  h.clock.advanceHours(1);
  await h.app.outbox.deliverDue();
  expect(await row()).toMatchObject({ status: 'pending', attempts: 2 });
  expect(Number((await row()).next_attempt_at) - h.clock.now().getTime()).toBe(60_000); // doubled

  h.notifier.failWith = null;
  h.clock.advanceHours(1);
  await h.app.outbox.deliverDue();
  expect(await row()).toMatchObject({ status: 'sent', attempts: 3 });
  expect(h.notifier.delivered).toHaveLength(1);
  await h.close();
});

it('gives a message up as dead after the last attempt', async () => {
  const h = await startHarness();
  h.notifier.failWith = new Error('invalid recipient');
  await h.say('zhangsan', '帮助');
  for (let i = 0; i < 12; i++) {
    h.clock.advanceHours(2);
    await h.app.outbox.deliverDue();
  }
  expect((await h.app.dataSource.query('SELECT status, attempts, last_error FROM outbox'))[0]).toEqual({
    status: 'dead',
    attempts: 10,
    last_error: 'Error: invalid recipient',
  });
  await h.close();
});
