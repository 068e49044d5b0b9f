// The raw bytes of a request body, up to a limit: callbacks verify signatures over exactly what
// arrived, and a body larger than any real callback is refused without being read into memory.

import type { Context } from 'koa';

/** Why a body could not be read: the status to answer with. */
export type BodyRefusal = { refused: 413 | 400; reason: 'too_large' | 'aborted' };

/**
 * The body, or a refusal: 413 when it is (or declares itself) larger than `limit` bytes, 400 when
 * the client went away or broke the stream mid-body. A refused request is answered with
 * `Connection: close`: the rest of an oversized body is never read (neither by us nor by Node's
 * keep-alive, which would otherwise drain it), and the stream is left alone rather than destroyed,
 * so the 413 can still be written.
 */
export async function readRawBody(ctx: Context, limit: number): Promise<Buffer | BodyRefusal> {
  const declared = ctx.get('content-length');
  if (declared && !(Number(declared) <= limit)) return refuse(ctx, 413, 'too_large');
  const req = ctx.req;
  if (req.readableEnded) return Buffer.alloc(0);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | BodyRefusal) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        done(refuse(ctx, 413, 'too_large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks));
    const onAbort = () => done(refuse(ctx, 400, 'aborted'));
    const onClose = () => {
      if (!req.readableEnded) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
    req.on('close', onClose);
  });
}

export const isRefusal = (body: Buffer | BodyRefusal): body is BodyRefusal => !Buffer.isBuffer(body);

function refuse(ctx: Context, status: 413 | 400, reason: BodyRefusal['reason']): BodyRefusal {
  ctx.set('Connection', 'close');
  return { refused: status, reason };
}

/** The client's address for logs; never throws (Koa's `ctx.ip` does once the socket is gone). */
export function clientIp(ctx: Context): string | undefined {
  try {
    return ctx.ip;
  } catch {
    return undefined;
  }
}
