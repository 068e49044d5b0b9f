// The soak's company: 1,000 directory members with WeCom identities, every role the routing of
// policy.example.yaml needs, and a policy file of policy.example.yaml's shape around them.

import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export interface Member {
  id: string;
  userId: string; // the WeCom UserID
  /** May create customers and contracts (role sales, sales_manager, gm or admin). */
  creates: boolean;
}

const CHARS = '华锦泰康瑞丰盛安达信诚和嘉祥宏远昌隆兴德正元恒通新明光辉鸿运广博立金银海天宇晨星云龙凤鹏凯豪威佳美景润';
const TRADES = ['科技', '贸易', '传媒', '物流', '食品', '医药', '建材', '电子', '文化', '能源'];

/** A company name unique to `n` (three characters spelling n in base CHARS.length, then a trade). */
export function companyName(n: number): string {
  const b = CHARS.length;
  const chars = [Math.floor(n / (b * b)) % b, Math.floor(n / b) % b, n % b].map((i) => CHARS[i]).join('');
  return `${chars}${TRADES[n % TRADES.length]}有限公司`;
}

/** `count` members: 1 gm, 1 admin, 2 legal, 2 finance, a sales manager per 40, the rest sales. */
export function buildDirectory(count: number): { members: Member[]; people: Record<string, unknown>[] } {
  const people: Record<string, unknown>[] = [];
  const members: Member[] = [];
  const add = (id: string, role: string, manager?: string) => {
    const userId = `Soak${id}`;
    people.push({ id, name: `成员${String(people.length + 1).padStart(4, '0')}`, roles: [role], ...(manager ? { manager } : {}), identities: [`wecom:${userId}`] });
    members.push({ id, userId, creates: ['sales', 'sales_manager', 'gm', 'admin'].includes(role) });
  };
  add('gm', 'gm');
  add('admin', 'admin', 'gm');
  add('legal1', 'legal', 'gm');
  add('legal2', 'legal', 'gm');
  add('finance1', 'finance', 'gm');
  add('finance2', 'finance', 'gm');
  const managers = Math.ceil((count - people.length) / 40);
  for (let i = 1; i <= managers; i++) add(`mgr${i}`, 'sales_manager', 'gm');
  for (let i = 1; people.length < count; i++) add(`sales${i}`, 'sales', `mgr${((i - 1) % managers) + 1}`);
  return { members, people };
}

/** The date (YYYY-MM-DD) of `at` in `timezone`. */
const dateIn = (at: Date, timezone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: timezone }).format(at);

/**
 * policy.example.yaml with the generated directory, the group channels on the fake WeCom's robots,
 * and today and tomorrow as company holidays: the whole soak runs in quiet hours, so a reply that
 * quiet hours held back would never arrive, and notifications to people (held, by design) cannot be
 * mistaken for replies.
 */
export function writePolicy(root: string, dir: string, people: Record<string, unknown>[], webhookUrl: (key: string) => string): string {
  const policy = YAML.parse(fs.readFileSync(path.join(root, 'policy.example.yaml'), 'utf8')) as Record<string, any>;
  const now = new Date();
  policy.people = people;
  policy.calendar.extra_holidays = [dateIn(now, policy.timezone), dateIn(new Date(now.getTime() + 86_400_000), policy.timezone)];
  policy.outbox.quiet_hours = true;
  for (const name of Object.keys(policy.channels)) policy.channels[name] = { wecom_webhook: webhookUrl(name) };
  const file = path.join(dir, 'policy.yaml');
  fs.writeFileSync(file, YAML.stringify(policy));
  return file;
}
