// The WeCom bench section's own checks must be right, or its figures mean nothing: the traffic keeps
// within WeCom's per-member limit, the reply classifier recognises what the bot really answers, the
// fake WeCom's additions behave, and the profile summary adds up.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeWecom } from '../fakes/wecom';
import { SETTINGS, startRig, stopRig } from '../support/wecom-rig';
import { MEMBERS, MIX, PER_MEMBER, classify, plan, textOf } from './wecom-mix';
import { fileOf, summariseProfile } from './wecom-profile';
import { gapAnalysis } from './wecom';

describe('the planned callbacks', () => {
  const calls = plan(MEMBERS * PER_MEMBER);

  it('come PER_MEMBER from each member, at most 30 (WeCom allows 30 a minute per member)', () => {
    const perMember = new Map<string, number>();
    for (const c of calls) perMember.set(c.userId, (perMember.get(c.userId) ?? 0) + 1);
    expect(perMember.size).toBe(MEMBERS);
    expect(new Set(perMember.values())).toEqual(new Set([PER_MEMBER]));
    expect(PER_MEMBER).toBeLessThanOrEqual(30);
  });

  it('never put one member twice among any 50 neighbours in flight', () => {
    for (let k = 0; k + 50 <= calls.length; k += 50) expect(new Set(calls.slice(k, k + 50).map((c) => c.userId)).size).toBe(50);
  });

  it('give every member a mix of the commands', () => {
    const mine = calls.filter((c) => c.userId === calls[0]!.userId).map((c) => c.text);
    expect(new Set(mine)).toEqual(new Set(MIX.map((m) => m.text)));
  });
});

describe('the reply classifier against the real bot', () => {
  it('recognises the reply to each command of the mix, and only that one', async () => {
    const rig = await startRig();
    try {
      for (const { text, reply } of MIX) {
        const before = rig.fake.sent.length;
        expect(await rig.fake.sendText('ZhangSan', text)).toBe(200);
        await rig.settle();
        const sent = rig.fake.sent.slice(before);
        expect(sent).toHaveLength(1); // one message per callback: what the section counts
        expect(classify(textOf(sent[0]!.body))).toBe(reply);
      }
      expect(classify('收到：帮助')).toBe('other');
    } finally {
      await stopRig(rig);
    }
  });
});

describe('the fake WeCom for SDKs', () => {
  let fake: FakeWecom;
  afterEach(() => fake.stop());

  const send = async (agentid: unknown) => {
    const { access_token } = (await (await fetch(`${fake.baseUrl}/cgi-bin/gettoken?corpid=${SETTINGS.corpId}&corpsecret=${SETTINGS.secret}`)).json()) as { access_token: string };
    const body = { touser: 'ZhangSan', agentid, msgtype: 'text', text: { content: 'hi' } };
    const response = await fetch(`${fake.baseUrl}/cgi-bin/message/send?access_token=${access_token}`, { method: 'POST', body: JSON.stringify(body) });
    return ((await response.json()) as { errcode: number }).errcode;
  };

  it('refuses a string agentid unless told to accept it', async () => {
    fake = await new FakeWecom(SETTINGS).start();
    expect(await send(String(SETTINGS.agentId))).toBe(40056);
    expect(await send(SETTINGS.agentId)).toBe(0);
    await fake.stop();
    fake = await new FakeWecom({ ...SETTINGS, acceptAgentIdAsString: true }).start();
    expect(await send(String(SETTINGS.agentId))).toBe(0);
    expect(await send('999')).toBe(40056);
    expect(fake.sent).toHaveLength(1);
  });

  it("answers agent/get for its own app only", async () => {
    fake = await new FakeWecom(SETTINGS).start();
    const { access_token } = (await (await fetch(`${fake.baseUrl}/cgi-bin/gettoken?corpid=${SETTINGS.corpId}&corpsecret=${SETTINGS.secret}`)).json()) as { access_token: string };
    const get = async (agentid: number) => (await (await fetch(`${fake.baseUrl}/cgi-bin/agent/get?access_token=${access_token}&agentid=${agentid}`)).json()) as Record<string, unknown>;
    expect(await get(SETTINGS.agentId)).toMatchObject({ errcode: 0, agentid: SETTINGS.agentId });
    expect(await get(42)).toMatchObject({ errcode: 40056 });
  });
});

describe('the profile summary', () => {
  it('adds self time up by package or project file and leaves idle time out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-profile-'));
    const file = path.join(dir, 'x.cpuprofile');
    const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url, lineNumber: 9 } });
    fs.writeFileSync(
      file,
      JSON.stringify({
        nodes: [
          frame(1, '(idle)', ''),
          frame(2, 'query', 'file:///w/node_modules/typeorm/query-runner.js'),
          frame(3, 'accept', 'file:///w/.bench-build/bot/dispatch.js'),
          frame(4, 'insert', 'file:///w/node_modules/typeorm/repository.js'),
        ],
        samples: [1, 2, 3, 4, 1],
        timeDeltas: [5000, 3000, 2000, 1000, 7000],
      }),
    );
    try {
      const { markdown, busyMs } = summariseProfile(file);
      expect(busyMs).toBe(6);
      expect(markdown).toContain('| typeorm | 4 | 66.7% |');
      expect(markdown).toContain('| bot/dispatch.js | 2 | 33.3% |');
      expect(fileOf('node:internal/streams/readable', 'read')).toBe('node:internal/streams/…');
      expect(fileOf('node:internal/deps/undici/undici', 'fetch')).toBe('node:internal/deps/undici');
      expect(fileOf('', '(garbage collector)')).toBe('(garbage collector)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the gap analysis', () => {
  it('summarises the profile and names statement preparation when it costs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-gap-'));
    const file = path.join(dir, 'bot.cpuprofile');
    const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url, lineNumber: 3 } });
    fs.writeFileSync(
      file,
      JSON.stringify({
        nodes: [frame(1, 'prepare', 'file:///w/node_modules/better-sqlite3/lib/methods/wrappers.js'), frame(2, 'query', 'file:///w/node_modules/typeorm/q.js')],
        samples: [1, 2, 2, 2],
        timeDeltas: [1000, 1000, 1000, 1000],
      }),
    );
    const row = (key: string, cpuMsPerCallback: number) => ({ key, name: key, cpuMsPerCallback, cpuUse: 50 });
    try {
      const text = gapAnalysis([row('plain', 0.1), row('crypto', 0.3), row('anchor', 0.4), row('bot', 3)], file).join('\n');
      expect(text).toContain('7.5× the anchor');
      expect(text).toContain('| typeorm | 3 | 75.0% |');
      expect(text).toContain("better-sqlite3's `prepare` takes 25.0%");
      expect(gapAnalysis([row('bot', 3)]).join('\n')).toContain('BENCH_PROFILE=1');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
