import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../bot/logger';
import { createServer } from '../../bot/server';
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
