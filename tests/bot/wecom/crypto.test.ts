// The official WeCom vectors (platforms.md §B1.6, Set A) and every way a ciphertext can be malformed.

import { createCipheriv } from 'node:crypto';
import { decryptMessage, encryptMessage, parseEncodingAesKey, signatureOf, verifySignature, WecomCryptoError } from '../../../bot/wecom/crypto';
import { parseWecomXml } from '../../../bot/wecom/xml';

const TOKEN = 'QDG6eK';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CORP = 'wx5823bf96d3bd56c7';
const aes = parseEncodingAesKey(AES_KEY);

const GET = {
  signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  encodedEchostr: 'P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D',
};
const POST = {
  signature: '477715d11cdb4164915debcba66cb864d751f3e6',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypted:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
};
const POST_PLAINTEXT =
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>';

describe('official vectors (Set A)', () => {
  it('derives the AES key and IV', () => {
    expect(aes.key.toString('hex')).toBe('8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760');
    expect(aes.iv.toString('hex')).toBe('8d69989bbaabe67328014c194631ad07');
  });

  it('A-GET: verifies the signature over the decoded echostr and decrypts it', () => {
    const echostr = decodeURIComponent(GET.encodedEchostr);
    expect(echostr).toContain('+'); // a `+` read as a space would break both steps
    expect(verifySignature(TOKEN, { ...GET, encrypted: echostr })).toBe(true);
    expect(decryptMessage(aes, echostr, CORP)).toBe('1616140317555161061');
  });

  it('A-POST: verifies the signature and decrypts the 32-byte-padded message exactly', () => {
    expect(signatureOf(TOKEN, POST.timestamp, POST.nonce, POST.encrypted)).toBe(POST.signature);
    expect(verifySignature(TOKEN, POST)).toBe(true);
    const plain = decryptMessage(aes, POST.encrypted, CORP);
    expect(plain).toBe(POST_PLAINTEXT);
    expect(Buffer.byteLength(plain)).toBe(284);
    expect(parseWecomXml(plain).MsgId).toBe('4561255354251345929'); // a string: no float rounding
  });

  it('the self-computed reply vector round-trips', () => {
    const reply =
      '<xml><ToUserName><![CDATA[mycreate]]></ToUserName><FromUserName><![CDATA[wx5823bf96d3bd56c7]]></FromUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[world]]></Content></xml>';
    const encrypted = encryptMessage(AES_KEY, reply, CORP, Buffer.from('0123456789abcdef'));
    expect(encrypted).toBe(
      'sKqRbbiSUnDhFHOvPjtUMUfes4/2uKY1g9DFmYoQAgeG2lGZONATyKWRDvzuxzQiQdIha6gkfdfKPf+dWPq89c8dFM29NV2Dcenu3P4StHpPh3tJx8AQoZsK6m19Bm5KeqGAgP7QPvJw7kTS0KZTeoMvKNrQFcNXV9XtcJEfo+8T955q4mm3bFkRylRmigVZ6s35VNAL/DDWjTCA+4+aPGLYz0GEGzJUwarw0YS+bgN1SNnGDXdMWPBZEx9hQmVV9VxcCl/krOM0d+3UxNoougKmduOkciAjlwfX7DCnkkm2d/oA1VekKhrBg/RZDNqKzOUZS9J6El70eqWh4q0ASYXj9UDP8ueA8MQDGV3Y7B2YPwIjx7KDjBVaVUJE/Nwy',
    );
    expect(signatureOf(TOKEN, '1409659814', 'nonce123', encrypted)).toBe('f956181988dcac2ebff235d3fda9451c192ff605');
    expect(decryptMessage(aes, encrypted, CORP)).toBe(reply);
  });
});

describe('rejections', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e instanceof WecomCryptoError ? e.code : `other: ${(e as Error).message}`;
    }
    return 'accepted';
  };
  /** Encrypts raw plaintext bytes without padding, to build malformed messages. */
  const rawEncrypt = (plain: Buffer) => {
    const c = createCipheriv('aes-256-cbc', aes.key, aes.iv);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(plain), c.final()]).toString('base64');
  };

  it('a wrong signature, in constant time, and one of the wrong length', () => {
    expect(verifySignature(TOKEN, { ...POST, signature: POST.signature.replace('4', '5') })).toBe(false);
    expect(verifySignature(TOKEN, { ...POST, signature: 'abc' })).toBe(false);
    expect(verifySignature('other-token', POST)).toBe(false);
  });
  it('a message for another corp', () => expect(code(() => decryptMessage(aes, POST.encrypted, 'wwOTHERCORP'))).toBe('receiveid_mismatch'));
  it('truncated base64', () => expect(code(() => decryptMessage(aes, POST.encrypted.slice(0, 101), CORP))).toBe('bad_base64'));
  it('characters outside base64', () => expect(code(() => decryptMessage(aes, `${POST.encrypted.slice(0, -4)}*AA=`, CORP))).toBe('bad_base64'));
  it('a whole number of AES blocks but not of 32 bytes', () => expect(code(() => decryptMessage(aes, Buffer.alloc(48).toString('base64'), CORP))).toBe('bad_length'));
  it('a pad byte outside 1..32', () => {
    const plain = Buffer.alloc(64, 0);
    plain[63] = 33;
    expect(code(() => decryptMessage(aes, rawEncrypt(plain), CORP))).toBe('bad_padding');
  });
  it('an inconsistent pad', () => {
    const plain = Buffer.alloc(64, 4);
    plain[62] = 5;
    expect(code(() => decryptMessage(aes, rawEncrypt(plain), CORP))).toBe('bad_padding');
  });
  it('a msg_len pointing past the data', () => {
    const plain = Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 1, 0]), Buffer.from('hi'), Buffer.alloc(10, 10)]);
    expect(code(() => decryptMessage(aes, rawEncrypt(plain), CORP))).toBe('bad_msg_len');
  });
  it('a key that is not 43 characters', () => expect(() => parseEncodingAesKey('short')).toThrow(/43/));
});

describe('XML', () => {
  it('refuses DTDs and entities (no entity expansion, no billion laughs)', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><Encrypt>&lol2;</Encrypt></xml>';
    expect(() => parseWecomXml(bomb)).toThrow(/DTD/);
  });
  it('refuses malformed XML and a missing root', () => {
    expect(() => parseWecomXml('<xml><Encrypt>abc</xml>')).toThrow(/malformed/);
    expect(() => parseWecomXml('<other>1</other>')).toThrow(/root/);
  });
});
