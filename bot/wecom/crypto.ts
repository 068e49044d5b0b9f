// WeCom callback crypto (加解密方案, doc 91144). Pure functions.
// Signing and encryption come from @wecom/crypto; decryption is done here because the library's
// decrypt accepts malformed input silently (any pad byte, any msg_len, non-base64 characters) and
// checks neither the signature nor the receive id. WeCom pads to 32-byte blocks, so Node's automatic
// PKCS#7 unpadding (16-byte) cannot be used.

import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { encrypt as wecomEncrypt, getSignature } from '@wecom/crypto';

export type WecomCryptoFailure =
  | 'bad_signature'
  | 'bad_base64'
  | 'bad_length'
  | 'bad_padding'
  | 'bad_msg_len'
  | 'receiveid_mismatch';

export class WecomCryptoError extends Error {
  constructor(readonly code: WecomCryptoFailure) {
    super(`wecom crypto: ${code}`);
  }
}

export interface AesKey {
  key: Buffer;
  iv: Buffer;
}

/** EncodingAESKey (43 characters) → the 32-byte AES key; its first 16 bytes are the IV. */
export function parseEncodingAesKey(encodingAesKey: string): AesKey {
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) throw new Error('EncodingAESKey must be 43 letters and digits');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey does not decode to 32 bytes');
  return { key, iv: key.subarray(0, 16) };
}

export const signatureOf = (token: string, timestamp: string, nonce: string, encrypted: string): string =>
  getSignature(token, timestamp, nonce, encrypted);

/** sha1 of the sorted [token, timestamp, nonce, encrypted], compared in constant time. */
export function verifySignature(
  token: string,
  p: { signature: string; timestamp: string; nonce: string; encrypted: string },
): boolean {
  const expected = Buffer.from(signatureOf(token, p.timestamp, p.nonce, p.encrypted), 'utf8');
  const given = Buffer.from(p.signature.toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decrypts `random(16) ‖ msg_len(4, BE) ‖ msg ‖ receiveid ‖ pad` and checks every part:
 * strict base64, whole 32-byte blocks, a valid PKCS#7 pad of 1..32, msg_len inside the data, and the
 * receive id equal to the corp id.
 */
export function decryptMessage(aes: AesKey, encrypted: string, corpId: string): string {
  if (!BASE64.test(encrypted)) throw new WecomCryptoError('bad_base64');
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 32 !== 0) throw new WecomCryptoError('bad_length');
  const decipher = createDecipheriv('aes-256-cbc', aes.key, aes.iv);
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 32 || !plain.subarray(plain.length - pad).every((b) => b === pad)) {
    throw new WecomCryptoError('bad_padding');
  }
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < 20) throw new WecomCryptoError('bad_msg_len');
  const msgLen = body.readUInt32BE(16);
  if (20 + msgLen > body.length) throw new WecomCryptoError('bad_msg_len');
  const receiveId = body.subarray(20 + msgLen).toString('utf8');
  if (receiveId !== corpId) throw new WecomCryptoError('receiveid_mismatch');
  return body.subarray(20, 20 + msgLen).toString('utf8');
}

/** For passive replies and the fake WeCom: the official scheme, via @wecom/crypto. */
export function encryptMessage(encodingAesKey: string, message: string, receiveId: string, random?: Buffer): string {
  return wecomEncrypt(encodingAesKey, message, receiveId, random);
}
