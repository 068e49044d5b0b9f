// The raw bytes of a request body, up to a limit: callbacks verify signatures over exactly what
// arrived, and a body larger than any real callback is refused without being read into memory.

import type { Context } from 'koa';

/** The body, or null when it is (or declares itself) larger than `limit` bytes: answer 413. */
export async function readRawBody(ctx: Context, limit: number): Promise<Buffer | null> {
  if (Number(ctx.get('content-length') || 0) > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
