// The WeCom section's load generator and fake WeCom API, in one child process (pinned to CPU 0 by
// the section). It prepares the signed, encrypted callbacks once, then on the section's request
// posts them to a target, CONCURRENCY in flight, and waits for the replies at its fake WeCom.
// Talks to the section over the IPC channel: { id, cmd, args } → { id, result } or { id, error }.

import http from 'node:http';
import { FakeWecom } from '../fakes/wecom';
import { CONCURRENCY, MEMBERS, PER_MEMBER, WARMUP, WECOM_SETTINGS, classify, plan, textOf, type PlannedCallback } from './wecom-mix';

interface Prepared extends PlannedCallback {
  path: string; // query string of the signed request
  body: Buffer;
}

export interface LoadResult {
  callbacks: number;
  statuses: Record<string, number>;
  acceptSeconds: number;
  acceptedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** The load generator's own CPU use over the accept phase, in % of one core (100 = saturated). */
  loadCpuPercent: number;
  replies?: {
    expected: number;
    received: number;
    /** From the last answer to the last expected reply; null when some never came. */
    backlogSeconds: number | null;
    /** Members with a reply too many or of the wrong command. */
    problems: string[];
    /** Members still missing some of their replies (none wrong) when the wait ended. */
    membersShort: number;
    /** Replies received per second, from the first callback sent to the last reply received. */
    perSecond: number;
  };
}

const sender = new FakeWecom({ ...WECOM_SETTINGS }); // only its envelope(): never started
const lists = new Map<string, Prepared[]>();
let api: FakeWecom | undefined;

function prepare(name: string, callbacks: PlannedCallback[]): number {
  lists.set(
    name,
    callbacks.map((c) => {
      const { query, body } = sender.envelope(sender.textXml(c.userId, c.text)); // a new MsgId each
      return { ...c, path: `/wecom/callback?${query}`, body: Buffer.from(body, 'utf8') };
    }),
  );
  return callbacks.length;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function post(agent: http.Agent, target: URL, call: Prepared): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (s: string) => {
      if (!settled) {
        settled = true;
        resolve(s);
      }
    };
    const req = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: call.path.replace('/wecom/callback', target.pathname),
        method: 'POST',
        agent,
        headers: { 'content-type': 'text/xml', 'content-length': call.body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(String(res.statusCode)));
        res.on('error', (e) => done(`network error ${e.message}`));
      },
    );
    req.setTimeout(5000, () => {
      done('no answer within 5 s'); // WeCom gives up after 5 s
      req.destroy();
    });
    req.on('error', (e) => done(`network error ${e.message}`));
    req.end(call.body);
  });
}

/**
 * `replies`: wait for them and check them, by command ('classes', the bot) or only one per callback
 * ('count', the peer, which echoes).
 */
async function run(args: { url: string; list: string; replies?: 'classes' | 'count'; deadlineSeconds: number; concurrency?: number }): Promise<LoadResult> {
  const calls = lists.get(args.list);
  if (!calls) throw new Error(`no list ${args.list}`);
  const target = new URL(args.url);
  const concurrency = args.concurrency ?? CONCURRENCY;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const sentBefore = api?.sent.length ?? 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const cpuBefore = cpuMs();
  const started = performance.now();
  const startedAt = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls.length) {
        const call = calls[next++]!;
        const t0 = performance.now();
        const status = await post(agent, target, call);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const acceptMs = performance.now() - started;
  const lastAnswerAt = Date.now();
  const loadCpuPercent = (100 * (cpuMs() - cpuBefore)) / acceptMs;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const result: LoadResult = {
    callbacks: calls.length,
    statuses,
    acceptSeconds: acceptMs / 1000,
    acceptedPerSecond: (statuses['200'] ?? 0) / (acceptMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    loadCpuPercent,
  };
  if (args.replies) result.replies = await awaitReplies(calls, sentBefore, startedAt, lastAnswerAt, args.deadlineSeconds, args.replies === 'classes');
  return result;
}

/** Waits until every callback has its reply (or the deadline, or 20 s without one), then checks them. */
async function awaitReplies(calls: Prepared[], before: number, startedAt: number, lastAnswerAt: number, deadlineSeconds: number, byClass: boolean): Promise<NonNullable<LoadResult['replies']>> {
  const fake = api!;
  const deadline = lastAnswerAt + deadlineSeconds * 1000;
  let progress = { count: fake.sent.length, at: Date.now() };
  while (fake.sent.length - before < calls.length && Date.now() < deadline) {
    if (fake.sent.length > progress.count) progress = { count: fake.sent.length, at: Date.now() };
    if (Date.now() - progress.at > 20_000) break;
    await sleep(20);
  }
  const complete = fake.sent.length - before >= calls.length;
  const backlogSeconds = complete ? Math.max(0, fake.sent[before + calls.length - 1]!.at - lastAnswerAt) / 1000 : null;
  await sleep(500); // a reply too many would arrive now
  const sent = fake.sent.slice(before);
  const expected = new Map<string, Map<string, number>>();
  for (const c of calls) {
    const mine = expected.get(c.userId) ?? new Map<string, number>();
    const cls = byClass ? c.reply : 'reply';
    mine.set(cls, (mine.get(cls) ?? 0) + 1);
    expected.set(c.userId, mine);
  }
  const got = new Map<string, Map<string, number>>();
  for (const m of sent) {
    const mine = got.get(m.touser) ?? new Map<string, number>();
    const cls = byClass ? classify(textOf(m.body)) : 'reply';
    mine.set(cls, (mine.get(cls) ?? 0) + 1);
    got.set(m.touser, mine);
  }
  const problems: string[] = [];
  const show = (m?: Map<string, number>) => JSON.stringify(Object.fromEntries(m ?? []));
  let short = 0;
  for (const user of new Set([...expected.keys(), ...got.keys()])) {
    const [e, g] = [expected.get(user) ?? new Map<string, number>(), got.get(user) ?? new Map<string, number>()];
    // a reply of a kind not asked for, or one too many, is wrong; one still missing is late
    const wrong = [...g].some(([k, n]) => n > (e.get(k) ?? 0));
    if (wrong) problems.push(`${user}: expected ${show(e)}, got ${show(g)}`);
    else if ([...e].some(([k, n]) => (g.get(k) ?? 0) < n)) short++;
  }
  const perSecond = sent.length ? (1000 * sent.length) / Math.max(1, sent.at(-1)!.at - startedAt) : 0;
  return { expected: calls.length, received: sent.length, backlogSeconds, problems, membersShort: short, perSecond };
}

const commands: Record<string, (args: any) => unknown> = {
  prepare: () => ({
    warmup: prepare('warmup', plan(WARMUP, 7)),
    measured: prepare('measured', plan(MEMBERS * PER_MEMBER)),
  }),
  async 'fake-start'(args: { acceptAgentIdAsString?: boolean }) {
    await api?.stop();
    api = await new FakeWecom({ ...WECOM_SETTINGS, acceptAgentIdAsString: args.acceptAgentIdAsString }).start();
    return { baseUrl: api.baseUrl };
  },
  async 'fake-stop'() {
    await api?.stop();
    api = undefined;
    return null;
  },
  run,
};

process.on('message', (message: { id: number; cmd: string; args: unknown }) => {
  Promise.resolve()
    .then(() => commands[message.cmd]!(message.args))
    .then(
      (result) => process.send!({ id: message.id, result }),
      (error: Error) => process.send!({ id: message.id, error: String(error?.stack ?? error) }),
    );
});
process.on('disconnect', () => process.exit(0));
