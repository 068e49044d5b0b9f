// The WeCom section's peer: the Koishi/Satori WeCom adapter (@satorijs/adapter-wecom) as a user of
// it would run it: a Satori context with the cordis HTTP server plugin and the adapter, pointed at
// the fake WeCom, the HTTP client service, answering every text message with one text (`session.bot.sendMessage`).
// Loaded from its own folder (BENCH_PEER_DIR, installed by the section with npm), never from the
// project's dependencies. Prints `listening <url>` once its callback route is up.

import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort } from '../soak/bot-process';
import { WECOM_SETTINGS } from './wecom-mix';

const peer = createRequire(path.join(process.env.BENCH_PEER_DIR!, 'package.json'));


async function main(): Promise<void> {
  const { Context, HTTP } = peer('@satorijs/core');
  const Server = peer('@cordisjs/plugin-server');
  const { WecomBot } = peer('@satorijs/adapter-wecom');
  // The plugin listens only on a port it is given (port 0 means "do not listen"): one the OS chose.
  const port = await freePort();
  const ctx = new Context();
  ctx.plugin(HTTP); // the adapter's HTTP client (Koishi provides it; bare Satori does not)
  ctx.plugin(Server.default ?? Server, { host: '127.0.0.1', port, maxPort: port });
  ctx.plugin(WecomBot, {
    corpId: WECOM_SETTINGS.corpId,
    agentId: String(WECOM_SETTINGS.agentId),
    secret: WECOM_SETTINGS.secret,
    token: WECOM_SETTINGS.token,
    aesKey: WECOM_SETTINGS.encodingAesKey,
    endpoint: `${process.env.BENCH_WECOM_API}/`,
  });
  ctx.on('message', (session: any) => {
    void session.bot.sendMessage(session.channelId, `收到：${session.content}`, undefined, { session }).catch((error: Error) => {
      console.error(`peer reply failed: ${error.message}`);
    });
  });
  await ctx.start();
  // The adapter adds its route once it has connected (gettoken, agent/get).
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && ctx.bots?.[0]?.status !== 1) await new Promise((r) => setTimeout(r, 50));
  console.log(`bench-listening http://127.0.0.1:${port}/wecom (bot status ${ctx.bots?.[0]?.status})`);
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
