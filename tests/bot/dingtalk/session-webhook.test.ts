// Reply URLs from inbound DingTalk payloads: parsed and compared by protocol, exact host and port,
// no userinfo, and DingTalk's reply path; each attack that passes a bare startsWith is refused.

import { normalizeRobotMessage } from '../../../bot/dingtalk/normalize';
import { trustedSessionWebhook } from '../../../bot/dingtalk/session-webhook';

const BASE = 'https://oapi.dingtalk.com';
const GOOD = 'https://oapi.dingtalk.com/robot/sendBySession?session=79b48abc4d4b';

it('accepts DingTalk\'s own session webhook, normalised', () => {
  expect(trustedSessionWebhook(GOOD, BASE)).toBe(GOOD);
  expect(trustedSessionWebhook('https://OAPI.DingTalk.com:443/robot/sendBySession?session=a', BASE)).toBe('https://oapi.dingtalk.com/robot/sendBySession?session=a');
  expect(trustedSessionWebhook('http://127.0.0.1:4000/robot/sendBySession?session=a', 'http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000/robot/sendBySession?session=a');
});

it.each([
  ['a look-alike host', 'https://oapi.dingtalk.com.evil.tld/robot/sendBySession?session=a'],
  ['userinfo that hides the real host', 'https://oapi.dingtalk.com@evil.tld/robot/sendBySession?session=a'],
  ['userinfo with a password', 'https://oapi.dingtalk.com:x@evil.tld/robot/sendBySession'],
  ['userinfo on the right host', 'https://user:pw@oapi.dingtalk.com/robot/sendBySession?session=a'],
  ['a backslash before @', 'https://oapi.dingtalk.com\\@evil.tld/robot/sendBySession'],
  ['an http:// downgrade', 'http://oapi.dingtalk.com/robot/sendBySession?session=a'],
  ['another port', 'https://oapi.dingtalk.com:8443/robot/sendBySession?session=a'],
  ['a trailing-dot host', 'https://oapi.dingtalk.com./robot/sendBySession?session=a'],
  ['a percent-encoded dot', 'https://oapi.dingtalk.com%2eevil.tld/robot/sendBySession'],
  ['a subdomain', 'https://evil.oapi.dingtalk.com/robot/sendBySession?session=a'],
  ['another path on the host (someone else\'s group robot)', 'https://oapi.dingtalk.com/robot/send?access_token=attacker'],
  ['a path that only starts right', 'https://oapi.dingtalk.com/robot/sendBySession/../send?access_token=attacker'],
  ['a protocol-relative URL', '//oapi.dingtalk.com/robot/sendBySession'],
  ['another scheme', 'javascript:alert(1)//oapi.dingtalk.com/robot/sendBySession'],
  ['a data URL', 'data:text/plain,https://oapi.dingtalk.com/robot/sendBySession'],
  ['not a URL', 'oapi.dingtalk.com/robot/sendBySession'],
  ['an empty string', ''],
  ['a huge URL', `${GOOD}&x=${'a'.repeat(5000)}`],
])('refuses %s', (_what, url) => {
  expect(trustedSessionWebhook(url, BASE)).toBeNull();
});

it('refuses non-strings', () => {
  for (const v of [undefined, null, 42, {}, ['https://oapi.dingtalk.com/robot/sendBySession']]) expect(trustedSessionWebhook(v, BASE)).toBeNull();
});

describe('normalisation', () => {
  const payload = (sessionWebhook: string) => ({
    msgId: 'm1', msgtype: 'text', text: { content: '帮助' }, conversationId: 'cid', conversationType: '1', senderStaffId: 'zhangsan01',
    sessionWebhook, sessionWebhookExpiredTime: 1_800_000_000_000,
  });

  it('keeps a genuine session webhook', () => {
    expect(normalizeRobotMessage(payload(GOOD), BASE)).toMatchObject({ replyWebhook: { url: GOOD, expiresAt: 1_800_000_000_000 } });
  });

  it('drops a bad one, so it is never stored (the message itself is kept)', () => {
    const event = normalizeRobotMessage(payload('https://oapi.dingtalk.com.evil.tld/robot/sendBySession?session=a'), BASE);
    expect(event).toMatchObject({ kind: 'message.text', text: '帮助' });
    expect(event).not.toHaveProperty('replyWebhook');
  });
});
