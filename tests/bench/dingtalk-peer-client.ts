// The clients the DingTalk Stream bench compares the bot with, each run alone in a child process:
//   node dingtalk-peer-client.js bare   <gatewayUrl>  the SDK's DWClient, acking every robot message at once (the ceiling)
//   node dingtalk-peer-client.js koishi <apiBase>     the Koishi/Satori DingTalk adapter from .bench-peers/dingtalk
//   node dingtalk-peer-client.js accept <gatewayUrl>  analysis: the bot's stream client, normalisation and
//        Dispatcher.accept (a committed inbox row) before each ack, and no processing (DATABASE_URL, POLICY_FILE)
// Credentials come from DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET. Stops on SIGTERM.

import { createRequire } from 'node:module';
import path from 'node:path';
import 'reflect-metadata';
import fs from 'node:fs';
import { DWClient, TOPIC_ROBOT, type DWClientDownStream } from 'dingtalk-stream';
import { createApp, systemClock } from '../../bot/app';
import { parsePolicy } from '../../bot/config';
import { normalizeRobotMessage } from '../../bot/dingtalk/normalize';
import { DingtalkStreamClient } from '../../bot/dingtalk/stream';
import { silentLogger } from '../../bot/logger';

const ROOT = path.join(__dirname, '../../..'); // compiled to .bench-build/tests/bench
const [mode, url] = process.argv.slice(2);
const clientId = process.env.DINGTALK_CLIENT_ID!;
const clientSecret = process.env.DINGTALK_CLIENT_SECRET!;

async function bare(gatewayUrl: string): Promise<() => void> {
  const client = new DWClient({ clientId, clientSecret, autoReconnect: false, subscriptions: [{ type: 'EVENT', topic: '*' }] } as ConstructorParameters<typeof DWClient>[0]);
  // The SDK's gateway URL is fixed at import (platforms.md §A1.9): the endpoint comes from the fake.
  client.getEndpoint = async () => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ clientId, clientSecret, ua: '', subscriptions: client.config.subscriptions }),
    });
    const { endpoint, ticket } = (await response.json()) as { endpoint: string; ticket: string };
    (client as unknown as { dw_url: string }).dw_url = `${endpoint}?ticket=${ticket}`;
    return client;
  };
  client.registerCallbackListener(TOPIC_ROBOT, (frame: DWClientDownStream) => client.socketCallBackResponse(frame.headers.messageId, null));
  await client.connect();
  return () => client.disconnect();
}

/**
 * The Koishi adapter never acknowledges a CALLBACK frame (its ws.ts answers SYSTEM pings only), so
 * this harness acks each message from a `message` listener, once the adapter has dispatched it as a
 * session: the bench's frame messageId is also the message's msgId, which becomes session.messageId.
 */
async function koishi(apiBase: string): Promise<() => void> {
  const peer = createRequire(path.join(ROOT, '.bench-peers/dingtalk/package.json'));
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const { Context, HTTP } = peer('@satorijs/core') as any;
  const { DingtalkBot } = peer('@satorijs/adapter-dingtalk') as any;
  const ctx = new Context();
  ctx.plugin(HTTP);
  ctx.plugin(DingtalkBot, { protocol: 'ws', appkey: clientId, secret: clientSecret, api: { endpoint: `${apiBase}/v1.0/` }, oldApi: { endpoint: `${apiBase}/` } });
  ctx.on('message', (session: any) => {
    const socket = session.bot.adapter?.socket;
    socket?.send(JSON.stringify({ code: 200, headers: { contentType: 'application/json', messageId: session.messageId }, message: 'OK', data: '{"response":null}' }));
  });
  await ctx.start();
  return () => void ctx.stop();
}

/** What the ack waits for, alone: the frame parsed, normalised and committed to the inbox, then acked. */
async function acceptOnly(gatewayUrl: string): Promise<() => Promise<void>> {
  const policy = parsePolicy(fs.readFileSync(process.env.POLICY_FILE!, 'utf8'), 'policy.yaml');
  const app = await createApp({ databaseUrl: process.env.DATABASE_URL!, policy, notifier: { deliver: async () => undefined }, clock: systemClock, log: silentLogger });
  const client = new DingtalkStreamClient({ clientId, clientSecret, gatewayUrl, log: silentLogger });
  const oapiBase = new URL(gatewayUrl).origin;
  client.registerCallbackListener(TOPIC_ROBOT, (frame: DWClientDownStream) => {
    const event = normalizeRobotMessage(JSON.parse(frame.data), oapiBase);
    if (!event) return client.socketCallBackResponse(frame.headers.messageId, null);
    void app.dispatcher.accept(event).then(() => client.socketCallBackResponse(frame.headers.messageId, null));
  });
  await client.start();
  return async () => {
    client.stop();
    await app.close();
  };
}

async function main(): Promise<void> {
  if (!url) throw new Error('usage: dingtalk-peer-client.js bare|koishi|accept <url>');
  const stop = mode === 'bare' ? await bare(url) : mode === 'koishi' ? await koishi(url) : mode === 'accept' ? await acceptOnly(url) : null;
  if (!stop) throw new Error(`unknown mode ${mode}`);
  // Exits by itself (a --cpu-prof profile is written only then), at most a second after SIGTERM.
  process.on('SIGTERM', () => {
    setTimeout(() => process.exit(0), 1000).unref();
    void Promise.resolve(stop()).finally(() => setTimeout(() => process.exit(0), 50));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
