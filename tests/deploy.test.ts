// The deployment files in deploy/ stay consistent with the code: the same entry point as `npm start`,
// stop timeouts longer than the graceful-stop deadline, the callback paths the routes serve, and
// /metrics never proxied to the internet.

import fs from 'node:fs';
import path from 'node:path';
import { loadEnv } from '../bot/config';
import { DINGTALK_CALLBACK_PATH } from '../bot/dingtalk/http-callback';
import { DOWNLOAD_PATH } from '../bot/download-links';
import { WECOM_CALLBACK_PATH } from '../bot/wecom/callback';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const defaults = loadEnv({});
const entryPoint = /^node (\S+)$/.exec(JSON.parse(read('package.json')).scripts.start)![1]!;

/** The unit's `Key=value` lines (last one wins, as systemd reads them). */
function unit(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) keys.set(m[1]!, m[2]!);
  }
  return keys;
}

it('systemd: runs npm start\'s entry point, restarts on failure, waits longer than the stop deadline', () => {
  const service = unit(read('deploy/contract-bot.service'));
  expect(service.get('ExecStart')).toMatch(new RegExp(`^/usr/bin/node ${entryPoint.replace(/\./g, '\\.')}$`));
  expect(service.get('Restart')).toBe('on-failure');
  expect(service.get('KillSignal')).toBe('SIGTERM');
  expect(service.get('User')).toBeTruthy();
  expect(service.get('EnvironmentFile')).toBeTruthy();
  const timeout = Number(service.get('TimeoutStopSec'));
  expect(timeout).toBeGreaterThanOrEqual(defaults.STOP_DEADLINE_SECONDS + 5);
  // The default SQLite file's folder is writable under the hardening.
  const dataFolder = path.dirname(defaults.DATABASE_URL.replace(/^sqlite:/, ''));
  expect(service.get('ReadWritePaths')!.split(' ')).toContain(path.join(service.get('WorkingDirectory')!, dataFolder));
});

it('pm2: the same entry point and folder, and a kill_timeout longer than the stop deadline', () => {
  const { apps } = require(path.join(ROOT, 'deploy/ecosystem.config.js')) as { apps: Record<string, unknown>[] };
  expect(apps).toHaveLength(1);
  const app = apps[0]!;
  expect(app.script).toBe(entryPoint);
  expect(app.cwd).toBe(unit(read('deploy/contract-bot.service')).get('WorkingDirectory'));
  expect(app.kill_timeout).toBeGreaterThanOrEqual((defaults.STOP_DEADLINE_SECONDS + 5) * 1000);
  // Its log files are the ones the logrotate example rotates.
  const rotated = /^(\/\S+)\/\*\.log \{$/m.exec(read('deploy/logrotate-pm2.conf'))![1];
  expect(path.dirname(String(app.out_file))).toBe(rotated);
  expect(path.dirname(String(app.error_file))).toBe(rotated);
});

it('nginx: HTTPS, proxies exactly the callbacks, /healthz and the download links to PORT, a body limit, and nothing else (no /metrics, no /console)', () => {
  const conf = read('deploy/nginx.conf');
  expect(conf).toMatch(/listen 443 ssl/);
  expect(new RegExp(`server 127\\.0\\.0\\.1:${defaults.PORT};`).test(conf)).toBe(true);
  const proxied = [...conf.matchAll(/location (?:= )?(\S+) \{\s*(?:limit_except GET \{ deny all; \}\s*)?proxy_pass /g)].map((m) => m[1]);
  expect(proxied.sort()).toEqual([DINGTALK_CALLBACK_PATH, WECOM_CALLBACK_PATH, '/healthz', DOWNLOAD_PATH.split(':')[0]].sort());
  expect([...conf.matchAll(/proxy_pass /g)]).toHaveLength(proxied.length);
  expect(conf).toMatch(/location \/ \{\s*return 404;\s*\}/);
  expect(conf).not.toMatch(/location[^{]*(metrics|console)/);
  const limit = /client_max_body_size (\d+)k;/.exec(conf);
  expect(Number(limit?.[1])).toBeLessThanOrEqual(64); // what the callback routes accept
});
