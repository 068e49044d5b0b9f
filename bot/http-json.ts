// JSON over HTTP to the platform APIs, on undici's request(). The global fetch is undici too, behind
// the WHATWG Request/Response/stream layers, and the outbox makes one call per message: on loopback
// a 2 KB JSON POST cost fetch about 0.34 ms more CPU than request() (five times as much) and far more
// garbage. Redirects are not followed (a 3xx is an answer like any other), and a call gives up when
// the server sends no headers, or stops sending the body, for `timeoutMs`.

import { request } from 'undici';

export interface JsonAnswer {
  status: number;
  /** A 2xx status. */
  ok: boolean;
  /** The parsed body; an empty object when it was empty or not a JSON object. */
  body: Record<string, unknown>;
  /** Whether the body was a JSON object (an answer of the platform, not of a proxy's error page). */
  json: boolean;
}

export interface JsonCall {
  method: 'GET' | 'POST' | 'PUT';
  /** Sent as `application/json`. */
  json?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function requestJson(url: string | URL, call: JsonCall): Promise<JsonAnswer> {
  const timeout = call.timeoutMs ?? 10_000;
  const answer = await request(url, {
    method: call.method,
    headers: call.json === undefined ? call.headers : { 'content-type': 'application/json', ...call.headers },
    body: call.json === undefined ? undefined : JSON.stringify(call.json),
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  // Read to the end whatever the status, so the connection is kept for the next call.
  return answerOf(answer.statusCode, await answer.body.text());
}

function answerOf(status: number, text: string): JsonAnswer {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { status, ok: isOk(status), body: value as Record<string, unknown>, json: true };
  } catch {
    // not JSON
  }
  return { status, ok: isOk(status), body: {}, json: false };
}

const isOk = (status: number) => status >= 200 && status < 300;

/** A multipart POST (a media upload: rare) through fetch, which builds the form body; the answer as JSON. */
export async function postForm(url: string | URL, form: FormData, timeoutMs = 10_000): Promise<JsonAnswer> {
  const response = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(timeoutMs) });
  return answerOf(response.status, await response.text());
}
