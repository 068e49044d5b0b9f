// Fuzz test of both HTTP callbacks through the real Koa server (listen, production limits) on
// 127.0.0.1: random requests, mangled WeCom envelopes (bit flips, wrong msg_len, bad padding,
// another corp id, deep XML, huge values, odd unicode), random DingTalk JSON with valid, invalid and
// replayed signatures. Every answer is below 500, nothing is ever logged as an error, and a refused
// request (4xx) writes nothing: no inbox row, no outbox row, no spent pair. At least 10,000 cases.

import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { parseEncodingAesKey, signatureOf } from '../../bot/wecom/crypto';
import { buildWecomXml } from '../../bot/wecom/xml';
import { DINGTALK, startHttpRig, stopHttpRig, WECOM, type HttpRig } from '../support/http-rig';

let rig: HttpRig;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let cases = 0;

beforeAll(async () => {
  rig = await startHttpRig();
});
afterAll(async () => {
  agent.destroy();
  await stopHttpRig(rig);
});

const ACCEPTED = [200];
const REFUSED = [400, 401, 403, 404, 405, 408, 413];

function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(new URL(rig.base).port), method, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends one case and checks the invariants: no 5xx; a refused (4xx) or unauthenticated request
 * writes nothing; an accepted one is settled before the next case counts rows.
 */
async function check(method: string, path: string, headers: Record<string, string>, body?: string | Buffer, unauthenticated = false): Promise<number> {
  cases++;
  const before = await rig.writes();
  const status = await send(method, path, headers, body);
  expect([...ACCEPTED, ...REFUSED]).toContain(status);
  if (status < 400) await rig.idle(); // the accepted event's processing finishes before the next case counts rows
  if (status >= 400 || unauthenticated) expect(await rig.writes()).toEqual(before);
  return status;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const anyText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('', '\u0000', '\uFEFF<xml/>', '\u202E\u00AD', '𝕏'.repeat(100), ']]>', '<![CDATA[', '&amp;&#0;&#xFFFF;', '%', '%E0%A4%A'),
);
const headerValue = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const deepXml = (depth: number, inner = 'x') => `${'<a>'.repeat(depth)}${inner}${'</a>'.repeat(depth)}`;
const now = () => rig.clock.now().getTime();
const wecomTs = () => String(Math.floor(now() / 1000));

// WeCom's plaintext frame, built by hand so every part can be wrong: random ‖ msg_len ‖ msg ‖ receiveid ‖ pad.
const aes = parseEncodingAesKey(WECOM.encodingAesKey);
function encryptFrame(p: { msg: Buffer; msgLen?: number; receiveId?: string; pad?: (n: number) => Buffer }): string {
  const len = Buffer.alloc(4);
  len.writeUInt32BE((p.msgLen ?? p.msg.length) >>> 0);
  const body = Buffer.concat([randomBytes(16), len, p.msg, Buffer.from(p.receiveId ?? WECOM.corpId)]);
  const n = 32 - (body.length % 32);
  const pad = p.pad ? p.pad(n) : Buffer.alloc(n, n);
  let plain = Buffer.concat([body, pad]);
  if (plain.length % 32) plain = Buffer.concat([plain, Buffer.alloc(32 - (plain.length % 32))]);
  const cipher = createCipheriv('aes-256-cbc', aes.key, aes.iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

const wecomInner = fc.oneof(
  // plausible messages with hostile values
  fc.record({
    from: fc.oneof(fc.constantFrom('ZhangSan', 'LiSi', 'Nobody', '', '__proto__'), anyText),
    type: fc.constantFrom('text', 'event', 'image', '', 'toString'),
    content: fc.oneof(anyText, fc.constant('新建客户 名称:' + 'x'.repeat(3000)), fc.constant('帮助')),
    msgId: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String), anyText),
    event: fc.constantFrom('template_card_event', 'enter_agent', 'constructor'),
    eventKey: anyText,
  }).map((m) => buildWecomXml({ ToUserName: WECOM.corpId, FromUserName: m.from, CreateTime: 1700000000, MsgType: m.type, Content: m.content, MsgId: m.msgId, Event: m.event, EventKey: m.eventKey, AgentID: 1000002 })),
  fc.integer({ min: 10, max: 6000 }).map((d) => `<xml>${deepXml(d)}</xml>`),
  fc.constantFrom('<xml><__proto__><polluted>1</polluted></__proto__><constructor>x</constructor></xml>', '<xml></xml>', '<notxml/>', '', '<xml><Content><![CDATA[a]]]]><![CDATA[>]]></Content></xml>'),
  anyText,
);

type Mangle = { name: string; build: () => { query: URLSearchParams; body: string } };

/** A correctly signed envelope around `encrypted`, with the query and body optionally mangled. */
function signedEnvelope(encrypted: string, tweak?: { timestamp?: string; query?: (q: URLSearchParams) => void; body?: (b: string) => string }) {
  const timestamp = tweak?.timestamp ?? wecomTs();
  const nonce = String(Math.floor(Math.random() * 1e9));
  const query = new URLSearchParams({ msg_signature: signatureOf(WECOM.token, timestamp, nonce, encrypted), timestamp, nonce });
  tweak?.query?.(query);
  const body = buildWecomXml({ ToUserName: WECOM.corpId, AgentID: '1000002', Encrypt: encrypted });
  return { query, body: tweak?.body ? tweak.body(body) : body };
}

const wecomMangled: fc.Arbitrary<Mangle> = fc.oneof(
  fc.tuple(wecomInner, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([inner, at, bit]) => ({
    name: 'bit flip in Encrypt',
    build: () => {
      const data = Buffer.from(encryptFrame({ msg: Buffer.from(inner) }), 'base64');
      data[at % data.length]! ^= 1 << bit;
      return signedEnvelope(data.toString('base64'));
    },
  })),
  fc.tuple(wecomInner, fc.nat()).map(([inner, msgLen]) => ({ name: 'wrong msg_len', build: () => signedEnvelope(encryptFrame({ msg: Buffer.from(inner), msgLen })) })),
  fc.tuple(wecomInner, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([inner, pad]) => ({
    name: 'bad padding',
    build: () => signedEnvelope(encryptFrame({ msg: Buffer.from(inner), pad: (n) => Buffer.from(Array.from({ length: n }, (_, i) => pad[i % pad.length]!)) })),
  })),
  fc.tuple(wecomInner, fc.oneof(fc.constant(''), fc.constant('wwSOMEONEELSE'), anyText)).map(([inner, receiveId]) => ({
    name: 'another corp id',
    build: () => signedEnvelope(encryptFrame({ msg: Buffer.from(inner), receiveId })),
  })),
  wecomInner.map((inner) => ({ name: 'valid envelope, hostile plaintext', build: () => signedEnvelope(encryptFrame({ msg: Buffer.from(inner) })) })),
  fc.tuple(wecomInner, fc.nat(), fc.string({ minLength: 1, maxLength: 4 })).map(([inner, at, junk]) => ({
    name: 'mangled base64',
    build: () => {
      const good = encryptFrame({ msg: Buffer.from(inner) });
      const i = at % good.length;
      return signedEnvelope(good.slice(0, i) + junk + good.slice(i + 1));
    },
  })),
  fc.tuple(wecomInner, fc.constantFrom('dup-signature', 'no-nonce', 'upper-signature', 'array-timestamp', 'stale')).map(([inner, how]) => ({
    name: `mangled query: ${how}`,
    build: () =>
      signedEnvelope(encryptFrame({ msg: Buffer.from(inner) }), {
        timestamp: how === 'stale' ? String(Math.floor(now() / 1000) - 301) : undefined,
        query: (q) => {
          if (how === 'dup-signature') q.append('msg_signature', 'x');
          if (how === 'no-nonce') q.delete('nonce');
          if (how === 'upper-signature') q.set('msg_signature', q.get('msg_signature')!.toUpperCase());
          if (how === 'array-timestamp') q.append('timestamp', '1');
        },
      }),
  })),
  fc.tuple(wecomInner, fc.integer({ min: 1, max: 3000 }), anyText).map(([inner, depth, extra]) => ({
    name: 'mangled envelope XML',
    build: () => signedEnvelope(encryptFrame({ msg: Buffer.from(inner) }), { body: (b) => b.replace('<xml>', `<xml>${deepXml(depth, extra.replace(/[<&]/g, ''))}`) }),
  })),
  fc.constant({ name: 'huge Encrypt', build: () => signedEnvelope('QUJD'.repeat(20_000)) }),
);

const dingtalkPayload = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      msgId: fc.oneof(fc.uuid(), anyText),
      msgtype: fc.constantFrom('text', 'picture', '', 'toString'),
      text: fc.record({ content: fc.oneof(anyText, fc.constantFrom('帮助', '新建客户 名称:模糊测试 等级:A', '待办', '客户 ' + 'x'.repeat(5000))) }),
      conversationId: anyText,
      conversationType: fc.constantFrom('1', '2', 'x'),
      senderStaffId: fc.oneof(fc.constantFrom('zhangsan01', 'lisi01', 'qianqi01', 'stranger'), anyText),
      sessionWebhook: fc.oneof(fc.webUrl(), anyText, fc.constantFrom('https://oapi.dingtalk.com.evil.tld/robot/sendBySession', 'https://x@evil.tld/robot/sendBySession')),
      sessionWebhookExpiredTime: fc.oneof(fc.integer(), fc.double()),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      outTrackId: anyText,
      userId: fc.oneof(fc.constantFrom('lisi01', 'zhangsan01', ''), anyText),
      content: fc.oneof(anyText, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ cardPrivateData: { params: { key: v } } }))),
      value: anyText,
    },
    { requiredKeys: ['outTrackId', 'userId'] },
  ),
);

const dingtalkSign = (timestamp: string) => createHmac('sha256', DINGTALK.clientSecret).update(`${timestamp}\n${DINGTALK.clientSecret}`).digest('base64');

// ---------------------------------------------------------------------------------------------
// Properties (10,000+ cases in all)

it('random requests to any path: never a 5xx, nothing written', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      fc.constantFrom('/wecom/callback', '/dingtalk/callback', '/healthz', '/wecom/callback/', '//dingtalk/callback', '/wecom/%E0%A4%A', '/%2e%2e/wecom/callback', '/nope'),
      fc.string({ maxLength: 200 }).map((q) => encodeURI(q).replace(/#/g, '%23')),
      fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
      fc.oneof(anyText, fc.constant(undefined)),
      async (method, path, query, headers, body) => {
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        delete headers.host;
        delete headers.connection;
        delete headers.expect;
        const status = await check(method, `${path}?${query}`, headers, method === 'GET' || method === 'OPTIONS' ? undefined : body, true);
        // Only the health check and OPTIONS (the router's Allow answer) may say 200.
        if (!((path === '/healthz' && method === 'GET') || method === 'OPTIONS')) expect(status).toBeGreaterThanOrEqual(400);
      },
    ),
    { numRuns: 1500 },
  );
}, 120_000);

it('WeCom: random queries and bodies are refused, nothing written', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({ msg_signature: fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), anyText), timestamp: fc.oneof(fc.constant(wecomTs()), anyText), nonce: anyText, echostr: anyText }, { requiredKeys: [] }),
      fc.oneof(anyText, wecomInner, fc.constant('<xml><Encrypt>' + 'A'.repeat(70_000) + '</Encrypt></xml>')),
      fc.boolean(),
      async (query, body, get) => {
        const q = new URLSearchParams(query as Record<string, string>);
        const status = await check(get ? 'GET' : 'POST', `/wecom/callback?${q}`, {}, get ? undefined : body, true);
        expect(REFUSED).toContain(status);
      },
    ),
    { numRuns: 2000 },
  );
}, 120_000);

it('WeCom: mangled, correctly signed envelopes are refused with 4xx and write nothing, or are accepted', async () => {
  const seen = new Map<string, Set<number>>();
  await fc.assert(
    fc.asyncProperty(wecomMangled, async (mangle) => {
      const { query, body } = mangle.build();
      const status = await check('POST', `/wecom/callback?${query}`, { 'content-type': 'text/xml' }, body);
      seen.set(mangle.name, (seen.get(mangle.name) ?? new Set()).add(status));
    }),
    { numRuns: 3000 },
  );
  // The mutations reach the checks they aim at.
  expect(seen.get('wrong msg_len')).toContain(400);
  expect(seen.get('another corp id')).toContain(403);
  expect(seen.get('bad padding')).toContain(400);
  expect(seen.get('mangled query: stale')).toEqual(new Set([403]));
  expect(seen.get('valid envelope, hostile plaintext')).toContain(200);
}, 120_000);

it('DingTalk: random JSON, signed or not, fresh or replayed: 4xx writes nothing', async () => {
  const used: { timestamp: string; body: string }[] = [];
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(dingtalkPayload.map((p) => JSON.stringify(p)), anyText, fc.constant(JSON.stringify({ a: 'x'.repeat(70_000) }))),
      fc.constantFrom('fresh', 'fresh', 'fresh', 'replay', 'same-again', 'bad-sign', 'stale', 'garbage-headers', 'none'),
      headerValue,
      async (body, how, junk) => {
        rig.clock.advanceHours(1 / 3_600_000); // a new millisecond: a fresh timestamp for each signed case
        let timestamp = String(now());
        if (how === 'replay' && used.length) timestamp = used[used.length - 1]!.timestamp;
        if (how === 'same-again' && used.length) ({ timestamp, body } = used[used.length - 1]!);
        if (how === 'stale') timestamp = String(now() - 3601_000);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (how !== 'none') Object.assign(headers, { timestamp, sign: dingtalkSign(timestamp) });
        if (how === 'bad-sign') headers.sign = dingtalkSign(timestamp).replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
        if (how === 'garbage-headers') Object.assign(headers, { timestamp: junk, sign: junk });
        const status = await check('POST', '/dingtalk/callback', headers, body, ['bad-sign', 'stale', 'garbage-headers', 'none'].includes(how));
        if (['bad-sign', 'stale', 'garbage-headers', 'none'].includes(how)) expect(status).toBeGreaterThanOrEqual(400);
        // A replayed pair with another body: 401, or 400/413 when the body is refused before the pair is looked at.
        if (how === 'replay' && used.length && used[used.length - 1]!.body !== body) expect([400, 401, 413]).toContain(status);
        if (how === 'fresh' && status === 200) used.push({ timestamp, body });
      },
    ),
    { numRuns: 3000 },
  );
  expect(used.length).toBeGreaterThan(100); // plenty of cases got past the signature
}, 120_000);

it('raw bytes on the socket: the server answers 4xx or closes, and keeps serving', async () => {
  const port = Number(new URL(rig.base).port);
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
        fc.tuple(fc.constantFrom('POST /wecom/callback', 'POST /dingtalk/callback', 'GET /healthz'), fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 })).map(
          ([line, headers, body]) => Buffer.from(`${line} HTTP/1.1\r\nHost: x\r\n${headers}\r\n\r\n${body}`),
        ),
        fc.nat({ max: 100 }).map((n) => Buffer.from(`POST /wecom/callback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'zz\r\n'.repeat(n)}`)),
      ),
      async (bytes) => {
        cases++;
        const before = await rig.writes();
        const answer = await new Promise<string>((resolve) => {
          let received = '';
          const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
          socket.on('data', (d) => (received += String(d)));
          socket.on('error', () => undefined);
          socket.on('close', () => resolve(received));
          socket.setTimeout(3000, () => socket.destroy());
        });
        for (const status of answer.match(/^HTTP\/1\.1 (\d{3})/gm) ?? []) expect(Number(status.slice(9))).toBeLessThan(500);
        expect(await rig.writes()).toEqual(before);
      },
    ),
    { numRuns: 500 },
  );
  expect(await send('GET', '/healthz', {})).toBe(200);
}, 120_000);

it('ran at least 10,000 cases, and nothing was logged as an error', () => {
  expect(cases).toBeGreaterThanOrEqual(10_000);
  // Replies to the made-up senders of authenticated fuzz messages may be given up by the outbox
  // (the platform refuses the recipient): that is the outbox doing its job, not a fault.
  expect(rig.logs.filter((l) => l.level === 'error' && l.msg !== 'outbox message given up')).toEqual([]);
});
