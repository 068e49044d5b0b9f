// The WeCom section's traffic: one app's settings, 1,000 directory members (the soak's directory),
// and the text commands they send, each answered by the bot with exactly one message.

import { buildDirectory } from '../soak/directory';

export const WECOM_SETTINGS = {
  corpId: 'wwbench0123456789a',
  agentId: 1000002,
  secret: 'bench-app-secret',
  token: 'BenchToken',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

export const MEMBERS = 1000;
/** Measured callbacks per member: 10 in well under a minute, WeCom allows 30 a minute per member. */
export const PER_MEMBER = 10;
/** Warm-up callbacks (not measured), one each from the first members, before every target. */
export const WARMUP = 500;
export const CONCURRENCY = 50;

export type ReplyClass = 'help' | 'todo' | 'mine';

/** Read-only commands, so every target does the same work whatever came before, each one reply. */
export const MIX: { text: string; reply: ReplyClass }[] = [
  { text: '帮助', reply: 'help' },
  { text: '待办', reply: 'todo' },
  { text: '我的合同', reply: 'mine' },
  { text: 'help', reply: 'help' },
];

export interface PlannedCallback {
  userId: string;
  text: string;
  reply: ReplyClass;
}

export const directory = () => buildDirectory(MEMBERS);

/**
 * `count` callbacks, member after member (member i sends its n-th message once every member has sent
 * n - 1), so neighbours in flight come from different members, with the mix rotated per member.
 */
export function plan(count: number, offset = 0): PlannedCallback[] {
  const { members } = directory();
  return Array.from({ length: count }, (_, k) => {
    const i = k % members.length;
    const round = Math.floor(k / members.length) + offset;
    const { text, reply } = MIX[(i + round) % MIX.length]!;
    return { userId: members[i]!.userId, text, reply };
  });
}

/** Which command a reply answers (the order matters: 你还没有合同 mentions 新建合同 too). */
export function classify(text: string): ReplyClass | 'other' {
  if (/我的合同（\d+）|你还没有合同/.test(text)) return 'mine';
  if (/^你没有待审批的合同|^你有 \d+ 个待审批/.test(text)) return 'todo';
  if (text.includes('新建合同')) return 'help';
  return 'other';
}

export function textOf(body: Record<string, unknown>): string {
  if (body.msgtype === 'text') return String((body.text as { content: string }).content);
  if (body.msgtype === 'markdown') return String((body.markdown as { content: string }).content);
  return JSON.stringify(body.template_card ?? body);
}
