// WeCom callbacks against hostile or stale input: a timestamp window (403), 4xx and never 5xx for
// unauthenticated input (chunked bodies over the limit, deep XML, aborted uploads), nothing stored,
// and the server keeps serving. Real Koa server via `listen`, the fake WeCom on the same fake clock.

import http from 'node:http';
import { encryptMessage, signatureOf } from '../../../bot/wecom/crypto';
import { buildWecomXml } from '../../../bot/wecom/xml';
import { chunksOf, rawRequest } from '../../support/raw-http';
import { startHttpRig, stopHttpRig, WECOM, type HttpRig } from '../../support/http-rig';

let rig: HttpRig;
afterEach(() => stopHttpRig(rig));

const postEnvelope = (e: { query: URLSearchParams; body: string }) => rawRequest(`${rig.wecomUrl}?${e.query}`, { body: e.body });
const healthy = async () => (await rawRequest(`${rig.base}/healthz`, { method: 'GET' })).status === 200;
const errors = () => rig.logs.filter((l) => l.level === 'error');
const nothingWritten = async () => expect(await rig.writes()).toEqual({ inbox: 0, outbox: 0, spent: 0 });
/** Signed for `encrypted` with the current time (or `ageSeconds` ago). */
function signedQuery(encrypted: string, ageSeconds = 0): URLSearchParams {
  const timestamp = String(Math.floor(rig.clock.now().getTime() / 1000) - ageSeconds);
  return new URLSearchParams({ msg_signature: signatureOf(WECOM.token, timestamp, '42', encrypted), timestamp, nonce: '42' });
}

describe('the timestamp window', () => {
  it('refuses a correctly signed callback more than 300 s old or ahead with 403, storing nothing; 299 s passes', async () => {
    rig = await startHttpRig();
    const envelope = rig.wecom.envelope(rig.wecom.textXml('ZhangSan', '新建客户 名称:旧消息 等级:A'));
    rig.clock.advanceHours(301 / 3600); // replayed 301 s after WeCom signed it
    expect((await postEnvelope(envelope)).status).toBe(403);
    const ahead = rig.wecom.envelope(rig.wecom.textXml('ZhangSan', '帮助'));
    rig.clock.advanceHours(-602 / 3600);
    expect((await postEnvelope(ahead)).status).toBe(403);
    await rig.settle();
    await nothingWritten();
    expect(rig.logs).toContainEqual(expect.objectContaining({ msg: 'wecom callback rejected', status: 403, reason: 'stale timestamp' }));

    rig.clock.advanceHours(301 / 3600);
    const recent = rig.wecom.envelope(rig.wecom.textXml('ZhangSan', '帮助'));
    rig.clock.advanceHours(299 / 3600);
    expect((await postEnvelope(recent)).status).toBe(200);
  });

  it('applies to URL verification too', async () => {
    rig = await startHttpRig();
    const echo = encryptMessage(WECOM.encodingAesKey, 'echo-123', WECOM.corpId);
    const get = (q: URLSearchParams) => rawRequest(`${rig.wecomUrl}?${q}&echostr=${encodeURIComponent(echo)}`, { method: 'GET' });
    expect(await get(signedQuery(echo, 400))).toMatchObject({ status: 403, body: '' });
    expect(await get(signedQuery(echo))).toMatchObject({ status: 200, body: 'echo-123' });
  });

  it('follows WECOM_CALLBACK_WINDOW_SECONDS', async () => {
    rig = await startHttpRig({ wecomWindowSeconds: 60 });
    const envelope = rig.wecom.envelope(rig.wecom.textXml('ZhangSan', '帮助'));
    rig.clock.advanceHours(61 / 3600);
    expect((await postEnvelope(envelope)).status).toBe(403);
    expect((await postEnvelope(rig.wecom.envelope(rig.wecom.textXml('ZhangSan', '帮助')))).status).toBe(200);
  });

  it('the fake WeCom signs with the current time of its clock, however far the clock moves', async () => {
    rig = await startHttpRig();
    rig.clock.advanceHours(24 * 40);
    const { query } = rig.wecom.envelope('<xml></xml>');
    expect(Number(query.get('timestamp'))).toBe(Math.floor(rig.clock.now().getTime() / 1000));
    expect(await rig.wecom.sendText('ZhangSan', '帮助')).toBe(200);
  });
});

describe('unauthenticated input gets 4xx, never 5xx, and writes nothing', () => {
  beforeEach(async () => {
    rig = await startHttpRig();
  });

  it('a chunked body (no Content-Length) over 64 KB → 413; the server stays healthy and serves the next callback', async () => {
    for (const url of [`${rig.wecomUrl}?${signedQuery('x')}`, rig.dingtalkUrl]) {
      const headers = url === rig.dingtalkUrl ? rig.dingtalk.httpRequest({}).headers : {};
      const response = await rawRequest(url, { headers, body: chunksOf(200 * 1024) });
      expect(response.status).toBe(413);
      expect(response.headers.connection).toBe('close');
    }
    // Chunked bodies under the limit are read as usual.
    const { query, body } = rig.wecom.envelope(rig.wecom.textXml('ZhangSan', '帮助'));
    await nothingWritten();
    expect(await healthy()).toBe(true);
    expect((await rawRequest(`${rig.wecomUrl}?${query}`, { body: [Buffer.from(body.slice(0, 10)), Buffer.from(body.slice(10))] })).status).toBe(200);
    expect(errors()).toEqual([]);
  });

  it('XML nested 5,000 deep → 400, in the envelope or (signed) inside the ciphertext', async () => {
    const deep = `<xml>${'<a>'.repeat(5000)}x${'</a>'.repeat(5000)}<Encrypt>x</Encrypt></xml>`;
    expect((await rawRequest(`${rig.wecomUrl}?${signedQuery('x')}`, { body: deep })).status).toBe(400);
    const encrypted = encryptMessage(WECOM.encodingAesKey, `<xml>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</xml>`, WECOM.corpId);
    expect((await rawRequest(`${rig.wecomUrl}?${signedQuery(encrypted)}`, { body: buildWecomXml({ Encrypt: encrypted }) })).status).toBe(400);
    // A real message's depth passes.
    const card = `<xml><ToUserName>c</ToUserName><SelectedItems><SelectedItem><QuestionKey>q</QuestionKey><OptionIds><OptionId>1</OptionId></OptionIds></SelectedItem></SelectedItems></xml>`;
    const ok = encryptMessage(WECOM.encodingAesKey, card, WECOM.corpId);
    expect((await rawRequest(`${rig.wecomUrl}?${signedQuery(ok)}`, { body: buildWecomXml({ Encrypt: ok }) })).status).toBe(200);
    expect(errors()).toEqual([]);
    await rig.settle();
    await nothingWritten(); // the card event is not one the bot acts on
  });

  it.each([
    ['garbled XML', 400, () => '<xml><Encrypt>abc</Encrypt'],
    ['not XML at all', 400, () => '\u0000\u00ff{"json": true}'],
    ['XML without a root <xml>', 400, () => '<Encrypt>abc</Encrypt>'],
    ['garbled base64 in Encrypt, signed over other text', 401, () => buildWecomXml({ Encrypt: '!!!not base64!!!' })],
  ] as [string, number, () => string][])('%s → %i', async (_what, status, body) => {
    expect((await rawRequest(`${rig.wecomUrl}?${signedQuery('x')}`, { body: body() })).status).toBe(status);
    await nothingWritten();
    expect(errors()).toEqual([]);
  });

  it('garbled base64, correctly signed → 400', async () => {
    for (const encrypted of ['!!!not base64!!!', 'QUJD', `${encryptMessage(WECOM.encodingAesKey, 'x', WECOM.corpId).slice(0, -4)}@@@@`]) {
      expect((await rawRequest(`${rig.wecomUrl}?${signedQuery(encrypted)}`, { body: buildWecomXml({ Encrypt: encrypted }) })).status).toBe(400);
    }
    await nothingWritten();
  });

  it('a client that disconnects in the middle of its body causes no error', async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(`${rig.wecomUrl}?${signedQuery('x')}`, { method: 'POST', headers: { 'content-length': '50000' }, agent: false });
      req.on('error', () => undefined);
      req.write(Buffer.alloc(1000, 'a'), () => setTimeout(() => (req.destroy(), resolve()), 50));
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(await healthy()).toBe(true);
    expect(errors()).toEqual([]);
    await nothingWritten();
  });
});
