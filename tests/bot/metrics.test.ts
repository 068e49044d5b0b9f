// GET /metrics on the real Koa server over a real bot core (SQLite, real migrations): the text is
// strict Prometheus exposition format, and its counters move with a scripted scenario (commands, a
// decision, sends, a failed send, a job run, a duplicate, a refused callback); the token rules.

import type { Server } from 'node:http';
import { createApp, type App } from '../../bot/app';
import { parsePolicy } from '../../bot/config';
import { silentLogger } from '../../bot/logger';
import { metricsPlacement } from '../../bot/main';
import { BotMetrics, metricsRoute, tokenMatches } from '../../bot/metrics';
import { NotifierRouter, type PlatformNotifier } from '../../bot/notifier-router';
import { createServer, listen } from '../../bot/server';
import type { OutboxRecord } from '../../handlers/ports';
import { inboxRetentionJob } from '../../schedules/jobs';
import { Scheduler } from '../../schedules/scheduler';
import { createLeaseStore } from '../../storage/repositories';
import { EXAMPLE_POLICY, FakeClock, MONDAY_10AM, textMessage } from '../support/harness';

const TOKEN = 'metrics-token-0123456789abcdef';

/** A platform that records what it is given, or fails while `failing`. */
class FakePlatform implements PlatformNotifier {
  readonly platform = 'wecom';
  readonly delivered: OutboxRecord[] = [];
  failing = false;
  canReach(): boolean {
    return true;
  }
  async deliver(message: OutboxRecord): Promise<void> {
    if (this.failing) throw new Error('errcode 45009: api freq out of limit');
    this.delivered.push(message);
  }
}

type Samples = Map<string, number>;

/**
 * A strict reader of the text format (version 0.0.4): every line is empty, HELP, TYPE or a sample; every
 * sample belongs to a family whose TYPE came first; names, labels and values are well-formed; no
 * series twice. Returns `name{labels}` → value, labels sorted.
 */
function parseExposition(text: string): Samples {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples: Samples = new Map();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleLine = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*",?)*)\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|[Nn]a[Nn]|\\+Inf|-Inf))(?: -?\\d+)?$`);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue; // the format allows empty lines (prom-client separates families with one)
    const help = new RegExp(`^# HELP (${NAME}) .*$`).exec(line);
    if (help) continue;
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type) {
      expect(types.has(type[1]!)).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = sampleLine.exec(line);
    if (!m) throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`);
    const [, name, labels = '', value] = m;
    const family = [...types.keys()].find((f) => name === f || (/_(bucket|sum|count|total|created)$/.test(name!) && name!.replace(/_(bucket|sum|count|total|created)$/, '') === f));
    if (!family) throw new Error(`sample without a TYPE before it: ${line}`);
    const key = `${name}{${labels.replace(/,$/, '').split(/,(?=[a-zA-Z_])/).filter(Boolean).sort().join(',')}}`;
    expect(samples.has(key)).toBe(false);
    samples.set(key, Number(value));
  }
  return samples;
}

const get = (s: Samples, key: string) => s.get(key) ?? 0;

describe('/metrics', () => {
  let app: App;
  let server: Server;
  let url: string;
  const metrics = new BotMetrics();
  const platform = new FakePlatform();
  const clock = new FakeClock(new Date(MONDAY_10AM));

  beforeAll(async () => {
    const policy = parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml');
    app = await createApp({ databaseUrl: 'sqlite::memory:', policy, notifier: new NotifierRouter([platform]), clock, log: silentLogger, metrics, outbox: { baseBackoffMs: 1 } });
    server = await listen(createServer({ dataSource: app.dataSource, log: silentLogger, routes: [metricsRoute(metrics, TOKEN)] }), 0, '127.0.0.1');
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await app.close();
  });

  const scrape = async (): Promise<Samples> => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  };

  it('asks for the Bearer token: 401 without one, 403 for a wrong one, in constant time', async () => {
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url)).headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
    expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(403);
    expect((await fetch(url, { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });

  it('parses as Prometheus text, and its counters move with a scripted scenario', async () => {
    const before = await scrape();
    expect(get(before, 'contract_bot_process_resident_memory_bytes{}')).toBeGreaterThan(0); // default process metrics
    expect(get(before, 'contract_bot_outbox_pending{}')).toBe(0);
    const { dispatcher, outbox } = app;
    let n = 0;
    const say = async (sender: string, text: string) => {
      expect(await dispatcher.handle(textMessage(text, `wecom:m-${++n}`, sender))).toBe('processed');
      await outbox.deliverDue();
    };

    await say('wecom:ZhangSan', '新建客户 名称:华东日报社 等级:A 确认:是');
    await say('wecom:ZhangSan', '新建合同 客户:华东日报社 金额:1万 类型:销售 标题:年度框架');
    await say('wecom:ZhangSan', '提交 HT-2026-0001');
    const [step] = (await app.dataSource.query("SELECT assignee_id FROM approval_step WHERE status = 'pending'")) as { assignee_id: string }[];
    const approver = parsePolicy(EXAMPLE_POLICY, 'p').people.find((p) => p.id === step!.assignee_id)!.identities.find((i) => i.startsWith('wecom:'))!;
    await say(approver, '同意 HT-2026-0001 价格合理');
    await say('wecom:ZhangSan', '新建合同 客户:不存在的客户 金额:1万 类型:销售 标题:x'); // refused by the use-case
    expect(await dispatcher.handle(textMessage('帮助', 'wecom:m-1'))).toBe('duplicate');
    dispatcher.refused('wecom'); // what the WeCom route does with a bad signature
    const sentSoFar = platform.delivered.length;

    platform.failing = true;
    await say('wecom:ZhangSan', '帮助');
    platform.failing = false;

    // A scheduled run, through the scheduler as the bot runs it.
    const scheduler = new Scheduler({ uow: app.uow, leases: createLeaseStore(), clock, timezone: 'Asia/Shanghai', log: silentLogger, onRun: (job, outcome, s) => metrics.jobRun(job, outcome, s) });
    expect(await scheduler.runOnce(inboxRetentionJob({ uow: app.uow, workflow: app.deps, deliver: async () => undefined }, { retentionDays: 30 }))).toBe(true);
    // An event accepted and not processed yet: the backlog.
    expect(await dispatcher.accept(textMessage('帮助', 'wecom:waiting'))).not.toBeNull();

    const after = await scrape();
    const delta = (key: string) => get(after, key) - get(before, key);
    expect(delta('contract_bot_inbound_events_total{outcome="accepted",platform="wecom"}')).toBe(7);
    expect(delta('contract_bot_inbound_events_total{outcome="duplicate",platform="wecom"}')).toBe(1);
    expect(delta('contract_bot_inbound_events_total{outcome="refused",platform="wecom"}')).toBe(1);
    expect(delta('contract_bot_command_duration_seconds_count{kind="new_contract",outcome="ok"}')).toBe(1);
    expect(delta('contract_bot_command_duration_seconds_count{kind="new_contract",outcome="refused"}')).toBe(1);
    expect(delta('contract_bot_command_duration_seconds_count{kind="approve",outcome="ok"}')).toBe(1);
    expect(delta('contract_bot_command_duration_seconds_bucket{kind="approve",le="+Inf",outcome="ok"}')).toBe(1);
    expect(delta('contract_bot_decisions_total{decision="approve"}')).toBe(1);
    expect(delta('contract_bot_sends_total{platform="wecom"}')).toBe(sentSoFar);
    expect(sentSoFar).toBeGreaterThanOrEqual(6); // replies, the approval card, the owner's notice
    expect(delta('contract_bot_send_failures_total{final="false",platform="wecom"}')).toBe(1);
    expect(delta('contract_bot_job_runs_total{job="inbox-retention",outcome="ok"}')).toBe(1);
    expect(delta('contract_bot_job_duration_seconds_count{job="inbox-retention"}')).toBe(1);
    // Read at scrape time: the failed reply waits for its retry; one event waits in the inbox.
    expect(get(after, 'contract_bot_outbox_pending{}')).toBe(1);
    expect(get(after, 'contract_bot_inbox_backlog{}')).toBe(1);

    clock.advanceHours(0.01);
    await outbox.deliverDue(); // the retry goes out
    const last = await scrape();
    expect(get(last, 'contract_bot_outbox_pending{}')).toBe(0);
    expect(get(last, 'contract_bot_sends_total{platform="wecom"}') - get(after, 'contract_bot_sends_total{platform="wecom"}')).toBe(1);
  });
});

it('is served on METRICS_PORT when given, else on the public port only with METRICS_TOKEN, else not at all', async () => {
  expect(metricsPlacement({ METRICS_PORT: 9464, METRICS_TOKEN: undefined })).toBe('separate');
  expect(metricsPlacement({ METRICS_PORT: 9464, METRICS_TOKEN: TOKEN })).toBe('separate');
  expect(metricsPlacement({ METRICS_PORT: undefined, METRICS_TOKEN: TOKEN })).toBe('public');
  expect(metricsPlacement({ METRICS_PORT: undefined, METRICS_TOKEN: undefined })).toBe('off');
});
