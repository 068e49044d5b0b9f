import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type Router from '@koa/router';
import { silentLogger } from '../../bot/logger';
import { isRefusal, readRawBody } from '../../bot/raw-body';
import { createServer, listen, SERVER_LIMITS } from '../../bot/server';
import { openDatabase } from '../../storage/data-source';

it('GET /healthz answers 200 while the database answers, 503 once it does not', async () => {
  const { dataSource } = await openDatabase('sqlite::memory:');
  const http = createServer({ dataSource, log: silentLogger }).listen(0, '127.0.0.1');
  await new Promise((r) => http.once('listening', r));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  try {
    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    await dataSource.destroy();
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { status: string }).status).toBe('unavailable');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  } finally {
    await new Promise((r) => http.close(r));
  }
});

describe('limits for slow clients (listen)', () => {
  const LIMITS = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200, socketTimeoutMs: 5000, checkIntervalMs: 50, maxHeadersCount: 64 };
  let server: Server;
  let port: number;
  let close: () => Promise<void>;
  beforeEach(async () => {
    const { dataSource } = await openDatabase('sqlite::memory:');
    const echo = (router: Router) =>
      router.post('/echo', async (ctx) => {
        const body = await readRawBody(ctx, 64 * 1024);
        ctx.body = isRefusal(body) ? '' : body;
      });
    server = await listen(createServer({ dataSource, log: silentLogger, routes: [echo] }), 0, '127.0.0.1', LIMITS);
    port = (server.address() as AddressInfo).port;
    close = async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await dataSource.destroy();
    };
  });
  afterEach(() => close());

  /** Opens a connection, sends `first`, then `drip` every 100 ms until the server closes it. */
  function slowClient(first: string, drip: string): Promise<{ ms: number; received: string }> {
    return new Promise((resolve) => {
      const started = Date.now();
      let received = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write(first));
      const timer = setInterval(() => socket.writable && socket.write(drip), 100);
      socket.on('data', (d) => (received += String(d)));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ ms: Date.now() - started, received });
      });
    });
  }

  it('cuts off a client that sends its headers slowly (slowloris), while serving others', async () => {
    const slow = slowClient('GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const { ms, received } = await slow;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(3000); // headersTimeout 300 ms, checked every 50 ms; without it the drip would go on for ever
  });

  it('cuts off a client that sends its body slowly', async () => {
    const { ms, received } = await slowClient('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n', 'a');
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(3000);
  });

  it('closes an idle keep-alive connection', async () => {
    const { received, ms } = await new Promise<{ received: string; ms: number }>((resolve) => {
      let received = '';
      let answeredAt = 0;
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'));
      socket.on('data', (d) => {
        received += String(d);
        answeredAt ||= Date.now();
      });
      socket.on('close', () => resolve({ received, ms: Date.now() - answeredAt }));
    });
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeLessThan(3000);
  });

  it('uses the production limits by default', async () => {
    const { dataSource } = await openDatabase('sqlite::memory:');
    const production = await listen(createServer({ dataSource, log: silentLogger }), 0, '127.0.0.1');
    expect({ headers: production.headersTimeout, request: production.requestTimeout, keepAlive: production.keepAliveTimeout, maxHeaders: production.maxHeadersCount, socket: production.timeout }).toEqual({
      headers: SERVER_LIMITS.headersTimeoutMs,
      request: SERVER_LIMITS.requestTimeoutMs,
      keepAlive: SERVER_LIMITS.keepAliveTimeoutMs,
      maxHeaders: SERVER_LIMITS.maxHeadersCount,
      socket: SERVER_LIMITS.socketTimeoutMs,
    });
    await new Promise((r) => production.close(r));
    await dataSource.destroy();
  });
});
