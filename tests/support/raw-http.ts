// Plain node:http requests for tests that need what fetch hides: chunked bodies without a
// Content-Length, arbitrary header values, a fresh connection per request.

import http from 'node:http';

export interface RawResponse {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * One request on its own connection. `body` as an array of chunks is sent chunked (no
 * Content-Length). A connection the server closes before answering resolves as status 0.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer | Buffer[] } = {},
): Promise<RawResponse> {
  return new Promise((resolve) => {
    const chunks = Array.isArray(options.body) ? options.body : undefined;
    const req = http.request(url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), headers: res.headers }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers }));
    });
    let settled = false;
    req.on('error', () => {
      if (!settled) resolve({ status: 0, body: '', headers: {} });
    });
    req.on('response', () => (settled = true));
    if (!chunks) {
      req.end(options.body);
      return;
    }
    // Write the chunks as the socket takes them; stop quietly if the server closes early.
    let i = 0;
    const write = (): void => {
      while (i < chunks.length) {
        if (req.destroyed) return;
        if (!req.write(chunks[i++]!)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

/** `total` bytes of `fill` in chunks of 8 KB. */
export const chunksOf = (total: number, fill = 'a'): Buffer[] =>
  Array.from({ length: Math.ceil(total / 8192) }, (_, i) => Buffer.alloc(Math.min(8192, total - i * 8192), fill));
