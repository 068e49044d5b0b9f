// Commands for administrators.

import { formatDateTime } from './domain/dates';
import { AppError } from './domain/errors';
import type { Ctx, Deps } from './context';
import type { View } from './ports';
import { card } from './views';

/** 发送状态: what the outbox holds: waiting, failing (retrying), sent, given up. */
export async function outboxStatus(deps: Deps, ctx: Ctx): Promise<View[]> {
  if (!ctx.actor.roles.includes('admin')) throw new AppError('forbidden', '只有管理员可以查看消息发送状态。');
  const s = await deps.repos.outbox.status(ctx.tx, ctx.now);
  const tz = deps.policy.timezone;
  return [
    card({
      kind: 'list',
      title: '消息发送状态',
      fields: [
        { label: '待发送', value: String(s.pending) },
        { label: '重试中', value: `${s.failing}${s.nextRetry ? `（下次重试 ${formatDateTime(s.nextRetry, tz)}）` : ''}` },
        { label: '已发送', value: String(s.sent) },
        { label: '已放弃', value: String(s.dead) },
      ],
      lines: s.recentDead.length
        ? ['最近放弃的消息：', ...s.recentDead.map((d) => `· #${d.id} ${d.dedupeKey} ${formatDateTime(d.createdAt, tz)}：${(d.lastError ?? '').slice(0, 80)}`)]
        : [],
      buttons: [],
    }),
  ];
}
