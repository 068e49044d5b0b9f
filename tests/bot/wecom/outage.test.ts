// A WeCom outage of an hour: messages wait, are retried with backoff, and all arrive after it ends,
// in order per recipient.

import { startRig, stopRig, type Rig } from '../../support/wecom-rig';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(() => stopRig(rig));

it('delivers everything after an hour of errors, in order per recipient, backing off meanwhile', async () => {
  const start = rig.clock.now().getTime();
  rig.fake.outageUntil = start + 3600_000;
  await rig.app.uow.run(async (tx) => {
    for (const [person, n] of [['lisi', 4], ['wangwu', 3]] as const) {
      for (let i = 1; i <= n; i++) {
        await rig.app.deps.repos.outbox.enqueue(tx, { dedupeKey: `notice:${person}:${i}`, to: { kind: 'person', personId: person }, views: [{ type: 'text', text: `${person} 第 ${i} 条` }] }, rig.clock.now());
      }
    }
  });
  for (let minute = 0; minute <= 150; minute++) {
    await rig.app.outbox.deliverDue();
    rig.clock.advanceHours(1 / 60);
  }
  const texts = (user: string) => rig.fake.sent.filter((m) => m.touser === user).map((m) => (m.body.text as { content: string }).content);
  expect(texts('LiSi')).toEqual(['lisi 第 1 条', 'lisi 第 2 条', 'lisi 第 3 条', 'lisi 第 4 条']);
  expect(texts('WangWu')).toEqual(['wangwu 第 1 条', 'wangwu 第 2 条', 'wangwu 第 3 条']);
  expect(Math.min(...rig.fake.sent.map((m) => m.at))).toBeGreaterThanOrEqual(rig.fake.outageUntil); // none got through early
  // Backoff: 30 s, 1, 2, 4, 8, 16, 32 min … for the first message of each recipient; later ones wait behind it.
  const refused = rig.fake.refusedDuringOutage.map((t) => Math.round((t - start) / 60_000));
  expect(refused).toEqual([0, 0, 1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32, 32]);
  expect(await rig.app.dataSource.query("SELECT COUNT(*) AS n FROM outbox WHERE status <> 'sent'")).toEqual([{ n: 0 }]);
});
