// The console transport end to end: stdin lines → dispatch (inbox, use-cases, outbox) → printed output.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createApp } from '../../bot/app';
import { parsePolicy } from '../../bot/config';
import { ConsoleNotifier, runConsole } from '../../bot/console/transport';
import { silentLogger } from '../../bot/logger';
import { Directory } from '../../handlers/domain/directory';
import { EXAMPLE_POLICY, FakeClock, MONDAY_10AM } from '../support/harness';

async function runScript(lines: string[], filesDir?: string) {
  const policy = parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml');
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk) => (printed += String(chunk)));
  const notifier = new ConsoleNotifier(output, new Directory(policy.people), filesDir);
  const app = await createApp({
    databaseUrl: 'sqlite::memory:',
    policy,
    notifier,
    clock: new FakeClock(new Date(MONDAY_10AM)),
    log: silentLogger,
  });
  const input = new PassThrough();
  const done = runConsole({ app, notifier, as: 'zhangsan', input, output });
  input.end(lines.join('\n') + '\n');
  await done;
  const status = (await app.dataSource.query("SELECT status FROM contract WHERE number = 'HT-2026-0001'"))[0]?.status;
  await app.close();
  return { printed, status };
}

it('runs a full scenario: customer → contract → submit → approve ×2 → signed', async () => {
  const { printed, status } = await runScript([
    '新建客户 名称:华东日报社 等级:A 别名:华东日报',
    '新建合同 客户:华东日报 金额:30万 类型:销售 标题:2027年度广告投放 结束:2027-12-31',
    '提交 HT-2026-0001',
    '/as lisi',
    '待办',
    '同意 HT-2026-0001 同意报价',
    '/as wangwu',
    '同意 HT-2026-0001',
    '/as zhangsan',
    '签订 HT-2026-0001',
    '合同 HT-2026-0001',
  ]);
  expect(status).toBe('signed');
  expect(printed).toContain('已新建客户 KH-000001 华东日报社');
  expect(printed).toContain('[提交审批] 提交 HT-2026-0001'); // the preview card's buttons as commands
  expect(printed).toContain('┄┄ 发给 李四(lisi) ┄┄'); // what the approver would receive
  // your own reply first, then what goes to others
  expect(printed.indexOf('已提交审批')).toBeLessThan(printed.indexOf('┄┄ 发给 李四(lisi) ┄┄'));
  expect(printed).toContain('当前身份：李四(lisi)');
  expect(printed).toContain('┄┄ 发给 王五(wangwu) ┄┄');
  expect(printed).toContain('审批通过');
  expect(printed).toContain('已登记 HT-2026-0001 于 2026-11-23 签订');
  expect(printed).toContain('合同 HT-2026-0001（已签订）');
});

it('answers unknown text with help, and stops at /quit', async () => {
  const { printed, status } = await runScript(['随便说点什么', '/quit', '新建客户 名称:不会执行']);
  expect(printed).toContain('没看懂');
  expect(printed).toContain('新建合同');
  expect(printed).not.toContain('不会执行');
  expect(status).toBeUndefined();
});

it('writes report charts and CSV exports to files and prints their paths', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-files-'));
  try {
    const { printed } = await runScript(
      ['新建客户 名称:华东日报社', '新建合同 客户:华东日报社 金额:3万 类型:销售 标题:广告', '提交 HT-2026-0001', '/as lisi', '同意 HT-2026-0001', '/as qianqi', '报表 本月', '导出 台账'],
      dir,
    );
    const chart = /📎 图表：(\S+\.png)/.exec(printed)?.[1];
    const csv = /📎 文件：(\S+ledger-2026-11-23\.csv)/.exec(printed)?.[1];
    expect(chart && fs.readFileSync(chart).subarray(1, 4).toString()).toBe('PNG');
    expect(csv && fs.readFileSync(csv, 'utf8')).toMatch(/^\uFEFF合同号,标题/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
