// Bench section: the whole dispatch path (inbox → use-case → outbox → delivery) on each database,
// side by side in one run, one sequential stream of chat commands.

import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../../bot/app';
import { silentLogger } from '../../bot/logger';
import type { Notifier } from '../../handlers/ports';
import { examplePolicy, fixed, freshDatabase, serverDatabases, table, type BenchSection } from './section';

const policy = examplePolicy();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const sink: Notifier = { deliver: async () => undefined };
const monday10 = { now: () => new Date('2026-11-23T02:00:00Z') };

async function scenario(app: App): Promise<number> {
  let seq = 0;
  const say = async (who: string, text: string) => {
    await app.dispatcher.handle({
      kind: 'message.text',
      platform: 'console',
      deliveryKey: `bench:${++seq}`,
      senderIdentity: `console:${who}`,
      conversation: { id: who, type: 'direct' },
      text,
    });
  };
  const started = process.hrtime.bigint();
  for (let i = 1; i <= ROUNDS; i++) {
    const no = `HT-2026-${String(i).padStart(4, '0')}`;
    await say('zhangsan', `新建客户 名称:基准客户${i}号 等级:B 确认:是`);
    await say('zhangsan', `新建合同 客户:基准客户${i}号 金额:30万 类型:销售 标题:基准${i}`);
    await say('zhangsan', `提交 ${no}`);
    await say('lisi', `同意 ${no}`);
    await say('wangwu', `同意 ${no}`);
    await say('zhangsan', `合同 ${no}`);
  }
  await app.outbox.deliverDue();
  return Number(process.hrtime.bigint() - started) / 1e6 / (ROUNDS * 6);
}


export const chatScenarioSection: BenchSection = {
  name: 'chat',
  title: 'Chat commands, one at a time, on each database',
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-bot-bench-'));
    const targets: [string, string][] = [
      ['SQLite file (WAL)', `sqlite:${path.join(dir, 'bench.sqlite')}`],
      ['SQLite in memory', 'sqlite::memory:'],
      ...serverDatabases(),
    ];
    const rows: [string, number][] = [];
    for (const [name, url] of targets) {
      const unusable = await freshDatabase(url);
      if (unusable) {
        console.log(`${name}: ${unusable}, skipped`);
        continue;
      }
      const app = await createApp({ databaseUrl: url, policy, notifier: sink, clock: monday10, log: silentLogger });
      rows.push([name, await scenario(app)]);
      await app.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const base = rows[0]![1];
    const markdown =
      `${ROUNDS} rounds of 6 commands (新建客户, 新建合同, 提交, 同意 ×2, 合同) through \`Dispatcher.handle\`, one at a time, ` +
      'in-process (no HTTP), replies to a notifier that does nothing.\n\n' +
      table(['database', 'ms per command', 'relative to the SQLite file'], rows.map(([name, ms]) => [name, fixed(ms, 2), `${fixed(ms / base, 2)}×`]));
    console.log(markdown);
    return { markdown, headlines: [] };
  },
};
