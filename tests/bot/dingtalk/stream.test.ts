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
