// The bot as `npm start` wires it (startBot with the web console), served on 127.0.0.1 on a free port:
// for the web console's tests and its browser test.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startBot } from '../../bot/platforms';
import { createServer, listen } from '../../bot/server';
import { MONDAY_10AM } from './harness';

export interface ConsoleRig {
  base: string;
  bot: Awaited<ReturnType<typeof startBot>>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the bot with `env` (no platform unless given) at simulated Monday 10:00 Shanghai. */
export async function startConsoleRig(env: Record<string, string> = {}, options: { start?: string } = {}): Promise<ConsoleRig> {
  const startedAt = Date.parse(options.start ?? MONDAY_10AM);
  const realStart = Date.now();
  const bot = await startBot({
    webConsole: true,
    env: { DATABASE_URL: 'sqlite::memory:', POLICY_FILE: path.join(__dirname, '../../policy.example.yaml'), LOG_LEVEL: 'silent', ...env },
    realTime: () => startedAt + (Date.now() - realStart),
  });
  const server: Server = await listen(createServer({ dataSource: bot.app.dataSource, log: bot.log, routes: bot.routes }), 0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    bot,
    post: (p, body, headers = {}) => fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bot.app.dispatcher.close();
      await bot.app.close();
    },
  };
}
