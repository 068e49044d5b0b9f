// The Stream client's reconnection holds one connection however often it reconnects: a `disconnect`
// and the old socket's close never open two, no socket is left behind, no listener piles up.

import { TOPIC_ROBOT, DingtalkStreamClient } from '../../../bot/dingtalk/stream';
import { silentLogger } from '../../../bot/logger';
import { FakeDingtalk } from '../../fakes/dingtalk';

const CLIENT = { clientId: 'ding-client', clientSecret: 'ding-secret' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await sleep(10);
}

let fake: FakeDingtalk;
let client: DingtalkStreamClient | undefined;
beforeEach(async () => {
  fake = await new FakeDingtalk(CLIENT).start();
});
afterEach(async () => {
  client?.stop();
  client = undefined;
  await fake.stop();
});

it('keeps exactly one open connection through 20 disconnects whose sockets close before the gateway answers', async () => {
  client = new DingtalkStreamClient({ ...CLIENT, gatewayUrl: fake.gatewayUrl, reconnectDelayMs: 20, log: silentLogger });
  client.registerCallbackListener(TOPIC_ROBOT, () => undefined);
  await client.start();
  fake.gatewayDelayMs = 80; // the new ticket takes longer than the old socket takes to close
  for (let i = 1; i <= 20; i++) {
    fake.disconnect(0); // the server says disconnect and closes the socket right away
    await waitFor(() => fake.liveConnections === 1);
    await sleep(150); // longer than a gateway call: a second reconnection would show by now
    expect(fake.liveConnections).toBe(1);
    expect(fake.openSockets).toBe(1);
  }
  expect(fake.gatewayRequests).toHaveLength(21); // one new connection per disconnect, no more
  expect(client.listenerCount(TOPIC_ROBOT)).toBe(1);
});

it('replaces a connection that stopped answering pings', async () => {
  client = new DingtalkStreamClient({ ...CLIENT, gatewayUrl: fake.gatewayUrl, reconnectDelayMs: 20, pingIntervalMs: 50, log: silentLogger });
  await client.start();
  await sleep(200); // a live connection answers the pings and is kept
  expect(fake.gatewayRequests).toHaveLength(1);
  fake.freezeConnections();
  await waitFor(() => fake.liveConnections === 1);
  expect(fake.liveConnections).toBe(1);
  expect(fake.gatewayRequests).toHaveLength(2);
});

describe('acks', () => {
  /** What the SDK's own send() writes for socketCallBackResponse(messageId, result). */
  const sdkAck = (messageId: string, result: unknown) => ({
    code: 200,
    headers: { contentType: 'application/json', messageId },
    message: 'OK',
    data: JSON.stringify({ response: result }),
  });

  it('acks robot messages with the SDK wire format; acks sent in one turn all arrive', async () => {
    client = new DingtalkStreamClient({ ...CLIENT, gatewayUrl: fake.gatewayUrl, log: silentLogger });
    const received: string[] = [];
    client.registerCallbackListener(TOPIC_ROBOT, (frame) => received.push(frame.headers.messageId));
    await client.start();
    const ids = Array.from({ length: 30 }, (_, i) => fake.pushRobotMessage({ staffId: `s${i}`, text: '帮助' }).messageId);
    await waitFor(() => received.length === 30);
    for (const id of received) client.socketCallBackResponse(id, null); // one turn: one socket write
    await waitFor(() => ids.every((id) => fake.acks.has(id)));
    for (const id of ids) expect(fake.acks.get(id)).toEqual([sdkAck(id, null)]);
  });

  it('escapes any messageId, and sends a card response as the SDK does', async () => {
    client = new DingtalkStreamClient({ ...CLIENT, gatewayUrl: fake.gatewayUrl, log: silentLogger });
    await client.start();
    const odd = 'msg"\\\u4e2d\u2028</x>';
    client.socketCallBackResponse(odd, null);
    const update = { cardData: { cardParamMap: { status: '已同意', note: 'a "quoted" 值' } } };
    client.socketCallBackResponse('card-1', update);
    client.socketCallBackResponse('card-2', undefined);
    await waitFor(() => fake.acks.has(odd) && fake.acks.has('card-1') && fake.acks.has('card-2'));
    expect(fake.acks.get(odd)).toEqual([sdkAck(odd, null)]);
    expect(fake.acks.get('card-1')).toEqual([sdkAck('card-1', update)]);
    expect(fake.acks.get('card-2')).toEqual([sdkAck('card-2', undefined)]);
    expect(() => client!.socketCallBackResponse('', null)).toThrow(/messageId/);
  });

  it('sends nothing and does not throw after the socket is gone', async () => {
    client = new DingtalkStreamClient({ ...CLIENT, gatewayUrl: fake.gatewayUrl, reconnectDelayMs: 60_000, log: silentLogger });
    await client.start();
    fake.dropConnections();
    await waitFor(() => fake.openSockets === 0);
    await sleep(50);
    expect(() => client!.socketCallBackResponse('late', null)).not.toThrow();
  });
});

describe('the fake gateway blast (bench mode)', () => {
  it('never has more than `window` frames unacknowledged, and counts every ack once', async () => {
    client = new DingtalkStreamClient({ ...CLIENT, gatewayUrl: fake.gatewayUrl, log: silentLogger });
    let held: string[] = [];
    let mostHeld = 0;
    client.registerCallbackListener(TOPIC_ROBOT, (frame) => {
      held.push(frame.headers.messageId);
      mostHeld = Math.max(mostHeld, held.length);
    });
    // Acks in bursts, each burst led by a second ack of a frame acked in the previous one: the client
    // holds frames a while, as a slow bot does.
    let ackedBefore: string | undefined;
    const timer = setInterval(() => {
      const now = held;
      held = [];
      if (!now.length) return;
      if (ackedBefore) client!.socketCallBackResponse(ackedBefore, null);
      ackedBefore = now[0];
      for (const id of now) client!.socketCallBackResponse(id, null);
    }, 5);
    await client.start();
    const payloads: string[] = [];
    client.on(TOPIC_ROBOT, (frame: { data: string }) => payloads.push(frame.data));
    try {
      const result = await fake.blast({ senders: ['a', 'b', 'c'], count: 200, text: '帮助', window: 16, idPrefix: 't' });
      expect(result.timedOut).toBe(false);
      expect(new Set(result.acked).size).toBe(200);
      expect(result.latenciesMs).toHaveLength(200);
      expect(mostHeld).toBeLessThanOrEqual(16);
      expect(fake.acks.size).toBe(0); // blast acks are not recorded one by one
      const first = JSON.parse(payloads[0]!) as { msgId: string; senderStaffId: string; text: { content: string } };
      expect(first).toMatchObject({ msgId: 't-0', senderStaffId: 'a', text: { content: '帮助' } });
    } finally {
      clearInterval(timer);
    }
  });

  it('paced: pushes without waiting for acks, up to the window, and reports what was acked when time runs out', async () => {
    client = new DingtalkStreamClient({ ...CLIENT, gatewayUrl: fake.gatewayUrl, log: silentLogger });
    let received = 0;
    client.registerCallbackListener(TOPIC_ROBOT, (frame) => {
      received++;
      if (received <= 20) client!.socketCallBackResponse(frame.headers.messageId, null); // then it stops acking
    });
    await client.start();
    const result = await fake.blast({ senders: ['a'], count: 100, text: '帮助', window: 40, ratePerSecond: 5000, timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.acked).toHaveLength(20);
    expect(received).toBe(60); // 20 acked + 40 unacknowledged in flight, then the window held it
  });
});
