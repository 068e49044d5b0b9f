// The platform API client's HTTP: undici's request() against a real server on 127.0.0.1.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postForm, requestJson } from '../../bot/http-json';

let server: http.Server;
let base: string;
const connections = new Set<unknown>();
const seen: { method?: string; type?: string; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, type: req.headers['content-type'], body });
      if (req.url === '/json') return void res.end(JSON.stringify({ errcode: 0, echo: req.headers['content-type'] === 'application/json' ? JSON.parse(body) : null }));
      if (req.url === '/error-page') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/json' }).end();
      if (req.url === '/array') return void res.end('[1,2]');
      if (req.url === '/silent') return; // never answers
      res.writeHead(404).end();
    });
  });
  server.on('connection', (socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

it('posts JSON and reads a JSON object answer', async () => {
  const answer = await requestJson(`${base}/json`, { method: 'POST', json: { touser: '张三', n: 1 } });
  expect(answer).toEqual({ status: 200, ok: true, json: true, body: { errcode: 0, echo: { touser: '张三', n: 1 } } });
  expect(seen.at(-1)).toMatchObject({ method: 'POST', type: 'application/json' });
});

it('says when an answer is not a JSON object, and reads error answers to the end (the connection is kept)', async () => {
  const before = connections.size;
  const page = await requestJson(`${base}/error-page`, { method: 'GET' });
  expect(page).toEqual({ status: 502, ok: false, json: false, body: {} });
  expect((await requestJson(`${base}/array`, { method: 'GET' })).json).toBe(false);
  for (let i = 0; i < 5; i++) await requestJson(`${base}/json`, { method: 'POST', json: { i } });
  expect(connections.size - before).toBeLessThanOrEqual(1);
});

it('does not follow redirects', async () => {
  const answer = await requestJson(`${base}/redirect`, { method: 'POST', json: {} });
  expect(answer.status).toBe(302);
  expect(answer.ok).toBe(false);
  expect(seen.at(-1)?.body).toBe('{}');
});

it('gives up on a server that does not answer', async () => {
  await expect(requestJson(`${base}/silent`, { method: 'POST', json: {}, timeoutMs: 300 })).rejects.toThrow(/timeout/i);
});

it('posts a multipart form (media uploads)', async () => {
  const form = new FormData();
  form.append('media', new Blob([Buffer.from('a,b\r\n')], { type: 'text/csv' }), '台账.csv');
  const answer = await postForm(`${base}/json`, form);
  expect(answer.status).toBe(200);
  expect(seen.at(-1)?.type).toMatch(/^multipart\/form-data; boundary=/);
  expect(seen.at(-1)?.body).toContain('a,b');
});
